// Owns tables: inv_events, inv_index_status.
import { z } from 'zod';
import type { EventFilter, IndexStatus, VcenterEvent } from '../contract/inventory.js';
import { atomically, inList, type Sql } from '../db/sql.js';
import type { VsphereEvent } from '../vsphere/events.js';
import type { WatchStatus } from './inventory-watcher.js';

/** An event as stored, with its local id (what the Events view and `events list --follow` page by). */
export type RecordedEvent = VcenterEvent;

/** An index status older than this has no live indexer behind it (heartbeats come every 15 s). */
export const INDEX_HEARTBEAT_MS = 15_000;
const STALE_AFTER_MS = 3 * INDEX_HEARTBEAT_MS;

const eventRow = z.object({
  id: z.number(),
  site: z.string(),
  event_key: z.number(),
  type: z.string(),
  created_at: z.string(),
  recorded_at: z.string(),
  user_name: z.string().nullable(),
  vm_moref: z.string().nullable(),
  vm_name: z.string().nullable(),
  host_moref: z.string().nullable(),
  host_name: z.string().nullable(),
  message: z.string(),
});
const toEvent = (r: z.infer<typeof eventRow>): RecordedEvent => ({
  id: r.id,
  site: r.site,
  key: r.event_key,
  type: r.type,
  createdAt: r.created_at,
  recordedAt: r.recorded_at,
  userName: r.user_name,
  vmMoref: r.vm_moref,
  vmName: r.vm_name,
  hostMoref: r.host_moref,
  hostName: r.host_name,
  message: r.message,
});
const EVENT_SELECT = `SELECT e.id, s.name AS site, e.event_key, e.type, e.created_at, e.recorded_at, e.user_name, e.vm_moref, e.vm_name, e.host_moref, e.host_name, e.message
  FROM inv_events e JOIN sites s ON s.id = e.site_id`;

const statusRow = z.object({
  site_id: z.number(),
  state: z.enum(['connecting', 'syncing', 'watching', 'backoff', 'stopped', 'failed']),
  retry_at: z.string().nullable(),
  last_change_at: z.string().nullable(),
  last_event_at: z.string().nullable(),
  lag_ms: z.number().nullable(),
  error_code: z.string().nullable(),
  error_message: z.string().nullable(),
  pid: z.number(),
  heartbeat_at: z.string(),
});

