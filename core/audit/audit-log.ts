import { auditQuerySchema, type AuditEntry, type AuditPage, type AuditQuery } from '../contract/audit.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/event-bus.js';

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  outcome?: 'ok' | 'failed';
  /** Never put secrets here: the audit log is exported and read by people. */
  details?: unknown;
}

interface AuditRow {
  id: number;
  at: string;
  actor: string;
  action: string;
  target: string | null;
  outcome: 'ok' | 'failed';
  details: string | null;
}

const toEntry = (r: AuditRow): AuditEntry => ({
  ...r,
  details: r.details === null ? null : (JSON.parse(r.details) as unknown),
});

/** Append-only record of who did what, when, to which object (the table refuses updates). */
export class AuditLog {
  constructor(
    private readonly db: Db,
    private readonly bus?: EventBus,
  ) {}

  append(record: AuditRecord): AuditEntry {
    const row = this.db
      .prepare(
        `INSERT INTO audit_log (at, actor, action, target, outcome, details) VALUES (?, ?, ?, ?, ?, ?)
         RETURNING id, at, actor, action, target, outcome, details`,
      )
      .get(
        new Date().toISOString(),
        record.actor,
        record.action,
        record.target ?? null,
        record.outcome ?? 'ok',
        record.details === undefined ? null : JSON.stringify(record.details),
      ) as AuditRow;
    const entry = toEntry(row);
    this.bus?.emit('audit.appended', entry);
    return entry;
  }

  list(query: AuditQuery = {}): AuditPage {
    const q = auditQuerySchema.parse(query);
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
    const sql = `SELECT * FROM audit_log ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    const rows = this.db.prepare(sql).all(...params, q.limit + 1) as AuditRow[];
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit).map(toEntry);
    return { entries: page, nextBeforeId: more ? page[page.length - 1]!.id : null };
  }
}
