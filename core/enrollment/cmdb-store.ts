// Owns tables: cmdb_records.
import { credentialMethodSchema, type CmdbRecord, type CredentialMethod } from '../contract/enrollment.js';
import { z } from 'zod';
import type { Sql, SqlValue } from '../db/sql.js';

const cmdbRow = z.object({
  id: z.number(),
  site: z.string(),
  vm_moref: z.string(),
  instance_uuid: z.string().nullable(),
  vm_name: z.string(),
  os: z.string().nullable(),
  os_rule: z.string().nullable(),
  private_ip: z.string(),
  public_ip: z.string().nullable(),
  nat_record_id: z.number().nullable(),
  firewall: z.string(),
  credential: z.string(),
  service_account: z.string(),
  credential_method: credentialMethodSchema.nullable(),
  enrolled_at: z.string(),
  enrolled_by: z.string(),
  offboarded_at: z.string().nullable(),
  offboarded_by: z.string().nullable(),
  enroll_procedure_id: z.string().nullable(),
  offboard_procedure_id: z.string().nullable(),
});
type CmdbRow = z.infer<typeof cmdbRow>;

const toRecord = (r: CmdbRow): CmdbRecord => ({
  id: r.id,
  site: r.site,
  vmMoref: r.vm_moref,
  instanceUuid: r.instance_uuid,
  vmName: r.vm_name,
  os: r.os,
  osRule: r.os_rule,
  privateIp: r.private_ip,
  publicIp: r.public_ip,
  natRecordId: r.nat_record_id,
  firewall: r.firewall,
  credential: r.credential,
  serviceAccount: r.service_account,
  credentialMethod: r.credential_method,
  enrolledAt: r.enrolled_at,
  enrolledBy: r.enrolled_by,
  offboardedAt: r.offboarded_at,
  offboardedBy: r.offboarded_by,
  enrollProcedureId: r.enroll_procedure_id,
  offboardProcedureId: r.offboard_procedure_id,
  status: r.offboarded_at === null ? 'active' : 'offboarded',
});

const SELECT = 'SELECT c.*, s.name AS site FROM cmdb_records c JOIN sites s ON s.id = c.site_id';

export interface CmdbEntry {
  siteId: number;
  vmMoref: string;
  instanceUuid: string | null;
  vmName: string;
  os: string | null;
  osRule: string | null;
  privateIp: string;
  publicIp: string | null;
  natRecordId: number | null;
  firewall: string;
  credential: string;
  serviceAccount: string;
  credentialMethod: CredentialMethod | null;
  procedureId: string;
}

export interface CmdbFilter {
  site?: string | undefined;
  query?: string | undefined;
  firewall?: string | undefined;
  status: 'active' | 'offboarded' | 'all';
  limit: number;
}

/** The CMDB rows: one per enrollment; at most one active per VM (enforced by a partial unique index). */
export class CmdbStore {
  constructor(private readonly db: Sql) {}

  async active(siteId: number, vmMoref: string): Promise<CmdbRecord | null> {
    const row = await this.db.get(`${SELECT} WHERE c.site_id = ? AND c.vm_moref = ? AND c.offboarded_at IS NULL`, [siteId, vmMoref], cmdbRow);
    return row ? toRecord(row) : null;
  }

  /** The active record of a site's VM by its name, moref or instance UUID (the VM may have left the inventory). */
  async activeByRef(siteId: number, ref: string): Promise<CmdbRecord | null> {
    const row = await this.db.get(`${SELECT} WHERE c.site_id = ? AND c.offboarded_at IS NULL AND (c.vm_name = ? OR c.vm_moref = ? OR c.instance_uuid = ?)`, [siteId, ref, ref, ref], cmdbRow);
    return row ? toRecord(row) : null;
  }

  /** How many VMs of the site are enrolled now (a site with enrolled VMs is not removed). */
  async activeCount(siteId: number): Promise<number> {
    return (await this.db.get('SELECT count(*) AS n FROM cmdb_records WHERE site_id = ? AND offboarded_at IS NULL', [siteId], z.object({ n: z.number() })))!.n;
  }

  async byId(id: number): Promise<CmdbRecord | null> {
    const row = await this.db.get(`${SELECT} WHERE c.id = ?`, [id], cmdbRow);
    return row ? toRecord(row) : null;
  }

