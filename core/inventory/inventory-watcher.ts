import { isOutpostError, toContractError, type ContractError } from '../contract/errors.js';
import { createEventCollector, destroyEventCollector, eventsOfPage, readEventsSince, type VsphereEvent } from '../vsphere/events.js';
import { isFault } from '../vsphere/faults.js';
import {
  cancelWaitForUpdates,
  createContainerView,
  createFilter,
  createObjectFilter,
  createPropertyCollector,
  destroyPropertyCollector,
  readProperties,
  waitForUpdates,
  type ObjectContent,
  type ObjectUpdate,
} from '../vsphere/property-collector.js';
import type { VsphereSession } from '../vsphere/session.js';
import type { MoRef } from '../vsphere/xml.js';
import { ALL_SPECS, ALL_TYPES, kindOf, toRow, updateTree, VM_PATHS } from './inventory-properties.js';
import { readCustomFields } from './full-sync.js';
import type { EventLogStore, RecordedEvent } from './event-log-store.js';
import type { InventoryStore } from './inventory-store.js';
import { InventoryTree } from './inventory-tree.js';

export type WatchState = 'connecting' | 'syncing' | 'watching' | 'backoff' | 'stopped' | 'failed';

let lastVersion = 0;
/**
 * The next status version: strictly increasing in this process and (wall-clock based) larger than
 * any a previous run of the process gave, so a reader keeps the newest of two statuses whichever
 * way they reached it (a command's answer can arrive after a later status event).
 */
function nextVersion(): number {
  lastVersion = Math.max(lastVersion + 1, Date.now());
  return lastVersion;
}

export interface WatchStatus {
  state: WatchState;
  /** Grows with every state change (see nextVersion): of two statuses the larger is the newer. */
  version: number;
  /** Full resyncs done (the first sync counts as one). */
  syncs: number;
  reconnects: number;
  lastChangeAt: string | null;
  lastError: ContractError | null;
  /** While in backoff (or failed): when the next attempt starts. */
  retryAt: string | null;
  /** The vCenter time of the last event stored, and how long after it Outpost stored it (ms). */
  lastEventAt: string | null;
  lagMs: number | null;
}

export interface AppliedChange {
  kind: 'enter' | 'modify' | 'leave';
  moref: string;
  type: string;
  /** When the change was written to the DB (performance.now()). */
  at: number;
}

export interface WatcherOptions {
  siteId: number;
  store: InventoryStore;
  events: EventLogStore;
  connect: () => Promise<VsphereSession>;
  /** Backoff between reconnects: doubles from initial up to max, each wait jittered (50-100%). */
  backoff?: { initialMs: number; maxMs: number };
  /** Read at each use (backoff, maxWaitSeconds) when the fixed options are absent. */
  tuning?: () => { backoff?: { initialMs: number; maxMs: number } | undefined; maxWaitSeconds?: number | undefined };
  /** Events the watcher just stored (new ones only: a re-read event is not announced twice). */
  onEvents?: (events: readonly RecordedEvent[]) => void;
  /** How long one WaitForUpdatesEx may block before the watcher checks in. */
  maxWaitSeconds?: number;
  onApplied?: (changes: readonly AppliedChange[]) => void;
  onStatus?: (status: WatchStatus) => void;
}

/** Events the live collector's latestPage holds; a larger burst between two updates is caught up. */
const LIVE_EVENT_PAGE = 100;

/** How far back the first catch-up of a site reads vCenter's event history. */
const FIRST_CATCH_UP_MS = 24 * 3_600_000;

/** 50-100% of a wait, so sites that failed together do not all retry in the same instant. */
function jitter(ms: number): number {
  return Math.round(ms * (0.5 + Math.random() * 0.5));
}

/** Stops the current cycle so the loop reconnects and resyncs. */
class ResyncNeeded extends Error {}

