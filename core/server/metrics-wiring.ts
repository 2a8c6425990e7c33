import { createSocket, type Socket } from 'node:dgram';
import { hostname } from 'node:os';
import type { EventName, EventPayload } from '../contract/events.js';
import type { EventBus } from '../events/event-bus.js';
import type { AppliedChange, WatchStatus } from '../inventory/inventory-watcher.js';
import type { RecordedEvent } from '../inventory/event-log-store.js';
import type { Sql } from '../db/sql.js';
import { MetricsRegistry, statsdLines, type MetricsSnapshot } from '../metrics/metrics.js';
import { MetricsStore } from '../metrics/metrics-store.js';

/** How often a long-running process writes its snapshot (for `outpost metrics`) and pushes to statsd. */
export const METRICS_FLUSH_MS = 10_000;

/** Steps and runs being followed at once; beyond this the oldest is forgotten (memory stays bounded). */
const MAX_OPEN = 1_000;

const FINAL = new Set(['succeeded', 'failed', 'rolled-back', 'cancelled']);

const isEvent = <N extends EventName>(name: N, event: EventName, _payload: unknown): _payload is EventPayload<N> => event === name;

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  if (!map.has(key) && map.size >= MAX_OPEN) map.delete(map.keys().next().value!);
  map.set(key, value);
}

/**
 * The metrics of one Outpost process: the registry, the instruments every long-running part
 * reports to (the composition root calls them from the hooks it already has: watcher status,
 * applied changes, stored events, the bus's procedure and fan-out events, each command's outcome),
 * and the publishing (a snapshot in the store, statsd).
 */
export class OutpostMetrics {
  readonly registry = new MetricsRegistry();
  private readonly m;
  private readonly syncStarted = new Map<string, number>();
  private readonly lastErrorSeen = new Map<string, string>();
  private readonly openSteps = new Map<string, { idx: number; name: string; started: number }>();
  private readonly openRuns = new Map<string, number>();
  private timer: NodeJS.Timeout | null = null;
  private socket: Socket | null = null;
  private lastPushed: MetricsSnapshot | null = null;
  private flushNow: (() => Promise<void>) | null = null;
  private soon: NodeJS.Timeout | null = null;

  constructor() {
    const r = this.registry;
    this.m = {
      syncSeconds: r.histogram('outpost_inventory_sync_seconds', 'Full snapshot of a site by its watcher (connect excluded), seconds'),
      syncs: r.counter('outpost_inventory_syncs_total', 'Full snapshots completed by the watchers'),
      reconnects: r.counter('outpost_inventory_reconnects_total', 'Watcher cycles that ended and were retried after a backoff'),
      watchState: r.gauge('outpost_inventory_watch_up', '1 while the watcher of a site is live (watching), else 0'),
      changes: r.counter('outpost_inventory_changes_total', 'Inventory objects entered, modified or left, as the watchers applied them'),
      eventLag: r.histogram('outpost_vcenter_event_lag_seconds', 'vCenter event createdTime to stored by Outpost (the watch lag: events ride the same WaitForUpdatesEx as the inventory)'),
      watchLag: r.gauge('outpost_inventory_watch_lag_seconds', 'The last stored event lag of each site, seconds'),
      events: r.counter('outpost_vcenter_events_total', 'vCenter events stored'),
      steps: r.counter('outpost_procedure_steps_total', 'Procedure steps finished, by outcome'),
      stepSeconds: r.histogram('outpost_procedure_step_seconds', 'Procedure step duration (run to done or failed), seconds'),
      procedures: r.counter('outpost_procedures_total', 'Procedure runs that ended, by final state'),
      fanout: r.histogram('outpost_fanout_seconds', 'Fan-out job duration, seconds'),
      fanouts: r.counter('outpost_fanouts_total', 'Fan-out jobs that ended, by state'),
      commands: r.counter('outpost_commands_total', 'Contract commands handled'),
      commandSeconds: r.histogram('outpost_command_seconds', 'Contract command duration, seconds'),
      errors: r.counter('outpost_errors_total', 'Errors by stable code and where they happened (command, watcher)'),
      up: r.gauge('outpost_process_start_time_seconds', 'When this process started (Unix seconds)'),
    };
    this.m.up.set({}, Math.round(Date.now() / 1000));
  }

  watchStatus(site: string, s: WatchStatus): void {
    const now = performance.now();
    if (s.state === 'syncing') this.syncStarted.set(site, now);
    if (s.state === 'watching') {
      const started = this.syncStarted.get(site);
      this.syncStarted.delete(site);
      if (started !== undefined) {
        this.m.syncSeconds.observe({ site }, (now - started) / 1000);
        this.m.syncs.inc({ site });
      }
    }
    if (s.state === 'backoff' || s.state === 'failed') {
      this.m.reconnects.inc({ site });
      // One error per distinct failure, not per status line repeating it.
      const key = s.lastError ? `${s.lastError.code}@${s.retryAt ?? ''}` : '';
      if (s.lastError && this.lastErrorSeen.get(site) !== key) {
        this.lastErrorSeen.set(site, key);
        this.m.errors.inc({ where: 'watcher', code: s.lastError.code });
      }
    }
    this.m.watchState.set({ site }, s.state === 'watching' ? 1 : 0);
    // A state change is worth showing before the next interval (`outpost metrics` right after a sync).
    this.flushSoon();
  }