  /** Ensures the active row of this enrollment: the same procedure's row is returned again (a resumed step). */
  async ensure(e: CmdbEntry, actor: string): Promise<{ record: CmdbRecord; created: boolean }> {
    return await this.db.transaction(
      async (tx) => {
        const existing = await this.active(e.siteId, e.vmMoref);
        if (existing) return { record: existing, created: false };
        const info = await tx.run(
          `INSERT INTO cmdb_records (site_id, vm_moref, instance_uuid, vm_name, os, os_rule, private_ip, public_ip, nat_record_id, firewall, credential,
             service_account, credential_method, enrolled_at, enrolled_by, enroll_procedure_id)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          [e.siteId, e.vmMoref, e.instanceUuid, e.vmName, e.os, e.osRule, e.privateIp, e.publicIp, e.natRecordId, e.firewall, e.credential, e.serviceAccount, e.credentialMethod, new Date().toISOString(), actor, e.procedureId],
        );
        return { record: (await this.byId(info.lastId))!, created: true };
      },
      { immediate: true },
    );
  }

  /** Closes an active row (offboarded); idempotent. */
  async close(id: number, actor: string, procedureId: string): Promise<CmdbRecord> {
    await this.db.run('UPDATE cmdb_records SET offboarded_at = ?, offboarded_by = ?, offboard_procedure_id = ? WHERE id = ? AND offboarded_at IS NULL', [new Date().toISOString(), actor, procedureId, id]);
    return (await this.byId(id))!;
  }

  /** Deletes the row an enrollment created (its undo: an enrollment that rolled back leaves no CMDB trace but the audit log). */
  async deleteCreatedBy(procedureId: string): Promise<number> {
    return (await this.db.run('DELETE FROM cmdb_records WHERE enroll_procedure_id = ? AND offboarded_at IS NULL', [procedureId])).changes;
  }

  async list(f: CmdbFilter): Promise<CmdbRecord[]> {
    const where: string[] = [];
    const params: Record<string, SqlValue> = { limit: f.limit };
    if (f.site) {
      where.push('s.name = @site');
      params.site = f.site;
    }
    if (f.firewall) {
      where.push('c.firewall = @firewall');
      params.firewall = f.firewall;
    }
    if (f.status === 'active') where.push('c.offboarded_at IS NULL');
    if (f.status === 'offboarded') where.push('c.offboarded_at IS NOT NULL');
    if (f.query) {
      // LIKE ignores ASCII case on both engines (PostgreSQL's runs as ILIKE); wildcards in the text are escaped.
      where.push(`(c.vm_name LIKE @q ESCAPE '\\' OR coalesce(c.os, '') LIKE @q ESCAPE '\\' OR c.private_ip LIKE @q ESCAPE '\\' OR coalesce(c.public_ip, '') LIKE @q ESCAPE '\\')`);
      params.q = `%${f.query.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
    }
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY c.enrolled_at DESC, c.id DESC LIMIT @limit`;
    return (await this.db.all(sql, params, cmdbRow)).map(toRecord);
  }
}

const CSV_COLUMNS: [string, (r: CmdbRecord) => string | number | null][] = [
  ['site', (r) => r.site],
  ['vm_name', (r) => r.vmName],
  ['vm_moref', (r) => r.vmMoref],
  ['instance_uuid', (r) => r.instanceUuid],
  ['os', (r) => r.os],
  ['os_rule', (r) => r.osRule],
  ['private_ip', (r) => r.privateIp],
  ['public_ip', (r) => r.publicIp],
  ['nat_record_id', (r) => r.natRecordId],
  ['firewall', (r) => r.firewall],
  ['credential', (r) => r.credential],
  ['service_account', (r) => r.serviceAccount],
  ['credential_method', (r) => r.credentialMethod],
  ['status', (r) => r.status],
  ['enrolled_at', (r) => r.enrolledAt],
  ['enrolled_by', (r) => r.enrolledBy],
  ['offboarded_at', (r) => r.offboardedAt],
  ['offboarded_by', (r) => r.offboardedBy],
  ['enroll_procedure_id', (r) => r.enrollProcedureId],
  ['offboard_procedure_id', (r) => r.offboardProcedureId],
];

/**
 * RFC 4180: fields with a comma, quote or line break are quoted, quotes doubled; CRLF line ends.
 * A field starting with = + - @ TAB or CR is prefixed with ' so spreadsheets do not run it as a
 * formula (OWASP CSV injection: Excel and LibreOffice skip a leading TAB/CR and read what follows).
 */
export function cmdbCsv(records: readonly CmdbRecord[]): string {
  const field = (v: string | number | null): string => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const lines = [CSV_COLUMNS.map(([h]) => h).join(',')];
  for (const r of records) lines.push(CSV_COLUMNS.map(([, get]) => field(get(r))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}