/**
 * Keeps one site's inventory current. Each cycle connects, creates a private PropertyCollector
 * with one filter over every inventory type, takes the initial WaitForUpdatesEx result as a full
 * snapshot (upsert everything, then mark removed what it lacked), then applies each incremental
 * update set in one transaction, tracking the version. Any failure (dropped connection, restarted
 * vCenter, a re-login that invalidated the filter) ends the cycle; the next one starts after a
 * backoff and resyncs from a fresh snapshot, so nothing is lost or duplicated. It retries forever
 * (an always-on index outlives a vCenter outage): the backoff doubles up to its cap and is
 * jittered so many sites do not reconnect in step. A changed certificate or refused credentials
 * put it in 'failed' (the operator must act) and it retries only at the cap.
 *
 * vCenter events ride the same WaitForUpdatesEx: a second filter watches an EventHistoryCollector's
 * latestPage. Each cycle first reads every event since the last one stored for the site (a
 * temporary collector from that event's time), so events from while no watcher ran are caught up;
 * (site, event key) is unique in the store, so an event read twice is stored once.
 */
export class InventoryWatcher {
  private stopped = false;
  private session: VsphereSession | null = null;
  private collector: MoRef | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly status: WatchStatus = { state: 'connecting', version: nextVersion(), syncs: 0, reconnects: 0, lastChangeAt: null, lastError: null, retryAt: null, lastEventAt: null, lagMs: null };
  /** The event collector whose latestPage the update loop also watches (null when vCenter has no EventManager). */
  private eventCollector: MoRef | null = null;
  /** Every watched object's properties: a modify carries only the changed ones. */
  private objects = new Map<string, ObjectContent>();
  private tree = new InventoryTree();
  private run = 0;

  constructor(private readonly o: WatcherOptions) {}

  start(): void {
    if (!this.loop) this.loop = this.runLoop();
  }

  /** The vCenter session key the watcher uses now (tests terminate it server-side). */
  get sessionKey(): string | null {
    return this.session?.sessionKey ?? null;
  }

