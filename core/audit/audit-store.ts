// Owns tables: audit_log.
import { z } from 'zod';
import type { AuditEntry } from '../contract/audit.js';
import type { Sql } from '../db/sql.js';

const auditRow = z.object({
  id: z.number(),
  at: z.string(),
  actor: z.string(),
  workstation: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['ok', 'failed']),
  details: z.string().nullable(),
});
type AuditRow = z.infer<typeof auditRow>;

const toEntry = (r: AuditRow): AuditEntry => ({
  ...r,
  details: r.details === null ? null : (JSON.parse(r.details) as unknown),
});

/** The audit_log table (append-only: the schema refuses updates and deletes). */
export class AuditStore {
  constructor(private readonly db: Sql) {}

  async insert(record: { at: string; actor: string; workstation: string; action: string; target: string | null; outcome: 'ok' | 'failed'; details: string | null }): Promise<AuditEntry> {
    const row = await this.db.get(
      `INSERT INTO audit_log (at, actor, workstation, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?, ?)
       RETURNING id, at, actor, workstation, action, target, outcome, details`,
      [record.at, record.actor, record.workstation, record.action, record.target, record.outcome, record.details],
      auditRow,
    );
    return toEntry(row!);
  }

  /** Newest first, `limit` rows before `beforeId`, matching `query` in actor, action or target. */
  async page(q: { beforeId?: number; query?: string; limit: number }): Promise<AuditEntry[]> {
    const where: string[] = [];
    const params: (string | number)[] = [];
    if (q.beforeId !== undefined) {
      where.push('id < ?');
      params.push(q.beforeId);
    }
    if (q.query) {
      const like = `%${q.query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      where.push(`(actor LIKE ? ESCAPE '\\' OR action LIKE ? ESCAPE '\\' OR coalesce(target, '') LIKE ? ESCAPE '\\')`);
      params.push(like, like, like);
    }
    const sql = `SELECT id, at, actor, workstation, action, target, outcome, details FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (await this.db.all(sql, [...params, q.limit], auditRow)).map(toEntry);
  }
}
