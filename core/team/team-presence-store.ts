import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import { INDEX_LOCK_CLASS } from './site-index-locks.js';

/** Outpost's connections name themselves outpost/ROLE/OPERATOR@WORKSTATION/PROCESS (application_name). */
export const PRESENCE_PREFIX = 'outpost/';

const sessionRow = z.object({ application_name: z.string(), since: z.string().nullable() });
const lockRow = z.object({ site_id: z.number(), application_name: z.string() });

export interface PresenceSession {
  role: string;
  who: string;
  process: string;
  since: string | null;
}

export function parsePresence(applicationName: string): Omit<PresenceSession, 'since'> | null {
  if (!applicationName.startsWith(PRESENCE_PREFIX)) return null;
  const [role, who, process] = applicationName.slice(PRESENCE_PREFIX.length).split('/');
  return role && who ? { role, who, process: process ?? '' } : null;
}

/**
 * Who is on the team database, read from PostgreSQL's own views (no table of ours: a process
 * that dies leaves no row behind, its session simply ends): every Outpost connection, and which
 * one holds each site's index lock.
 */
export class TeamPresenceStore {
  constructor(private readonly db: Sql) {}

  async sessions(): Promise<PresenceSession[]> {
    const rows = await this.db.all(
      `SELECT application_name, to_char(backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') AS since
         FROM pg_stat_activity WHERE datname = current_database() AND application_name LIKE 'outpost/%' ORDER BY backend_start`,
      [],
      sessionRow,
    );
    return rows.flatMap((r) => {
      const p = parsePresence(r.application_name);
      return p ? [{ ...p, since: r.since }] : [];
    });
  }

  /** Site id -> the application_name of the session holding its index lock. */
  async indexHolders(): Promise<Map<number, string>> {
    const rows = await this.db.all(
      `SELECT l.objid::bigint AS site_id, a.application_name
         FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
        WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ? AND l.objsubid = 2`,
      [INDEX_LOCK_CLASS],
      lockRow,
    );
    return new Map(rows.map((r) => [r.site_id, r.application_name]));
  }
}