  get current(): WatchStatus {
    return { ...this.status };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.wake?.();
    const session = this.session;
    if (session && this.collector) await cancelWaitForUpdates(session, this.collector).catch(() => undefined);
    const done = this.loop ?? Promise.resolve();
    const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 3_000).unref());
    if ((await Promise.race([done, timeout])) === 'timeout') {
      this.session?.destroy();
      await done;
    }
    this.setState('stopped');
  }

  /** Ends a backoff wait at once (nothing happens while connected). */
  retryNow(): void {
    this.wake?.();
  }

  /** Stops without waiting: drops the connection (the server lets the session expire). */
  abandon(): void {
    this.stopped = true;
    this.wake?.();
    this.session?.destroy();
    this.status.state = 'stopped';
    this.status.version = nextVersion();
  }

  private setState(state: WatchState, error?: ContractError): void {
    this.status.state = state;
    this.status.version = nextVersion();
    if (error) this.status.lastError = error;
    this.o.onStatus?.(this.current);
  }

  private async runLoop(): Promise<void> {
    const backoffNow = (): { initialMs: number; maxMs: number } => this.o.backoff ?? this.o.tuning?.().backoff ?? { initialMs: 500, maxMs: 60_000 };
    let delay = backoffNow().initialMs;
    while (!this.stopped) {
      const backoff = backoffNow();
      try {
        this.status.retryAt = null;
        this.setState('connecting');
        this.session = await this.o.connect();
        await this.cycle(this.session, () => (delay = backoffNow().initialMs));
      } catch (err) {
        if (this.stopped) break;
        const error = toContractError(err);
        if (!(err instanceof ResyncNeeded)) await this.o.store.recordError(this.o.siteId, error);
        const operatorMustAct = isOutpostError(err) && (err.code === 'TLS_CHANGED' || err.code === 'TLS_UNTRUSTED' || isFault(err, 'InvalidLogin'));
        // A refused login is retried only at the cap: retrying fast could lock the account.
        const wait = jitter(operatorMustAct ? backoff.maxMs : delay);
        this.status.retryAt = new Date(Date.now() + wait).toISOString();
        this.status.reconnects++;
        if (operatorMustAct) this.setState('failed', error);
        else this.setState('backoff', err instanceof ResyncNeeded ? undefined : error);
        await this.sleep(wait);
        delay = Math.min(delay * 2, backoff.maxMs);
      } finally {
        const s = this.session;
        this.session = null;
        this.collector = null;
        this.eventCollector = null;
        if (s) {
          if (this.stopped) await s.logout();
          else s.destroy();
        }
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, ms);
      this.wake = () => {
        clearTimeout(t);
        resolve();
      };
    });
  }

  private async cycle(session: VsphereSession, connected: () => void): Promise<void> {
    const generation = session.generation;
    this.setState('syncing');
    const started = performance.now();
    const collector = await createPropertyCollector(session);
    this.collector = collector;
    const view = await createContainerView(session, session.content.rootFolder, ALL_TYPES);
    await createFilter(session, collector, view, ALL_SPECS);
    // The live event collector and its filter exist before the catch-up read, so an event posted
    // between the two is in one of them (stored once either way).
    const events = await createEventCollector(session, { pageSize: LIVE_EVENT_PAGE });
    this.eventCollector = events;
    if (events) await createObjectFilter(session, collector, events, 'EventHistoryCollector', ['latestPage']);

    // Snapshot: everything the filter covers, possibly in several truncated parts.
    this.objects = new Map();
    this.tree = new InventoryTree();
    this.tree.customFields = await readCustomFields(session);
    this.run = await this.o.store.beginRun(this.o.siteId);
    let version = '';
    const pages: unknown[] = [];
    for (;;) {
      const set = await waitForUpdates(session, collector, version, { maxWaitSeconds: 0 });
      if (!set) break;
      version = set.version;
      await this.applySnapshotPart(set.objects.filter((u) => !this.isEventPage(u, pages)));
      if (!set.truncated) break;
    }
    const now = new Date().toISOString();
    await this.o.store.batch(async () => {
      await this.o.store.sweep(this.o.siteId, this.run, now);
      await this.o.store.finishSync(this.o.siteId, performance.now() - started, now);
    });
    if (events) {
      await this.catchUpEvents(session);
      for (const page of pages) await this.applyEventPage(session, page);
    }
    this.status.syncs++;
    this.status.lastError = null;
    connected();
    this.setState('watching');

    while (!this.stopped) {
      const set = await waitForUpdates(session, collector, version, { maxWaitSeconds: this.o.maxWaitSeconds ?? this.o.tuning?.().maxWaitSeconds ?? 30 });
      // A transparent re-login gave us a new session: its collector has no filter any more.
      if (session.generation !== generation) throw new ResyncNeeded('session was re-established');
      if (this.stopped) break;
      if (set) {
        version = set.version;
        const fresh: unknown[] = [];
        await this.applyUpdates(set.objects.filter((u) => !this.isEventPage(u, fresh)));
        for (const page of fresh) await this.applyEventPage(session, page);
      }
    }
    if (events) await destroyEventCollector(session, events).catch(() => undefined);
    await destroyPropertyCollector(session, collector).catch(() => undefined);
  }

  /** Whether an update is the event collector's (its latestPage is put in `pages`), not inventory. */
  private isEventPage(u: ObjectUpdate, pages: unknown[]): boolean {
    if (!this.eventCollector || u.ref.value !== this.eventCollector.value || u.ref.type !== this.eventCollector.type) return false;
    for (const c of u.changes) if (c.name === 'latestPage' && c.op !== 'remove') pages.push(c.value);
    return true;
  }

  /** Every event vCenter still has that is newer than the last one stored for the site. */
  private async catchUpEvents(session: VsphereSession): Promise<void> {
    const last = await this.o.events.lastEvent(this.o.siteId);
    // A site never indexed before starts with the last day of history, not all of vCenter's (30 days by default).
    const since = last?.createdAt ?? new Date(Date.now() - FIRST_CATCH_UP_MS).toISOString();
    await readEventsSince(session, last?.key ?? 0, since, (batch) => this.storeEvents(batch));
  }

  /**
   * New events from the live collector's latestPage. A page that is full and starts past the last
   * stored key may have dropped some (a burst larger than the page): read the gap with a catch-up.
   */
  private async applyEventPage(session: VsphereSession, page: unknown): Promise<void> {
    const lastKey = (await this.o.events.lastEvent(this.o.siteId))?.key ?? 0;
    const events = eventsOfPage(page);
    const fresh = events.filter((e) => e.key > lastKey);
    if (fresh.length === 0) return;
    if (events.length >= LIVE_EVENT_PAGE && events[0]!.key > lastKey + 1) await this.catchUpEvents(session);
    await this.storeEvents(fresh);
    // A reconfiguration vCenter reports as an event but whose property update never came (or
    // came for a property outside the filter): read the VM again so the store follows the event.
    const reconfigured = new Set(fresh.filter((e) => e.type === 'VmReconfiguredEvent' && e.vm).map((e) => e.vm!.value));
    for (const moref of reconfigured) if (this.objects.has(moref)) await this.refreshVm(session, moref);
  }

  /** Reads every watched property of one VM and applies it as an update (unset ones removed). */
  private async refreshVm(session: VsphereSession, moref: string): Promise<void> {
    const ref = { type: 'VirtualMachine', value: moref };
    this.tree.customFields = await readCustomFields(session);
    let props: Map<string, unknown>;
    try {
      props = await readProperties(session, ref, VM_PATHS);
    } catch (err) {
      if (isFault(err, 'ManagedObjectNotFound')) return; // gone: the leave update says so
      throw err;
    }
    if (props.size === 0) return;
    const changes = VM_PATHS.map((name) => (props.has(name) ? { name, op: 'assign' as const, value: props.get(name) } : { name, op: 'remove' as const, value: undefined }));
    await this.applyUpdates([{ kind: 'modify', ref, changes }]);
  }

  private async storeEvents(events: readonly VsphereEvent[]): Promise<void> {
    const now = new Date();
    const stored = await this.o.events.recordEvents(this.o.siteId, events, now.toISOString());
    const last = events[events.length - 1];
    if (last) {
      this.status.lastEventAt = last.createdTime;
      const created = Date.parse(last.createdTime);
      this.status.lagMs = Number.isFinite(created) ? Math.max(0, now.getTime() - created) : null;
    }
    if (stored.length) this.o.onEvents?.(stored);
  }

  /** Containers first (paths for the VMs), then the rest, one transaction. */
  private async applySnapshotPart(updates: readonly ObjectUpdate[]): Promise<void> {
    for (const u of updates) {
      if (u.kind === 'leave') continue;
      const o = this.merge(u);
      updateTree(this.tree, o);
    }
    const now = new Date().toISOString();
    await this.o.store.batch(async () => {
      for (const u of updates) {
        if (u.kind === 'leave') continue;
        const o = this.objects.get(u.ref.value);
        const mapped = o ? toRow(o, this.tree) : null;
        if (mapped) await this.o.store.upsert(this.o.siteId, this.run, mapped.kind, mapped.row, now);
      }
    });
  }

  private async applyUpdates(updates: readonly ObjectUpdate[]): Promise<void> {
    const now = new Date().toISOString();
    const applied: AppliedChange[] = [];
    await this.o.store.batch(async () => {
      for (const u of updates) {
        if (u.kind === 'leave') {
          this.objects.delete(u.ref.value);
          this.tree.remove(u.ref.value);
          const kind = kindOf(u.ref.type);
          if (kind && await this.o.store.markRemoved(this.o.siteId, kind, u.ref.value, now)) applied.push({ kind: 'leave', moref: u.ref.value, type: u.ref.type, at: 0 });
          continue;
        }
        const o = this.merge(u);
        updateTree(this.tree, o);
        const mapped = toRow(o, this.tree);
        if (mapped && await this.o.store.upsert(this.o.siteId, this.run, mapped.kind, mapped.row, now)) {
          applied.push({ kind: u.kind, moref: u.ref.value, type: u.ref.type, at: 0 });
        }
      }
    });
    if (applied.length) {
      const at = performance.now();
      for (const a of applied) a.at = at;
      this.status.lastChangeAt = now;
      this.o.onApplied?.(applied);
    }
  }

  private merge(u: ObjectUpdate): ObjectContent {
    let o = this.objects.get(u.ref.value);
    if (!o || u.kind === 'enter') {
      o = { ref: u.ref, props: u.kind === 'enter' || !o ? new Map() : o.props };
      this.objects.set(u.ref.value, o);
    }
    for (const c of u.changes) {
      if (c.op === 'remove' || c.op === 'indirectRemove') o.props.delete(c.name);
      else o.props.set(c.name, c.value);
    }
    return o;
  }
}
