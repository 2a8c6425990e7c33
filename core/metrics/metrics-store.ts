// Owns tables: metrics_snapshots.
import { z } from 'zod';
import type { Sql } from '../db/sql.js';
import { metricsSnapshotSchema, type MetricsSnapshot } from '../contract/metrics.js';

const row = z.object({ process: z.string(), pid: z.number(), role: z.string(), written_at: z.string(), body: z.string() });

export interface StoredMetrics {
  process: string;
  pid: number;
  role: string;
  writtenAt: string;
  snapshot: MetricsSnapshot;
}

/** The last snapshot of each long-running process, for `outpost metrics` in another process. */
export class MetricsStore {
  constructor(private readonly db: Sql) {}

  async write(process: string, pid: number, role: string, snapshot: MetricsSnapshot): Promise<void> {
    await this.db.run(
      `INSERT INTO metrics_snapshots (process, pid, role, written_at, body) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (process) DO UPDATE SET pid = excluded.pid, role = excluded.role, written_at = excluded.written_at, body = excluded.body`,
      [process, pid, role, snapshot.at, JSON.stringify(snapshot)],
    );
  }

  /** Newest first; rows older than `pruneBefore` are deleted first (processes long gone). */
  async list(pruneBefore: string): Promise<StoredMetrics[]> {
    await this.db.run('DELETE FROM metrics_snapshots WHERE written_at < ?', [pruneBefore]);
    const rows = await this.db.all('SELECT * FROM metrics_snapshots ORDER BY written_at DESC', [], row);
    return rows.map((r) => ({ process: r.process, pid: r.pid, role: r.role, writtenAt: r.written_at, snapshot: metricsSnapshotSchema.parse(JSON.parse(r.body)) }));
  }
}
