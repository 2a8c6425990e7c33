// Owns tables: preflight_lists.
import { z } from 'zod';
import type { PreflightList } from '../contract/helpers.js';
import type { Sql } from '../db/sql.js';
import type { PortTarget } from './port-preflight.js';

const listRow = z.object({ name: z.string(), targets: z.string(), timeout_ms: z.number(), updated_at: z.string() });
const targetsSchema = z.array(z.object({ host: z.string(), port: z.number() }));

/** Named HOST:PORT lists an operator runs again (e.g. "controller ports, site A"). */
export class PreflightLists {
  constructor(private readonly db: Sql) {}

  async list(): Promise<PreflightList[]> {
    const rows = await this.db.all('SELECT name, targets, timeout_ms, updated_at FROM preflight_lists ORDER BY name', [], listRow);
    return rows.map((r) => ({ name: r.name, targets: targetsSchema.parse(JSON.parse(r.targets)), timeoutMs: r.timeout_ms, updatedAt: r.updated_at }));
  }

  async save(name: string, targets: PortTarget[], timeoutMs: number): Promise<PreflightList> {
    const at = new Date().toISOString();
    // The row as stored, not looked up again by the name given: SQLite may store a name other than
    // the one passed (it turns a lone surrogate into U+FFFD), and a lookup would then find nothing.
    const r = (await this.db.get(
      `INSERT INTO preflight_lists (name, targets, timeout_ms, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET targets = excluded.targets, timeout_ms = excluded.timeout_ms, updated_at = excluded.updated_at
       RETURNING name, targets, timeout_ms, updated_at`,
      [name, JSON.stringify(targets), timeoutMs, at, at],
      listRow,
    ))!;
    return { name: r.name, targets: targetsSchema.parse(JSON.parse(r.targets)), timeoutMs: r.timeout_ms, updatedAt: r.updated_at };
  }

  async remove(name: string): Promise<boolean> {
    return (await this.db.run('DELETE FROM preflight_lists WHERE name = ?', [name])).changes > 0;
  }
}