  private flushSoon(): void {
    if (this.soon || !this.flushNow) return;
    this.soon = setTimeout(() => {
      this.soon = null;
      void this.flush();
    }, 1_000);
    this.soon.unref();
  }

  applied(site: string, changes: readonly AppliedChange[]): void {
    for (const c of changes) this.m.changes.inc({ site, kind: c.kind });
  }

  eventsStored(site: string, events: readonly RecordedEvent[]): void {
    this.m.events.inc({ site }, events.length);
    let last: number | null = null;
    for (const e of events) {
      const lag = (Date.parse(e.recordedAt) - Date.parse(e.createdAt)) / 1000;
      if (Number.isFinite(lag) && lag >= 0) {
        this.m.eventLag.observe({}, lag);
        last = lag;
      }
    }
    if (last !== null) this.m.watchLag.set({ site }, last);
  }

  command(command: string, ms: number, errorCode: string | null): void {
    this.m.commands.inc({ command, outcome: errorCode ? 'error' : 'ok' });
    this.m.commandSeconds.observe({ command }, ms / 1000);
    if (errorCode) this.m.errors.inc({ where: 'command', code: errorCode });
  }

  /** Procedure steps and runs, fan-out jobs: from the bus, as the UI hears them. */
  follow(bus: EventBus): () => void {
    return bus.subscribe((event, payload) => {
      if (isEvent('procedure.updated', event, payload)) this.procedureUpdated(payload);
      else if (isEvent('fanout.done', event, payload)) {
        this.m.fanouts.inc({ state: payload.state });
        this.m.fanout.observe({}, payload.durationMs / 1000);
      }
    });
  }

  /**
   * A run's update names its current step only (running, waiting, failed): a step is timed from
   * the update that shows it running to the first that shows another step, or the run ended.
   */
  private procedureUpdated(p: EventPayload<'procedure.updated'>): void {
    const open = this.openSteps.get(p.id);
    const step = p.step;
    if (open && !(step && step.idx === open.idx && step.state === 'running')) {
      this.openSteps.delete(p.id);
      const outcome = step && step.idx === open.idx ? (step.state === 'failed' ? 'failed' : step.state === 'waiting' ? 'waiting' : 'done') : p.state === 'failed' && !step ? 'failed' : 'done';
      this.m.steps.inc({ kind: p.kind, step: open.name, outcome });
      this.m.stepSeconds.observe({ kind: p.kind, step: open.name }, (performance.now() - open.started) / 1000);
    }
    if (step?.state === 'running' && !this.openSteps.has(p.id)) remember(this.openSteps, p.id, { idx: step.idx, name: step.name, started: performance.now() });
    // A run is counted once, when it reaches a final state after being seen moving.
    if (FINAL.has(p.state)) {
      if (this.openRuns.delete(p.id)) this.m.procedures.inc({ kind: p.kind, state: p.state });
    } else remember(this.openRuns, p.id, 0);
  }

  /**
   * From now on, every METRICS_FLUSH_MS: write the snapshot to the store (`outpost metrics` reads
   * it) and push to statsd when a target is configured (read at each flush, so a settings change
   * applies without a restart).
   */
  publish(db: Sql, role: string, statsd: () => Promise<string>): void {
    if (this.timer) return;
    const store = new MetricsStore(db);
    const processName = `${role}:${process.pid}@${hostname()}`;
    this.flushNow = async () => {
      const snapshot = this.registry.snapshot();
      await store.write(processName, process.pid, role, snapshot);
      const target = await statsd();
      if (target) await this.pushStatsd(target, snapshot);
    };
    this.timer = setInterval(() => void this.flush(), METRICS_FLUSH_MS);
    this.timer.unref();
    void this.flush();
  }

  /** Writes (and pushes) now; advisory: a failure is retried at the next interval. */
  async flush(): Promise<void> {
    await this.flushNow?.().catch(() => undefined);
  }

  /** One UDP datagram per batch of lines (statsd takes newline-separated metrics), under 1,400 bytes each. */
  async pushStatsd(target: string, snapshot: MetricsSnapshot): Promise<void> {
    const at = target.lastIndexOf(':');
    const host = target.slice(0, at).replace(/^\[|\]$/g, '');
    const port = Number(target.slice(at + 1));
    const lines = statsdLines(this.lastPushed, snapshot);
    this.lastPushed = snapshot;
    if (lines.length === 0) return;
    const socket = (this.socket ??= createSocket(host.includes(':') ? 'udp6' : 'udp4').unref());
    const packets: string[] = [];
    let current = '';
    for (const line of lines) {
      if (current && current.length + line.length + 1 > 1_400) {
        packets.push(current);
        current = '';
      }
      current = current ? `${current}\n${line}` : line;
    }
    if (current) packets.push(current);
    for (const p of packets) await new Promise<void>((resolve) => socket.send(p, port, host, () => resolve()));
  }

  /** Stops publishing after a last flush (the store is still open). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.soon) clearTimeout(this.soon);
    this.timer = null;
    this.soon = null;
    await this.flush();
    this.flushNow = null;
    this.socket?.close();
    this.socket = null;
  }
}
