import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { clientFor } from './team-connection.js';
import { z } from 'zod';
import { events as eventSchemas, isEventName, type EventName, type EventPayload } from '../contract/events.js';
import type { Sql } from '../db/sql.js';
import type { EventBus } from '../events/event-bus.js';

/** The one channel every Outpost process of a team database announces on. */
export const TEAM_CHANNEL = 'outpost_events';

/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more; keep a margin for the envelope. */
export const NOTIFY_LIMIT = 7900;

/**
 * Events about shared state (the store's tables): what another workstation's console must see.
 * Local-only events stay local: a terminal, a fan-out or playbook run, status (each process has its own).
 */
const SHARED: ReadonlySet<EventName> = new Set<EventName>([
  'audit.appended',
  'procedure.updated',
  'procedure.log',
  'cmdb.changed',
  'inventory.changed',
  'inventory.watch',
  'inventory.events',
  'inventory.sync.progress',
  'upgrade.updated',
  'task.updated',
  'nat.drift',
  'settings.changed',
]);

export function isSharedEvent(name: EventName): boolean {
  return SHARED.has(name);
}

const envelopeSchema = z.object({ o: z.string().min(1).max(64), e: z.string(), p: z.unknown(), t: z.number() });

/**
 * The NOTIFY payload for an event, or null when even its shortened form does not fit. A list that
 * makes it too long is dropped and marked `truncated` (the receivers refetch, as they already do
 * for a bounded local event); a long log line is cut.
 */
export function notifyPayload(origin: string, name: EventName, payload: unknown, at = Date.now()): string | null {
  const encode = (p: unknown): string => JSON.stringify({ o: origin, e: name, p, t: at });
  let text = encode(payload);
  if (Buffer.byteLength(text) < NOTIFY_LIMIT) return text;
  const shorter = shorten(name, payload, Buffer.byteLength(text) - NOTIFY_LIMIT);
  if (shorter === null) return null;
  text = encode(shorter);
  return Buffer.byteLength(text) < NOTIFY_LIMIT ? text : null;
}

function shorten(name: EventName, payload: unknown, excess: number): unknown {
  const record = z.record(z.string(), z.unknown()).safeParse(payload);
  if (!record.success) return null;
  const p = record.data;
  switch (name) {
    case 'inventory.changed':
      return { ...p, changes: [], truncated: true };
    case 'inventory.events':
      return { ...p, events: [], truncated: true };
    case 'procedure.log': {
      const message = typeof p.message === 'string' ? p.message : '';
      return { ...p, message: `${message.slice(0, Math.max(0, message.length - excess - 64))}…` };
    }
    default:
      return null;
  }
}

export interface TeamEventsOptions {
  /** The engine-neutral handle: a NOTIFY issued inside a transaction is sent only if it commits. */
  sql: Sql;
  bus: EventBus;
  /** A dedicated connection for LISTEN (one per process), made anew after each loss. */
  connect: () => pg.PoolConfig;
  /** First and longest wait before the listener reconnects. */
  backoff?: { initialMs: number; maxMs: number };
  /** Told when the listener connection is up or lost (team status, TEAM_OFFLINE). */
  onListening?: (listening: boolean, error?: unknown) => void;
  /**
   * For an event whose payload holds this workstation's own values (settings.changed: the operator
   * name is per workstation), the payload to emit instead of the announcer's, read here; null: as announced.
   */
  localise?: (name: EventName) => Promise<unknown> | null;
}

/**
 * Carries shared-state events between Outpost processes on one PostgreSQL database. Each event this
 * process emits on its bus is announced with pg_notify through the store handle, in the emitter's
 * transaction when there is one (PostgreSQL delivers it at commit and drops it at rollback, so no
 * console hears of a write that did not happen). One listener connection per process re-emits what
 * the others announced on the local bus, which the transports already forward to the renderer; its
 * own announcements (same origin id) are skipped, since the local bus has them already.
 */
export class TeamEvents {
  readonly origin = randomUUID();
  private client: pg.Client | null = null;
  private relaying = false;
  private closed = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private delay: number;
  private readonly unsubscribe: () => void;
  private listeningNow = false;
  /** Counters for status and tests. */
  readonly stats = { sent: 0, received: 0, dropped: 0, sendErrors: 0 };
  private readonly pendingSends = new Set<Promise<unknown>>();

