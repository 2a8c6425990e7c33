// Owns tables: terminal_recordings.
import { z } from 'zod';
import type { Sql } from '../../db/sql.js';
import type { RecordingInfo } from '../../contract/recordings.js';

const row = z.object({
  id: z.number(),
  file: z.string(),
  actor: z.string(),
  target: z.string(),
  kind: z.enum(['ssh', 'winrm']),
  started_at: z.string(),
  ended_at: z.string().nullable(),
  duration_ms: z.number().nullable(),
  bytes: z.number(),
  error_code: z.string().nullable(),
});
type Row = z.infer<typeof row>;

const COLUMNS = 'id, file, actor, target, kind, started_at, ended_at, duration_ms, bytes, error_code';

const toInfo = (r: Row): RecordingInfo => ({
  id: r.id,
  file: r.file,
  actor: r.actor,
  target: r.target,
  kind: r.kind,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  durationMs: r.duration_ms,
  bytes: r.bytes,
  errorCode: r.error_code,
});

/** The index of recorded sessions: one row per recording file. */
export class RecordingStore {
  constructor(private readonly db: Sql) {}

  async add(r: { file: string; actor: string; target: string; kind: 'ssh' | 'winrm'; startedAt: string }): Promise<RecordingInfo> {
    const created = await this.db.get(`INSERT INTO terminal_recordings (file, actor, target, kind, started_at) VALUES (?, ?, ?, ?, ?) RETURNING ${COLUMNS}`, [r.file, r.actor, r.target, r.kind, r.startedAt], row);
    return toInfo(created!);
  }

  async finish(id: number, f: { endedAt: string; durationMs: number; bytes: number; errorCode: string | null }): Promise<void> {
    await this.db.run('UPDATE terminal_recordings SET ended_at = ?, duration_ms = ?, bytes = ?, error_code = ? WHERE id = ?', [f.endedAt, f.durationMs, f.bytes, f.errorCode, id]);
  }

  async get(id: number): Promise<RecordingInfo | null> {
    const r = await this.db.get(`SELECT ${COLUMNS} FROM terminal_recordings WHERE id = ?`, [id], row);
    return r ? toInfo(r) : null;
  }

  /** Newest first; `query` matches the target or the actor. */
  async list(f: { query?: string | undefined; limit: number }): Promise<RecordingInfo[]> {
    const like = f.query ? `%${f.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null;
    const rows = like
      ? await this.db.all(`SELECT ${COLUMNS} FROM terminal_recordings WHERE target LIKE ? ESCAPE '\\' OR actor LIKE ? ESCAPE '\\' ORDER BY started_at DESC, id DESC LIMIT ?`, [like, like, f.limit], row)
      : await this.db.all(`SELECT ${COLUMNS} FROM terminal_recordings ORDER BY started_at DESC, id DESC LIMIT ?`, [f.limit], row);
    return rows.map(toInfo);
  }

  /** Every finished recording, oldest first (retention walks this). */
  async finishedOldestFirst(): Promise<RecordingInfo[]> {
    return (await this.db.all(`SELECT ${COLUMNS} FROM terminal_recordings WHERE ended_at IS NOT NULL ORDER BY started_at, id`, [], row)).map(toInfo);
  }

  async totalBytes(): Promise<number> {
    return (await this.db.get('SELECT COALESCE(SUM(bytes), 0) AS n FROM terminal_recordings', [], z.object({ n: z.coerce.number() })))!.n;
  }

  async remove(id: number): Promise<void> {
    await this.db.run('DELETE FROM terminal_recordings WHERE id = ?', [id]);
  }
}
