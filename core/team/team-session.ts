import type { EventName } from '../contract/events.js';
import type pg from 'pg';
import type { TeamState } from '../contract/team.js';
import type { EventBus } from '../events/event-bus.js';
import type { OfflineGuard } from '../db/offline-guard.js';
import { SiteIndexLocks, type SiteRef } from './site-index-locks.js';
import { presenceName } from './team-connection.js';
import { TeamEvents } from './team-events.js';
import { TeamPresenceStore, type PresenceSession } from './team-presence-store.js';

export interface TeamSessionOptions {
  /** The team database's URL without password, as shown. */
  target: string;
  /** Connection settings for one of this process's dedicated connections, named (application_name) for `team status`. */
  clientConfig: (applicationName: string) => pg.PoolConfig;
  guard: OfflineGuard;
  bus: EventBus;
  /** The team state changed (connected, lost, someone joined or left): the status bar refetches. */
  onChange: () => void;
  /** How often presence is read and a lost database is probed. */
  presenceMs?: number;
  /** See TeamEventsOptions.localise. */
  localise?: (name: EventName) => Promise<unknown> | null;
}

/**
 * This process's membership of a team database: the event relay (LISTEN/NOTIFY), whether the
 * database is reachable (TEAM_OFFLINE is decided here: the listener's connection is the first to
 * notice), who else is connected, and, when this process indexes, the per-site index locks.
 */
export class TeamSession {
  readonly events: TeamEvents;
  private readonly presence: TeamPresenceStore;
  private locks: SiteIndexLocks | null = null;
  private lastError: string | null = null;
  private others: string[] = [];
  private sessions: PresenceSession[] = [];
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly o: TeamSessionOptions) {
    this.presence = new TeamPresenceStore(o.guard);
    this.events = new TeamEvents({
      sql: o.guard,
      bus: o.bus,
      connect: () => o.clientConfig(this.applicationName('events')),
      ...(o.localise ? { localise: o.localise } : {}),
      backoff: { initialMs: 200, maxMs: 2000 },
      onListening: (listening, error) => {
        if (listening) {
          this.lastError = null;
          o.guard.setOffline(false);
        } else {
          this.lastError = error instanceof Error ? error.message : 'connection to the team database lost';
          o.guard.setOffline(true);
        }
        void this.refreshPresence().finally(() => o.onChange());
      },
    });
  }

  async start(): Promise<void> {
    await this.events.start();
    await this.refreshPresence();
    this.timer = setInterval(() => void this.tick(), this.o.presenceMs ?? 5000);
    this.timer.unref();
  }

  /** Index the sites whose lock this process gets (the desktop app, the host, serve). */
  async startIndexing(handlers: { sites: () => Promise<SiteRef[]>; onAcquired: (s: SiteRef) => Promise<void>; onReleased: (s: SiteRef) => Promise<void>; pollMs?: number }): Promise<void> {
    this.locks = new SiteIndexLocks({ connect: () => this.o.clientConfig(this.applicationName('indexer')), ...handlers });
    await this.locks.start();
  }

  /** This process's token in application_name: tells its own sessions from the others'. */
  get processToken(): string {
    return this.events.origin.slice(0, 8);
  }

  private applicationName(role: string): string {
    return `${presenceName(role)}/${this.processToken}`;
  }

  /** The sites this process indexes now. */
  indexedSites(): SiteRef[] {
    return this.locks?.heldSites() ?? [];
  }

  state(): TeamState {
    const connected = this.events.listening && !this.o.guard.isOffline;
    return {
      engine: 'postgres',
      database: this.o.target,
      connected,
      error: connected ? null : (this.lastError ?? 'connecting to the team database'),
      others: connected ? this.others : [],
    };
  }

  memberSessions(): PresenceSession[] {
    return this.sessions;
  }

  async indexHolders(): Promise<Map<number, string>> {
    return await this.presence.indexHolders();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.locks?.close();
    await this.events.close();
  }

  private async tick(): Promise<void> {
    if (this.closed) return;
    const before = JSON.stringify(this.state());
    // A statement found the database gone while the listener still waits for its socket to time out: ask again.
    if (this.o.guard.isOffline && this.events.listening && (await this.o.guard.probe())) this.lastError = null;
    await this.refreshPresence();
    if (JSON.stringify(this.state()) !== before) this.o.onChange();
  }

  private async refreshPresence(): Promise<void> {
    if (this.o.guard.isOffline) return;
    try {
      this.sessions = await this.presence.sessions();
      this.others = [...new Set(this.sessions.filter((s) => s.process !== this.processToken).map((s) => s.who))].sort();
    } catch {
      // Offline: the state already says so.
    }
  }
}
