import { auditQuerySchema, type AuditEntry, type AuditPage, type AuditQuery } from '../contract/audit.js';
import type { Sql } from '../db/sql.js';
import { AuditStore } from './audit-store.js';
import type { EventBus } from '../events/event-bus.js';
import { hostname } from 'node:os';

export interface AuditRecord {
  actor: string;
  action: string;
  target?: string | null;
  outcome?: 'ok' | 'failed';
  /** Never put secrets here: the audit log is exported and read by people. */
  details?: unknown;
}

/** Append-only record of who did what, when, to which object (the table refuses updates). */
export class AuditLog {
  private readonly store: AuditStore;

  constructor(
    db: Sql,
    private readonly bus?: EventBus,
    /** Named on every row beside the actor (the operator): which machine it was done from. */
    private readonly workstation: string = hostname(),
  ) {
    this.store = new AuditStore(db);
  }

  async append(record: AuditRecord): Promise<AuditEntry> {
    const entry = await this.store.insert({
      at: new Date().toISOString(),
      actor: record.actor,
      workstation: this.workstation,
      action: record.action,
      target: record.target ?? null,
      outcome: record.outcome ?? 'ok',
      details: record.details === undefined ? null : JSON.stringify(record.details),
    });
    this.bus?.emit('audit.appended', entry);
    return entry;
  }

  async list(query: AuditQuery = {}): Promise<AuditPage> {
    const q = auditQuerySchema.parse(query);
    const rows = await this.store.page({ beforeId: q.beforeId, query: q.query, limit: q.limit + 1 });
    const more = rows.length > q.limit;
    const page = rows.slice(0, q.limit);
    return { entries: page, nextBeforeId: more ? page[page.length - 1]!.id : null };
  }
}
