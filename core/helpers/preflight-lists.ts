import { z } from 'zod';
import type { PreflightList } from '../contract/helpers.js';
import type { Db } from '../db/database.js';
import type { PortTarget } from './port-preflight.js';

const rowSchema = z.object({
  name: z.string(),
  targets: z.string().transform((text) => z.array(z.object({ host: z.string(), port: z.number() })).parse(JSON.parse(text))),
  timeout_ms: z.number(),
  updated_at: z.string(),
});

function decodeRow(raw: unknown): PreflightList {
  const r = rowSchema.parse(raw);
  return { name: r.name, targets: r.targets, timeoutMs: r.timeout_ms, updatedAt: r.updated_at };
}

/** Named HOST:PORT lists an operator runs again (e.g. "controller ports, site A"). */
export class PreflightLists {
  constructor(private readonly db: Db) {}

  list(): PreflightList[] {
    return this.db.prepare('SELECT name, targets, timeout_ms, updated_at FROM preflight_lists ORDER BY name').all().map(decodeRow);
  }

  save(name: string, targets: PortTarget[], timeoutMs: number): PreflightList {
    const at = new Date().toISOString();
    // The row as stored, not looked up again by the name given: SQLite may store a name other than
    // the one passed (it turns a lone surrogate into U+FFFD), and a lookup would then find nothing.
    const row: unknown = this.db
      .prepare(
        `INSERT INTO preflight_lists (name, targets, timeout_ms, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET targets = excluded.targets, timeout_ms = excluded.timeout_ms, updated_at = excluded.updated_at
         RETURNING name, targets, timeout_ms, updated_at`,
      )
      .get(name, JSON.stringify(targets), timeoutMs, at, at);
    return decodeRow(row);
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM preflight_lists WHERE name = ?').run(name).changes > 0;
  }
}
