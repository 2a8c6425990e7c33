import type pg from 'pg';
import { clientFor } from './team-connection.js';
import { z } from 'zod';

/**
 * The first key of every site's advisory lock ("OPST"): Outpost's locks never meet another
 * application's on a shared server. The second key is the site's id.
 */
export const INDEX_LOCK_CLASS = 0x4f505354 | 0;

export interface SiteRef {
  id: number;
  name: string;
}

export interface SiteIndexLocksOptions {
  /** A dedicated connection: session-level advisory locks live exactly as long as it does. */
  connect: () => pg.PoolConfig;
  /** The sites that should be indexed now (live ones). */
  sites: () => Promise<SiteRef[]>;
  /** This process now holds the site's lock: start indexing it (resuming from the store). */
  onAcquired: (site: SiteRef) => Promise<void> | void;
  /** The lock is gone (connection lost, site removed, close): stop indexing it at once. */
  onReleased: (site: SiteRef) => Promise<void> | void;
  /** How often free sites are tried (a dead holder's sites are taken within this). */
  pollMs?: number;
}

const lockRow = z.object({ locked: z.boolean() });

/**
 * One indexer per site across every process on a team database: each site's live index runs only
 * in the process holding the session-level advisory lock (INDEX_LOCK_CLASS, site id) on its own
 * connection. When that process dies, PostgreSQL ends its session and frees the lock; another
 * process's next poll takes it. If this process loses its connection, it stops every index it
 * ran before reconnecting, so two processes never index one site (the other may take it over).
 */
export class SiteIndexLocks {
  private client: pg.Client | null = null;
  private readonly held = new Map<number, SiteRef>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private polling: Promise<void> | null = null;

  constructor(private readonly o: SiteIndexLocksOptions) {}

  /** Takes what is free now, then keeps polling. */
  async start(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll(), this.o.pollMs ?? 5000);
    this.timer.unref();
  }

  /** The sites this process indexes. */
  heldSites(): SiteRef[] {
    return [...this.held.values()];
  }

  /** One round now (tests, a site just added). */
  async poll(): Promise<void> {
    if (this.polling) return await this.polling;
    this.polling = this.round().finally(() => (this.polling = null));
    return await this.polling;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.polling?.catch(() => undefined);
    await this.releaseAll();
    const client = this.client;
    this.client = null;
    // Ending the session frees every advisory lock it holds.
    await client?.end().catch(() => undefined);
  }

  private async round(): Promise<void> {
    if (this.closed) return;
    try {
      const client = await this.connection();
      const wanted = await this.o.sites();
      const ids = new Set(wanted.map((s) => s.id));
      for (const [id, site] of this.held) {
        if (ids.has(id)) continue;
        await client.query('SELECT pg_advisory_unlock($1, $2)', [INDEX_LOCK_CLASS, id]);
        this.held.delete(id);
        await this.o.onReleased(site);
      }
      for (const site of wanted) {
        if (this.held.has(site.id) || this.closed) continue;
        const res = await client.query('SELECT pg_try_advisory_lock($1, $2) AS locked', [INDEX_LOCK_CLASS, site.id]);
        if (lockRow.parse(res.rows[0]).locked) {
          this.held.set(site.id, site);
          await this.o.onAcquired(site);
        }
      }
    } catch {
      // The database is unreachable or the session broke: whatever we held may be someone else's now.
      await this.dropConnection();
    }
  }

  private async connection(): Promise<pg.Client> {
    if (this.client) return this.client;
    const client = clientFor(this.o.connect());
    client.on('error', () => void this.dropConnection(client));
    client.on('end', () => void this.dropConnection(client));
    this.client = client;
    await client.connect();
    return client;
  }

  private async dropConnection(which: pg.Client | null = this.client): Promise<void> {
    if (which === null || this.client !== which) return;
    this.client = null;
    await this.releaseAll();
    await which.end().catch(() => undefined);
  }

  private async releaseAll(): Promise<void> {
    const sites = [...this.held.values()];
    this.held.clear();
    for (const site of sites) await Promise.resolve(this.o.onReleased(site)).catch(() => undefined);
  }
}
