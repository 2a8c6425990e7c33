// Owns tables: nat_allow_rules, nat_forwards.
import { z } from 'zod';
import { policyProtoSchema, type NatAllowView, type NatForwardView } from '../contract/firewall-policy.js';
import type { Sql } from '../db/sql.js';

const allowRow = z.object({
  id: z.number(),
  firewall: z.string(),
  public_ip: z.string().nullable(),
  source: z.string(),
  proto: policyProtoSchema.nullable(),
  port: z.number().nullable(),
  procedure_id: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
});
const forwardRow = z.object({
  id: z.number(),
  firewall: z.string(),
  public_ip: z.string(),
  public_port: z.number(),
  proto: policyProtoSchema,
  private_ip: z.string(),
  private_port: z.number(),
  procedure_id: z.string().nullable(),
  created_at: z.string(),
  created_by: z.string(),
});

export type AllowRecord = NatAllowView & { procedureId: string | null };
export type ForwardRecord = NatForwardView & { procedureId: string | null };

const toAllow = (r: z.infer<typeof allowRow>): AllowRecord => ({
  id: r.id,
  firewall: r.firewall,
  publicIp: r.public_ip,
  source: r.source,
  proto: r.proto,
  port: r.port,
  procedureId: r.procedure_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
});
const toForward = (r: z.infer<typeof forwardRow>): ForwardRecord => ({
  id: r.id,
  firewall: r.firewall,
  publicIp: r.public_ip,
  publicPort: r.public_port,
  proto: r.proto,
  privateIp: r.private_ip,
  privatePort: r.private_port,
  procedureId: r.procedure_id,
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const ALLOW_SELECT = `SELECT a.id, f.name AS firewall, a.public_ip, a.source, a.proto, a.port, a.procedure_id, a.created_at, a.created_by
  FROM nat_allow_rules a JOIN firewalls f ON f.id = a.firewall_id`;
const FORWARD_SELECT = `SELECT w.id, f.name AS firewall, w.public_ip, w.public_port, w.proto, w.private_ip, w.private_port, w.procedure_id, w.created_at, w.created_by
  FROM nat_forwards w JOIN firewalls f ON f.id = w.firewall_id`;

export interface AllowKey {
  firewallId: number;
  publicIp: string | null;
  source: string;
  proto: 'tcp' | 'udp' | null;
  port: number | null;
}

/** The nat_allow_rules and nat_forwards tables (live rows are state 'active'). */
export class NatPolicyStore {
  constructor(private readonly db: Sql) {}

  async allows(firewall?: string): Promise<AllowRecord[]> {
    const where = firewall === undefined ? `WHERE a.state = 'active'` : `WHERE a.state = 'active' AND f.name = ?`;
    return (await this.db.all(`${ALLOW_SELECT} ${where} ORDER BY a.id`, firewall === undefined ? [] : [firewall], allowRow)).map(toAllow);
  }

  async allowById(id: number): Promise<(AllowRecord & { live: boolean }) | null> {
    const row = await this.db.get(`${ALLOW_SELECT.replace('SELECT ', "SELECT a.state = 'active' AS live, ")} WHERE a.id = ?`, [id], allowRow.extend({ live: z.number() }));
    return row ? { ...toAllow(row), live: row.live === 1 } : null;
  }

  async liveAllow(k: AllowKey): Promise<AllowRecord | null> {
    const row = await this.db.get(
      `${ALLOW_SELECT} WHERE a.state = 'active' AND a.firewall_id = ? AND COALESCE(a.public_ip, '') = ? AND a.source = ? AND COALESCE(a.proto, '') = ? AND COALESCE(a.port, 0) = ?`,
      [k.firewallId, k.publicIp ?? '', k.source, k.proto ?? '', k.port ?? 0],
      allowRow,
    );
    return row ? toAllow(row) : null;
  }

  async insertAllow(k: AllowKey, procedureId: string | null, actor: string): Promise<number> {
    return (await this.db.run(
      `INSERT INTO nat_allow_rules (firewall_id, public_ip, source, proto, port, state, procedure_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
      [k.firewallId, k.publicIp, k.source, k.proto, k.port, procedureId, new Date().toISOString(), actor],
    )).lastId;
  }

  async setAllowLive(id: number, live: boolean, actor: string): Promise<void> {
    await this.db.run(`UPDATE nat_allow_rules SET state = ?, removed_at = ?, removed_by = ? WHERE id = ?`, [
      live ? 'active' : 'removed',
      live ? null : new Date().toISOString(),
      live ? null : actor,
      id,
    ]);
  }

  async forwards(firewall?: string): Promise<ForwardRecord[]> {
    const where = firewall === undefined ? `WHERE w.state = 'active'` : `WHERE w.state = 'active' AND f.name = ?`;
    return (await this.db.all(`${FORWARD_SELECT} ${where} ORDER BY w.id`, firewall === undefined ? [] : [firewall], forwardRow)).map(toForward);
  }

  async forwardById(id: number): Promise<(ForwardRecord & { live: boolean }) | null> {
    const row = await this.db.get(`${FORWARD_SELECT.replace('SELECT ', "SELECT w.state = 'active' AS live, ")} WHERE w.id = ?`, [id], forwardRow.extend({ live: z.number() }));
    return row ? { ...toForward(row), live: row.live === 1 } : null;
  }

  async liveForward(publicIp: string, publicPort: number, proto: 'tcp' | 'udp'): Promise<ForwardRecord | null> {
    const row = await this.db.get(`${FORWARD_SELECT} WHERE w.state = 'active' AND w.public_ip = ? AND w.public_port = ? AND w.proto = ?`, [publicIp, publicPort, proto], forwardRow);
    return row ? toForward(row) : null;
  }

  async liveForwardsTo(publicIp: string): Promise<ForwardRecord[]> {
    return (await this.db.all(`${FORWARD_SELECT} WHERE w.state = 'active' AND w.public_ip = ? ORDER BY w.id`, [publicIp], forwardRow)).map(toForward);
  }

  async insertForward(
    f: { firewallId: number; publicIp: string; publicPort: number; proto: 'tcp' | 'udp'; privateIp: string; privatePort: number },
    procedureId: string | null,
    actor: string,
  ): Promise<number> {
    return (await this.db.run(
      `INSERT INTO nat_forwards (firewall_id, public_ip, public_port, proto, private_ip, private_port, state, procedure_id, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, 'active', ?, ?, ?)`,
      [f.firewallId, f.publicIp, f.publicPort, f.proto, f.privateIp, f.privatePort, procedureId, new Date().toISOString(), actor],
    )).lastId;
  }

  async setForwardLive(id: number, live: boolean, actor: string): Promise<void> {
    await this.db.run(`UPDATE nat_forwards SET state = ?, removed_at = ?, removed_by = ? WHERE id = ?`, [
      live ? 'active' : 'removed',
      live ? null : new Date().toISOString(),
      live ? null : actor,
      id,
    ]);
  }
}
