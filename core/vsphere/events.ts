import { readProperties } from './property-collector.js';
import type { VsphereSession } from './session.js';
import { asArray, asXml, child, el, isNode, text, toRef, xsiType, type MoRef, type XmlValue } from './xml.js';

/** The VM lifecycle and power events the inventory records. */
export const VM_EVENT_TYPES = [
  'VmCreatedEvent',
  'VmReconfiguredEvent',
  'VmRemovedEvent',
  'VmRenamedEvent',
  'VmPoweredOnEvent',
  'VmPoweredOffEvent',
  'VmResettingEvent',
  'VmSuspendedEvent',
  'VmGuestShutdownEvent',
] as const;

export interface VsphereEvent {
  key: number;
  type: string;
  createdTime: string;
  userName: string | null;
  vm: MoRef | null;
  vmName: string | null;
  message: string;
}

/**
 * An EventHistoryCollector over the given event types (session-scoped) whose latest page holds
 * up to `pageSize` events.
 */
export async function createEventCollector(session: VsphereSession, eventTypes: readonly string[] = VM_EVENT_TYPES, pageSize = 1000): Promise<MoRef | null> {
  if (!session.content.eventManager) return null;
  const { body } = await session.invoke('CreateCollectorForEvents', session.content.eventManager, `<filter>${eventTypes.map((t) => el('eventTypeId', t)).join('')}</filter>`);
  const collector = toRef(body['returnval']) ?? null;
  if (collector) await session.invoke('SetCollectorPageSize', collector, el('maxCount', pageSize));
  return collector;
}

/**
 * The collector's latest page, oldest first, keeping only events newer than `afterKey`. Used by
 * the watcher after each update set: unlike ReadNextEvents (whose cursor vcsim never advances past
 * its first page), it works the same on vCenter and vcsim; the page size bounds what a burst can hold.
 */
export async function latestEvents(session: VsphereSession, collector: MoRef, afterKey: number): Promise<VsphereEvent[]> {
  const props = await readProperties(session, collector, ['latestPage']);
  const page = props.get('latestPage');
  return (Array.isArray(page) ? page : [])
    .map((e) => toEvent(asXml(e)))
    .filter((e): e is VsphereEvent => e !== null && e.key > afterKey)
    .sort((a, b) => a.key - b.key);
}

/** The events that arrived since the last read, oldest first. */
export async function readNextEvents(session: VsphereSession, collector: MoRef, max = 500): Promise<VsphereEvent[]> {
  const { body } = await session.invoke('ReadNextEvents', collector, el('maxCount', max));
  return asArray(body['returnval']).map(toEvent).filter((e): e is VsphereEvent => e !== null);
}

export async function destroyEventCollector(session: VsphereSession, collector: MoRef): Promise<void> {
  await session.invoke('DestroyCollector', collector);
}

function toEvent(node: XmlValue | undefined): VsphereEvent | null {
  if (!isNode(node)) return null;
  const type = xsiType(node);
  const key = Number(text(child(node, 'key')));
  if (typeof type !== 'string' || !Number.isFinite(key)) return null;
  const vm = child(node, 'vm');
  return {
    key,
    type: type.replace(/^.*:/, ''),
    createdTime: text(child(node, 'createdTime')) ?? '',
    userName: text(child(node, 'userName')) || null,
    vm: toRef(child(vm, 'vm')) ?? null,
    vmName: text(child(vm, 'name')) ?? null,
    message: text(child(node, 'fullFormattedMessage')) ?? '',
  };
}
