import type { PreflightList } from '../contract/helpers.js';
import type { Db } from '../db/database.js';
import type { PortTarget } from './port-preflight.js';

/** Named HOST:PORT lists an operator runs again (e.g. "controller ports, site A"). */
export class PreflightLists {
  constructor(private readonly db: Db) {}

  list(): PreflightList[] {
    const rows = this.db.prepare('SELECT name, targets, timeout_ms, updated_at FROM preflight_lists ORDER BY name').all() as {
      name: string;
      targets: string;
      timeout_ms: number;
      updated_at: string;
    }[];
    return rows.map((r) => ({ name: r.name, targets: JSON.parse(r.targets) as PortTarget[], timeoutMs: r.timeout_ms, updatedAt: r.updated_at }));
  }

  save(name: string, targets: PortTarget[], timeoutMs: number): PreflightList {
    const at = new Date().toISOString();
    this.db
      .prepare(
        `INSERT INTO preflight_lists (name, targets, timeout_ms, created_at, updated_at) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT(name) DO UPDATE SET targets = excluded.targets, timeout_ms = excluded.timeout_ms, updated_at = excluded.updated_at`,
      )
      .run(name, JSON.stringify(targets), timeoutMs, at, at);
    return this.list().find((l) => l.name === name)!;
  }

  remove(name: string): boolean {
    return this.db.prepare('DELETE FROM preflight_lists WHERE name = ?').run(name).changes > 0;
  }
}
