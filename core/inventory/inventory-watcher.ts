import { isOutpostError, toContractError, type ContractError } from '../contract/errors.js';
import { createEventCollector, destroyEventCollector, latestEvents } from '../vsphere/events.js';
import { isFault } from '../vsphere/faults.js';
import {
  cancelWaitForUpdates,
  createContainerView,
  createFilter,
  createPropertyCollector,
  destroyPropertyCollector,
  waitForUpdates,
  type ObjectContent,
  type ObjectUpdate,
} from '../vsphere/property-collector.js';
import type { VsphereSession } from '../vsphere/session.js';
import type { MoRef } from '../vsphere/xml.js';
import { ALL_SPECS, ALL_TYPES, kindOf, toRow, updateTree } from './inventory-properties.js';
import type { InventoryStore } from './inventory-store.js';
import { InventoryTree } from './inventory-tree.js';

export type WatchState = 'connecting' | 'syncing' | 'watching' | 'backoff' | 'stopped' | 'failed';

export interface WatchStatus {
  state: WatchState;
  /** Full resyncs done (the first sync counts as one). */
  syncs: number;
  reconnects: number;
  lastChangeAt: string | null;
  lastError: ContractError | null;
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
  connect: () => Promise<VsphereSession>;
  /** Backoff between reconnects: doubles from initial up to max. */
  backoff?: { initialMs: number; maxMs: number };
  /** How long one WaitForUpdatesEx may block before the watcher checks in. */
  maxWaitSeconds?: number;
  onApplied?: (changes: readonly AppliedChange[]) => void;
  onStatus?: (status: WatchStatus) => void;
}

/** Stops the current cycle so the loop reconnects and resyncs. */
class ResyncNeeded extends Error {}

/**
 * Keeps one site's inventory current. Each cycle connects, creates a private PropertyCollector
 * with one filter over every inventory type, takes the initial WaitForUpdatesEx result as a full
 * snapshot (upsert everything, then mark removed what it lacked), then applies each incremental
 * update set in one transaction, tracking the version. Any failure (dropped connection, restarted
 * vCenter, a re-login that invalidated the filter) ends the cycle; the next one starts after a
 * backoff and resyncs from a fresh snapshot, so nothing is lost or duplicated. A changed
 * certificate or refused credentials stop the watcher: the operator must act.
 */
export class InventoryWatcher {
  private stopped = false;
  private session: VsphereSession | null = null;
  private collector: MoRef | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private readonly status: WatchStatus = { state: 'connecting', syncs: 0, reconnects: 0, lastChangeAt: null, lastError: null };
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

  /** Stops without waiting: drops the connection (the server lets the session expire). */
  abandon(): void {
    this.stopped = true;
    this.wake?.();
    this.session?.destroy();
    this.status.state = 'stopped';
  }

  private setState(state: WatchState, error?: ContractError): void {
    this.status.state = state;
    if (error) this.status.lastError = error;
    this.o.onStatus?.(this.current);
  }

  private async runLoop(): Promise<void> {
    const backoff = this.o.backoff ?? { initialMs: 500, maxMs: 30_000 };
    let delay = backoff.initialMs;
    while (!this.stopped) {
      try {
        this.setState('connecting');
        this.session = await this.o.connect();
        await this.cycle(this.session, () => (delay = backoff.initialMs));
      } catch (err) {
        if (this.stopped) break;
        const error = toContractError(err);
        if (!(err instanceof ResyncNeeded)) await this.o.store.recordError(this.o.siteId, error);
        if (isOutpostError(err) && (err.code === 'TLS_CHANGED' || err.code === 'TLS_UNTRUSTED' || isFault(err, 'InvalidLogin'))) {
          this.setState('failed', error);
          break;
        }
        this.status.reconnects++;
        this.setState('backoff', err instanceof ResyncNeeded ? undefined : error);
        await this.sleep(delay);
        delay = Math.min(delay * 2, backoff.maxMs);
      } finally {
        const s = this.session;
        this.session = null;
        this.collector = null;
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
    const events = await createEventCollector(session, undefined, 200).catch(() => null);

    // Snapshot: everything the filter covers, possibly in several truncated parts.
    this.objects = new Map();
    this.tree = new InventoryTree();
    this.run = await this.o.store.beginRun(this.o.siteId);
    let version = '';
    for (;;) {
      const set = await waitForUpdates(session, collector, version, { maxWaitSeconds: 0 });
      if (!set) break;
      version = set.version;
      await this.applySnapshotPart(set.objects);
      if (!set.truncated) break;
    }
    const now = new Date().toISOString();
    await this.o.store.batch(async () => {
      await this.o.store.sweep(this.o.siteId, this.run, now);
      await this.o.store.finishSync(this.o.siteId, performance.now() - started, now);
    });
    this.status.syncs++;
    this.status.lastError = null;
    connected();
    this.setState('watching');

    // Events are for the record, not for freshness: read them beside the update loop so a page
    // of events never delays the next WaitForUpdatesEx.
    const eventReader = events ? this.readEventsPeriodically(session, events) : null;
    try {
      while (!this.stopped) {
        const set = await waitForUpdates(session, collector, version, { maxWaitSeconds: this.o.maxWaitSeconds ?? 30 });
        // A transparent re-login gave us a new session: its collector has no filter any more.
        if (session.generation !== generation) throw new ResyncNeeded('session was re-established');
        if (this.stopped) break;
        if (set) {
          version = set.version;
          await this.applyUpdates(set.objects);
        }
      }
    } finally {
      eventReader?.stop();
    }
    if (events) await destroyEventCollector(session, events).catch(() => undefined);
    await destroyPropertyCollector(session, collector).catch(() => undefined);
  }

  private readEventsPeriodically(session: VsphereSession, collector: MoRef, everyMs = 1_000): { stop(): void } {
    let lastKey = -1;
    let busy = false;
    const timer = setInterval(() => {
      if (busy || this.stopped) return;
      busy = true;
      latestEvents(session, collector, lastKey)
        .then(async (fresh) => {
          if (fresh.length === 0 || this.stopped) return;
          await this.o.store.recordEvents(this.o.siteId, fresh);
          lastKey = fresh[fresh.length - 1]!.key;
        })
        .catch(() => undefined) // the update loop reports connection problems
        .finally(() => (busy = false));
    }, everyMs);
    timer.unref();
    return { stop: () => clearInterval(timer) };
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