  constructor(private readonly o: TeamEventsOptions) {
    this.delay = o.backoff?.initialMs ?? 250;
    this.unsubscribe = o.bus.subscribe((name, payload) => this.announce(name, payload));
  }

  /** Connects the listener (resolves once LISTEN is in place, or after the first failure, then keeps retrying). */
  async start(): Promise<void> {
    await this.listen();
  }

  get listening(): boolean {
    return this.listeningNow;
  }

  /** Resolves when every NOTIFY started so far has been sent (tests, close). */
  async flush(): Promise<void> {
    await Promise.allSettled([...this.pendingSends]);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    if (this.retryTimer) clearTimeout(this.retryTimer);
    await this.flush();
    const client = this.client;
    this.client = null;
    await client?.end().catch(() => undefined);
  }

  private announce<E extends EventName>(name: E, payload: EventPayload<E>): void {
    // An event this relay is re-emitting came from another process: announcing it again would echo forever.
    if (this.relaying || this.closed || !SHARED.has(name)) return;
    const text = notifyPayload(this.origin, name, payload);
    if (text === null) {
      this.stats.dropped++;
      return;
    }
    // Runs in the emitter's async context: inside its transaction when it has one.
    const sending = this.o.sql.run('SELECT pg_notify(?, ?)', [TEAM_CHANNEL, text]).then(
      () => void this.stats.sent++,
      // The write itself failed or rolled back (then nothing is announced, as wanted) or the
      // database is gone (the store reports TEAM_OFFLINE to the caller): nothing to do here.
      () => void this.stats.sendErrors++,
    );
    this.pendingSends.add(sending);
    void sending.finally(() => this.pendingSends.delete(sending));
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    const client = clientFor(this.o.connect());
    this.client = client;
    const lost = (err?: unknown): void => {
      if (this.client !== client) return;
      this.client = null;
      this.setListening(false, err);
      void client.end().catch(() => undefined);
      this.scheduleRetry();
    };
    client.on('error', lost);
    client.on('end', () => lost());
    client.on('notification', (msg) => this.receive(msg.channel, msg.payload));
    try {
      await client.connect();
      await client.query(`LISTEN ${TEAM_CHANNEL}`);
      if (this.client !== client) return;
      this.delay = this.o.backoff?.initialMs ?? 250;
      this.setListening(true);
    } catch (err) {
      lost(err);
    }
  }

  private scheduleRetry(): void {
    if (this.closed || this.retryTimer) return;
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, this.o.backoff?.maxMs ?? 5000);
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      void this.listen();
    }, wait);
    this.retryTimer.unref();
  }

  private setListening(listening: boolean, error?: unknown): void {
    if (this.listeningNow === listening && listening) return;
    this.listeningNow = listening;
    this.o.onListening?.(listening, error);
  }

  private receive(channel: string, text: string | undefined): void {
    if (channel !== TEAM_CHANNEL || text === undefined) return;
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      return; // not ours (anyone with access may NOTIFY): ignored
    }
    const envelope = envelopeSchema.safeParse(raw);
    if (!envelope.success || envelope.data.o === this.origin) return;
    const name = envelope.data.e;
    if (!isEventName(name) || !SHARED.has(name)) return;
    // Validated like any input from outside the process: the renderer gets only contract shapes.
    const payload = eventSchemas[name].safeParse(envelope.data.p);
    if (!payload.success) return;
    this.stats.received++;
    const local = this.o.localise?.(name) ?? null;
    if (local === null) return this.relay(name, payload.data);
    // A store that cannot be read now (closing, offline): the next change or a refetch shows it.
    local.then((p) => this.relay(name, eventSchemas[name].parse(p)), () => undefined);
  }

  private relay(name: EventName, payload: unknown): void {
    if (this.closed) return;
    this.relaying = true;
    try {
      this.o.bus.emit(name, payload as EventPayload<typeof name>);
    } finally {
      this.relaying = false;
    }
  }
}
