import type { AuditLog } from '../audit/audit-log.js';
import { OutpostError } from '../contract/errors.js';
import {
  firewallConnectionSchema,
  firewallInputSchema,
  firewallSettingsSchema,
  type FirewallInput,
  type FirewallView,
  type NatList,
  type NatRecordView,
} from '../contract/nat.js';
import type { Db } from '../db/database.js';
import { parseAddress } from '../ipam/ip-address.js';
import { matches, type FirewallDriver } from './firewall-driver.js';
import { driverFor } from './firewall-drivers.js';

interface FirewallRow {
  id: number;
  name: string;
  driver: FirewallView['driver'];
  settings: string;
  connection: string;
  created_at: string;
  created_by: string;
}

interface RecordRow {
  id: number;
  firewall: string;
  public_ip: string;
  private_ip: string;
  vm: string | null;
  state: NatRecordView['state'];
  procedure_id: string | null;
  created_at: string;
  created_by: string;
  removed_at: string | null;
}

const toFirewall = (r: FirewallRow): FirewallView => ({
  id: r.id,
  name: r.name,
  driver: r.driver,
  settings: firewallSettingsSchema.parse(JSON.parse(r.settings)),
  connection: firewallConnectionSchema.parse(JSON.parse(r.connection)),
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const toRecord = (r: RecordRow): NatRecordView => ({
  id: r.id,
  firewall: r.firewall,
  publicIp: r.public_ip,
  privateIp: r.private_ip,
  vm: r.vm,
  state: r.state,
  procedureId: r.procedure_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
  removedAt: r.removed_at,
  drift: 'not-checked',
});

const RECORD_SELECT = `SELECT n.id, f.name AS firewall, n.public_ip, n.private_ip, n.vm, n.state, n.procedure_id, n.created_at, n.created_by, n.removed_at
  FROM nat_records n JOIN firewalls f ON f.id = n.firewall_id`;

/** Firewalls and NAT records; the drivers do the talking to firewalls. */
export class NatService {
  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly driverOf: (fw: FirewallView) => FirewallDriver = driverFor,
  ) {}

  addFirewall(input: FirewallInput, actor: string): FirewallView {
    const fw = firewallInputSchema.parse(input);
    if (fw.driver !== 'manual' && fw.connection.type === 'none') {
      throw new OutpostError('VALIDATION', `The ${fw.driver} driver needs a connection to the firewall.`);
    }
    try {
      this.db
        .prepare('INSERT INTO firewalls (name, driver, settings, connection, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)')
        .run(fw.name, fw.driver, JSON.stringify(fw.settings), JSON.stringify(fw.connection), new Date().toISOString(), actor);
    } catch (err) {
      if ((err as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new OutpostError('CONFLICT', `A firewall named ${fw.name} already exists.`);
      throw err;
    }
    this.audit.append({ actor, action: 'firewall.add', target: fw.name, details: { driver: fw.driver, connection: fw.connection } });
    return this.firewall(fw.name);
  }

  firewall(name: string): FirewallView {
    const row = this.db.prepare('SELECT * FROM firewalls WHERE name = ?').get(name) as FirewallRow | undefined;
    if (!row) throw new OutpostError('NOT_FOUND', `No firewall named ${name}.`);
    return toFirewall(row);
  }

  firewalls(): FirewallView[] {
    return (this.db.prepare('SELECT * FROM firewalls ORDER BY name').all() as FirewallRow[]).map(toFirewall);
  }

  driver(firewall: string): FirewallDriver {
    return this.driverOf(this.firewall(firewall));
  }

  record(id: number): NatRecordView {
    const row = this.db.prepare(`${RECORD_SELECT} WHERE n.id = ?`).get(id) as RecordRow | undefined;
    if (!row) throw new OutpostError('NOT_FOUND', `No NAT record ${id}.`);
    return toRecord(row);
  }

  liveByPublic(publicIp: string): NatRecordView | null {
    const ip = parseAddress(publicIp).text;
    const row = this.db.prepare(`${RECORD_SELECT} WHERE n.public_ip = ? AND n.state != 'removed'`).get(ip) as RecordRow | undefined;
    return row ? toRecord(row) : null;
  }

  /**
   * Ensures a pending-or-live record for exactly this mapping: the same mapping returns the existing
   * record (a resumed procedure), a different one on either side is NAT_CONFLICT.
   */
  ensureRecord(input: { firewall: string; publicIp: string; privateIp: string; vm?: string | null; procedureId?: string | null }, actor: string): NatRecordView {
    const fw = this.firewall(input.firewall);
    const publicIp = parseAddress(input.publicIp).text;
    const privateIp = parseAddress(input.privateIp).text;
    return this.db.transaction(() => {
      const byPublic = this.liveByPublic(publicIp);
      if (byPublic) {
        if (byPublic.firewall === fw.name && byPublic.privateIp === privateIp) return byPublic;
        throw new OutpostError('NAT_CONFLICT', `${publicIp} is already NATed to ${byPublic.privateIp} on ${byPublic.firewall} (record ${byPublic.id}).`, { recordId: byPublic.id });
      }
      const byPrivate = this.db.prepare(`${RECORD_SELECT} WHERE n.firewall_id = ? AND n.private_ip = ? AND n.state != 'removed'`).get(fw.id, privateIp) as RecordRow | undefined;
      if (byPrivate) {
        throw new OutpostError('NAT_CONFLICT', `${privateIp} already has a NAT on ${fw.name}: ${byPrivate.public_ip} (record ${byPrivate.id}).`, { recordId: byPrivate.id });
      }
      const info = this.db
        .prepare(`INSERT INTO nat_records (firewall_id, public_ip, private_ip, vm, state, procedure_id, created_at, created_by) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)`)
        .run(fw.id, publicIp, privateIp, input.vm ?? null, input.procedureId ?? null, new Date().toISOString(), actor);
      return this.record(Number(info.lastInsertRowid));
    }).immediate();
  }

  setState(id: number, state: NatRecordView['state'], actor: string): NatRecordView {
    const removed = state === 'removed';
    this.db
      .prepare('UPDATE nat_records SET state = ?, removed_at = ?, removed_by = ? WHERE id = ?')
      .run(state, removed ? new Date().toISOString() : null, removed ? actor : null, id);
    return this.record(id);
  }

  records(filter: { includeRemoved?: boolean } = {}): NatRecordView[] {
    const where = filter.includeRemoved ? '' : `WHERE n.state != 'removed'`;
    return (this.db.prepare(`${RECORD_SELECT} ${where} ORDER BY n.id`).all() as RecordRow[]).map(toRecord);
  }

  /** Records with their drift against what each firewall has now, plus Outpost rules no record explains. */
  async list(options: { verify: boolean; includeRemoved?: boolean }): Promise<NatList> {
    const records = this.records({ includeRemoved: options.includeRemoved ?? false });
    if (!options.verify) return { records, orphans: [], unreachable: [] };
    const orphans: NatList['orphans'] = [];
    const unreachable: NatList['unreachable'] = [];
    for (const fw of this.firewalls()) {
      const mine = records.filter((r) => r.firewall === fw.name && r.state !== 'removed');
      if (fw.driver === 'manual') {
        for (const r of mine) r.drift = 'unknown';
        continue;
      }
      let observed;
      try {
        observed = await this.driverOf(fw).observe();
      } catch (err) {
        const e = err instanceof OutpostError ? err : new OutpostError('UNREACHABLE', (err as Error).message);
        unreachable.push({ firewall: fw.name, code: e.code, message: e.message });
        for (const r of mine) r.drift = 'unknown';
        continue;
      }
      const byId = new Map(observed.map((o) => [o.recordId, o]));
      for (const r of mine) {
        const o = byId.get(r.id);
        r.drift = matches({ recordId: r.id, publicIp: r.publicIp, privateIp: r.privateIp }, o) ? 'in-sync' : o ? 'different' : 'missing';
      }
      const live = new Set(mine.map((r) => r.id));
      for (const o of observed) {
        if (!live.has(o.recordId)) orphans.push({ firewall: fw.name, recordId: o.recordId, publicIp: o.dnat?.publicIp ?? o.snat?.publicIp ?? null, privateIp: o.dnat?.privateIp ?? o.snat?.privateIp ?? null });
      }
    }
    return { records, orphans, unreachable };
  }
}
