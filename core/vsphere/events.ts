import type { VsphereSession } from './session.js';
import { asArray, child, el, isNode, text, toRef, xsiType, type MoRef, type XmlValue } from './xml.js';

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

/** An EventHistoryCollector over the given event types, starting now (session-scoped). */
export async function createEventCollector(session: VsphereSession, eventTypes: readonly string[] = VM_EVENT_TYPES): Promise<MoRef | null> {
  if (!session.content.eventManager) return null;
  const { body } = await session.invoke('CreateCollectorForEvents', session.content.eventManager, `<filter>${eventTypes.map((t) => el('eventTypeId', t)).join('')}</filter>`);
  return toRef(body['returnval']) ?? null;
}

/** The events that arrived since the last read, oldest first. */
export async function readNextEvents(session: VsphereSession, collector: MoRef, max = 500): Promise<VsphereEvent[]> {
  const { body } = await session.invoke('ReadNextEvents', collector, el('maxCount', max));
  return asArray(body['returnval']).map(toEvent).filter((e): e is VsphereEvent => e !== null);
}

export async function destroyEventCollector(session: VsphereSession, collector: MoRef): Promise<void> {
  await session.invoke('DestroyCollector', collector);
}

function toEvent(node: XmlValue): VsphereEvent | null {
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