/** Escapes LIKE's wildcards so the operator's text matches literally. */
const likeText = (s: string): string => `%${s.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** vCenter events per site (unique by site and event key) and each site's index status. */
export class EventLogStore {
  constructor(private readonly db: Sql) {}

  /**
   * Stores events (ascending keys) in one transaction; an event already stored is skipped.
   * Returns the ones that are new, with their ids.
   */
  async recordEvents(siteId: number, events: readonly VsphereEvent[], recordedAt: string): Promise<RecordedEvent[]> {
    const ids = await atomically(this.db, async () => {
      const out: number[] = [];
      for (const e of events) {
        const row = await this.db.get(
          `INSERT INTO inv_events (site_id, event_key, type, vm_moref, vm_name, host_moref, host_name, user_name, created_at, recorded_at, message)
           VALUES (@site_id, @event_key, @type, @vm_moref, @vm_name, @host_moref, @host_name, @user_name, @created_at, @recorded_at, @message)
           ON CONFLICT (site_id, event_key) DO NOTHING RETURNING id`,
          {
            site_id: siteId,
            event_key: e.key,
            type: e.type,
            vm_moref: e.vm?.value ?? null,
            vm_name: e.vmName,
            host_moref: e.host?.value ?? null,
            host_name: e.hostName,
            user_name: e.userName,
            created_at: e.createdTime,
            recorded_at: recordedAt,
            message: e.message,
          },
          z.object({ id: z.number() }),
        );
        if (row) out.push(row.id);
      }
      return out;
    });
    if (ids.length === 0) return [];
    return (await this.db.all(`${EVENT_SELECT} WHERE e.id IN ${inList(ids)} ORDER BY e.id`, ids, eventRow)).map(toEvent);
  }

  /** The newest stored event of a site (by vCenter key): where the next catch-up resumes. */
  async lastEvent(siteId: number): Promise<{ key: number; createdAt: string } | null> {
    const row = await this.db.get('SELECT event_key, created_at FROM inv_events WHERE site_id = ? ORDER BY event_key DESC LIMIT 1', [siteId], z.object({ event_key: z.number(), created_at: z.string() }));
    return row ? { key: row.event_key, createdAt: row.created_at } : null;
  }

  /**
   * Events matching the filter. Without afterId: newest first (by vCenter time, then id), `limit`
   * of them, after the `before` cursor. With afterId: those recorded after it, oldest first (a tail).
   */
  async list(q: EventFilter & { limit: number; before?: { createdAt: string; id: number } | undefined; afterId?: number | undefined }): Promise<RecordedEvent[]> {
    const parts: string[] = ['s.removed_at IS NULL'];
    const params: Record<string, string | number> = { limit: q.limit };
    if (q.site) {
      parts.push('s.name = @site');
      params['site'] = q.site;
    }
    if (q.type) {
      if (q.type.endsWith('*')) {
        parts.push("e.type LIKE @type ESCAPE '\\'");
        params['type'] = `${q.type.slice(0, -1).replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      } else {
        parts.push('e.type = @type');
        params['type'] = q.type;
      }
    }
    if (q.user) {
      parts.push('e.user_name = @user');
      params['user'] = q.user;
    }
    if (q.vm) {
      parts.push("(e.vm_moref = @vm OR e.vm_name LIKE @vmLike ESCAPE '\\')");
      params['vm'] = q.vm;
      params['vmLike'] = likeText(q.vm);
    }
    if (q.host) {
      parts.push("(e.host_moref = @host OR e.host_name LIKE @hostLike ESCAPE '\\')");
      params['host'] = q.host;
      params['hostLike'] = likeText(q.host);
    }
    // vCenter times are ISO UTC with varying fractions; comparing as instants (julianday on SQLite,
    // timestamptz on PostgreSQL) is exact across forms.
    const instant = (e: string): string => (this.db.engine === 'postgres' ? `CAST(${e} AS timestamptz)` : `julianday(${e})`);
    if (q.since) {
      parts.push(`${instant('e.created_at')} >= ${instant('@since')}`);
      params['since'] = q.since;
    }
    if (q.until) {
      parts.push(`${instant('e.created_at')} <= ${instant('@until')}`);
      params['until'] = q.until;
    }
    if (q.afterId !== undefined) {
      parts.push('e.id > @afterId');
      params['afterId'] = q.afterId;
      return (await this.db.all(`${EVENT_SELECT} WHERE ${parts.join(' AND ')} ORDER BY e.id LIMIT @limit`, params, eventRow)).map(toEvent);
    }
    if (q.before) {
      parts.push('(e.created_at < @bc OR (e.created_at = @bc AND e.id < @bid))');
      params['bc'] = q.before.createdAt;
      params['bid'] = q.before.id;
    }
    return (await this.db.all(`${EVENT_SELECT} WHERE ${parts.join(' AND ')} ORDER BY e.created_at DESC, e.id DESC LIMIT @limit`, params, eventRow)).map(toEvent);
  }

  /** The highest event id stored (a tail starts after it). */
  async lastId(): Promise<number> {
    return (await this.db.get('SELECT coalesce(max(id), 0) AS id FROM inv_events', [], z.object({ id: z.number() })))!.id;
  }

  /** Writes a site's index status (also the heartbeat). */
  async writeStatus(siteId: number, s: WatchStatus, pid: number, now: string): Promise<void> {
    await this.db.run(
      `INSERT INTO inv_index_status (site_id, state, retry_at, last_change_at, last_event_at, lag_ms, error_code, error_message, pid, heartbeat_at)
       VALUES (@site_id, @state, @retry_at, @last_change_at, @last_event_at, @lag_ms, @error_code, @error_message, @pid, @now)
       ON CONFLICT (site_id) DO UPDATE SET state = excluded.state, retry_at = excluded.retry_at, last_change_at = excluded.last_change_at,
         last_event_at = excluded.last_event_at, lag_ms = excluded.lag_ms, error_code = excluded.error_code, error_message = excluded.error_message,
         pid = excluded.pid, heartbeat_at = excluded.heartbeat_at`,
      {
        site_id: siteId,
        state: s.state,
        retry_at: s.retryAt,
        last_change_at: s.lastChangeAt,
        last_event_at: s.lastEventAt,
        lag_ms: s.lagMs === null ? null : Math.round(s.lagMs),
        error_code: s.lastError?.code ?? null,
        error_message: s.lastError?.message ?? null,
        pid,
        now,
      },
    );
  }

  /** Every site's index status by site id. */
  async statuses(now = Date.now()): Promise<Map<number, IndexStatus>> {
    const rows = await this.db.all('SELECT * FROM inv_index_status', [], statusRow);
    return new Map(
      rows.map((r) => [
        r.site_id,
        {
          state: r.state,
          retryAt: r.retry_at,
          lastChangeAt: r.last_change_at,
          lastEventAt: r.last_event_at,
          lagMs: r.lag_ms,
          lastError: r.error_code ? { code: r.error_code, message: r.error_message ?? '' } : null,
          pid: r.pid,
          heartbeatAt: r.heartbeat_at,
          stale: r.state !== 'stopped' && now - Date.parse(r.heartbeat_at) > STALE_AFTER_MS,
        },
      ]),
    );
  }
}
