import { arrayItems, asArray, child, el, isNode, text, toRef, xsiType, type MoRef, type XmlValue } from './xml.js';
import type { VsphereSession } from './session.js';

/** One vCenter event as Outpost keeps it: who did what to which VM or host, and when. */
export interface VsphereEvent {
  key: number;
  type: string;
  createdTime: string;
  /** The vCenter user behind it, when vCenter says (system events have none). */
  userName: string | null;
  vm: MoRef | null;
  vmName: string | null;
  host: MoRef | null;
  hostName: string | null;
  message: string;
}

/** vCenter's largest page: ReadNextEvents and a collector's latestPage take at most 1000. */
export const MAX_EVENT_PAGE = 1000;

/**
 * An EventHistoryCollector over every event type (session-scoped), from `beginTime` on when given
 * (vCenter then lets ReadNextEvents walk everything since; vcsim ignores the time filter and keeps
 * its last 1000 events), whose latestPage holds up to `pageSize` events.
 */
export async function createEventCollector(session: VsphereSession, options: { pageSize: number; beginTime?: string | null }): Promise<MoRef | null> {
  if (!session.content.eventManager) return null;
  const time = options.beginTime ? `<time>${el('beginTime', options.beginTime)}</time>` : '';
  const { body } = await session.invoke('CreateCollectorForEvents', session.content.eventManager, `<filter>${time}</filter>`);
  const collector = toRef(body['returnval']) ?? null;
  if (collector) await session.invoke('SetCollectorPageSize', collector, el('maxCount', Math.min(options.pageSize, MAX_EVENT_PAGE)));
  return collector;
}

/**
 * Every event newer than `afterKey` the vCenter still has, handed over in ascending key batches so
 * a caller that stores each batch and remembers the last key never skips one after a crash. A
 * temporary collector filtered from `since` (the last stored event's time) is rewound and read
 * with ReadNextEvents; vCenter returns oldest first, vcsim its one page newest first (each batch
 * is sorted before it is handed over, and a read of MAX_EVENT_PAGE holds vcsim's whole page).
 */
export async function readEventsSince(
  session: VsphereSession,
  afterKey: number,
  since: string | null,
  onBatch: (events: VsphereEvent[]) => void | Promise<void>,
): Promise<number> {
  // vcsim reads ReadNextEvents out of the latestPage, so that page must be as large as it goes.
  const collector = await createEventCollector(session, { pageSize: MAX_EVENT_PAGE, beginTime: since });
  if (!collector) return 0;
  let n = 0;
  try {
    await session.invoke('RewindCollector', collector);
    for (;;) {
      const { body } = await session.invoke('ReadNextEvents', collector, el('maxCount', MAX_EVENT_PAGE));
      const batch = asArray(body['returnval']);
      if (batch.length === 0) break;
      const fresh = batch
        .map(toEvent)
        .filter((e): e is VsphereEvent => e !== null && e.key > afterKey)
        .sort((a, b) => a.key - b.key);
      if (fresh.length) {
        await onBatch(fresh);
        n += fresh.length;
      }
      if (batch.length < MAX_EVENT_PAGE) break;
    }
  } finally {
    await session.invoke('DestroyCollector', collector).catch(() => undefined);
  }
  return n;
}

/** The events of a collector's latestPage value (as WaitForUpdatesEx or a read gives it), oldest first. */
export function eventsOfPage(value: unknown): VsphereEvent[] {
  return arrayItems(value)
    .map(toEvent)
    .filter((e): e is VsphereEvent => e !== null)
    .sort((a, b) => a.key - b.key);
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
  const host = child(node, 'host');
  return {
    key,
    type: type.replace(/^.*:/, ''),
    createdTime: text(child(node, 'createdTime')) ?? '',
    userName: text(child(node, 'userName')) || null,
    vm: toRef(child(vm, 'vm')) ?? null,
    vmName: text(child(vm, 'name')) || null,
    host: toRef(child(host, 'host')) ?? null,
    hostName: text(child(host, 'name')) || null,
    message: text(child(node, 'fullFormattedMessage')) ?? '',
  };
}
