// Owns tables: firewalls, nat_records.
import { z } from 'zod';
import {
  firewallConnectionSchema,
  firewallDriverSchema,
  firewallSettingsSchema,
  natStateSchema,
  type FirewallInput,
  type FirewallView,
  type NatRecordView,
} from '../contract/nat.js';
import type { Sql } from '../db/sql.js';

const firewallRow = z.object({
  id: z.number(),
  name: z.string(),
  driver: firewallDriverSchema,
  settings: z.string(),
  connection: z.string(),
  created_at: z.string(),
  created_by: z.string(),
});

const recordRow = z.object({
  id: z.number(),
  firewall: z.string(),
  public_ip: z.string(),
  private_ip: z.string(),
  vm: z.string().nullable(),
  state: natStateSchema,
  procedure_id: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
  removed_at: z.string().nullable(),
});

const toFirewall = (r: z.infer<typeof firewallRow>): FirewallView => ({
  id: r.id,
  name: r.name,
  driver: r.driver,
  settings: firewallSettingsSchema.parse(JSON.parse(r.settings)),
  connection: firewallConnectionSchema.parse(JSON.parse(r.connection)),
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const toRecord = (r: z.infer<typeof recordRow>): NatRecordView => ({
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

/** The firewalls and nat_records tables. */
export class NatStore {
  constructor(private readonly db: Sql) {}

  /** Throws the engine's UniqueViolation when the name is taken. */
  async insertFirewall(fw: Pick<FirewallInput, 'name' | 'driver'> & { settings: unknown; connection: unknown }, actor: string): Promise<void> {
    await this.db.run('INSERT INTO firewalls (name, driver, settings, connection, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?)', [
      fw.name,
      fw.driver,
      JSON.stringify(fw.settings),
      JSON.stringify(fw.connection),
      new Date().toISOString(),
      actor,
    ]);
  }

  async firewall(name: string): Promise<FirewallView | null> {
    const row = await this.db.get('SELECT * FROM firewalls WHERE name = ?', [name], firewallRow);
    return row ? toFirewall(row) : null;
  }

  async firewalls(): Promise<FirewallView[]> {
    return (await this.db.all('SELECT * FROM firewalls ORDER BY name', [], firewallRow)).map(toFirewall);
  }

  async record(id: number): Promise<NatRecordView | null> {
    const row = await this.db.get(`${RECORD_SELECT} WHERE n.id = ?`, [id], recordRow);
    return row ? toRecord(row) : null;
  }

  async liveByPublic(publicIp: string): Promise<NatRecordView | null> {
    const row = await this.db.get(`${RECORD_SELECT} WHERE n.public_ip = ? AND n.state != 'removed'`, [publicIp], recordRow);
    return row ? toRecord(row) : null;
  }

  async liveByPrivate(firewallId: number, privateIp: string): Promise<NatRecordView | null> {
    const row = await this.db.get(`${RECORD_SELECT} WHERE n.firewall_id = ? AND n.private_ip = ? AND n.state != 'removed'`, [firewallId, privateIp], recordRow);
    return row ? toRecord(row) : null;
  }

  /**
   * A new pending record; returns its id, or null when a live record already holds the public
   * address or the private one on this firewall (the unique indexes decide, whoever wrote first).
   */
  async insertRecord(r: { firewallId: number; publicIp: string; privateIp: string; vm: string | null; procedureId: string | null }, actor: string): Promise<number | null> {
    const row = await this.db.get(
      `INSERT INTO nat_records (firewall_id, public_ip, private_ip, vm, state, procedure_id, created_at, created_by) VALUES (?, ?, ?, ?, 'pending', ?, ?, ?)
       ON CONFLICT DO NOTHING RETURNING id`,
      [r.firewallId, r.publicIp, r.privateIp, r.vm, r.procedureId, new Date().toISOString(), actor],
      z.object({ id: z.number() }),
    );
    return row?.id ?? null;
  }

  async setState(id: number, state: NatRecordView['state'], actor: string): Promise<void> {
    const removed = state === 'removed';
    await this.db.run('UPDATE nat_records SET state = ?, removed_at = ?, removed_by = ? WHERE id = ?', [state, removed ? new Date().toISOString() : null, removed ? actor : null, id]);
  }

  /** The record's description (the VM it serves) followed a rename; false when it already says so. */
  async setVm(id: number, vm: string): Promise<boolean> {
    return (await this.db.run('UPDATE nat_records SET vm = ? WHERE id = ? AND (vm IS NULL OR vm <> ?)', [vm, id, vm])).changes === 1;
  }

  async records(includeRemoved: boolean): Promise<NatRecordView[]> {
    const where = includeRemoved ? '' : `WHERE n.state != 'removed'`;
    return (await this.db.all(`${RECORD_SELECT} ${where} ORDER BY n.id`, [], recordRow)).map(toRecord);
  }
}
