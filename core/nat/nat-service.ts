import type { AuditLog } from '../audit/audit-log.js';
import { OutpostError } from '../contract/errors.js';
import { firewallInputSchema, type FirewallInput, type FirewallView, type NatList, type NatRecordView } from '../contract/nat.js';
import { atomically, UniqueViolation, type Sql } from '../db/sql.js';
import { parseAddress } from '../ipam/ip-address.js';
import { matches, type FirewallDriver } from './firewall-driver.js';
import { driverFor } from './firewall-drivers.js';
import { NatStore } from './nat-store.js';

/** Firewalls and NAT records; the drivers do the talking to firewalls. */
export class NatService {
  private readonly store: NatStore;

  constructor(
    private readonly db: Sql,
    private readonly audit: AuditLog,
    private readonly driverOf: (fw: FirewallView) => Promise<FirewallDriver> = driverFor,
  ) {
    this.store = new NatStore(db);
  }

  async addFirewall(input: FirewallInput, actor: string): Promise<FirewallView> {
    const fw = firewallInputSchema.parse(input);
    if (fw.driver !== 'manual' && fw.connection.type === 'none') {
      throw new OutpostError('VALIDATION', `The ${fw.driver} driver needs a connection to the firewall.`);
    }
    try {
      await this.store.insertFirewall(fw, actor);
    } catch (err) {
      if (err instanceof UniqueViolation) throw new OutpostError('CONFLICT', `A firewall named ${fw.name} already exists.`);
      throw err;
    }
    await this.audit.append({ actor, action: 'firewall.add', target: fw.name, details: { driver: fw.driver, connection: fw.connection } });
    return await this.firewall(fw.name);
  }

  async firewall(name: string): Promise<FirewallView> {
    const fw = await this.store.firewall(name);
    if (!fw) throw new OutpostError('NOT_FOUND', `No firewall named ${name}.`);
    return fw;
  }

  async firewalls(): Promise<FirewallView[]> {
    return await this.store.firewalls();
  }

  async driver(firewall: string): Promise<FirewallDriver> {
    return this.driverOf(await this.firewall(firewall));
  }

  async record(id: number): Promise<NatRecordView> {
    const record = await this.store.record(id);
    if (!record) throw new OutpostError('NOT_FOUND', `No NAT record ${id}.`);
    return record;
  }

  async liveByPublic(publicIp: string): Promise<NatRecordView | null> {
    const ip = parseAddress(publicIp).text;
    return await this.store.liveByPublic(ip);
  }

  /**
   * Ensures a pending-or-live record for exactly this mapping: the same mapping returns the existing
   * record (a resumed procedure), a different one on either side is NAT_CONFLICT.
   */
  async ensureRecord(input: { firewall: string; publicIp: string; privateIp: string; vm?: string | null; procedureId?: string | null }, actor: string): Promise<NatRecordView> {
    const fw = await this.firewall(input.firewall);
    const publicIp = parseAddress(input.publicIp).text;
    const privateIp = parseAddress(input.privateIp).text;
    return await atomically(
      this.db,
      async () => {
        // The INSERT decides (unique live public IP, unique live private IP per firewall): two
        // operators adding NAT for one address at once, on any workstations, cannot both win.
        for (let attempt = 0; attempt < 3; attempt++) {
          const byPublic = await this.liveByPublic(publicIp);
          if (byPublic) {
            if (byPublic.firewall === fw.name && byPublic.privateIp === privateIp) return byPublic;
            throw new OutpostError('NAT_CONFLICT', `${publicIp} is already NATed to ${byPublic.privateIp} on ${byPublic.firewall} (record ${byPublic.id}).`, { recordId: byPublic.id });
          }
          const byPrivate = await this.store.liveByPrivate(fw.id, privateIp);
          if (byPrivate) {
            throw new OutpostError('NAT_CONFLICT', `${privateIp} already has a NAT on ${fw.name}: ${byPrivate.publicIp} (record ${byPrivate.id}).`, { recordId: byPrivate.id });
          }
          const id = await this.store.insertRecord({ firewallId: fw.id, publicIp, privateIp, vm: input.vm ?? null, procedureId: input.procedureId ?? null }, actor);
          if (id !== null) return await this.record(id);
          // Another writer's record committed between the look and the insert: look again to name it.
        }
        throw new OutpostError('NAT_CONFLICT', `${publicIp} or ${privateIp} was NATed by another operator at the same moment; list the NAT records and try again.`);
      },
      { immediate: true },
    );
  }

  async setState(id: number, state: NatRecordView['state'], actor: string): Promise<NatRecordView> {
    await this.store.setState(id, state, actor);
    return await this.record(id);
  }

  /**
   * Sets what the record says it serves (the VM was renamed). Only Outpost's store holds it: the
   * firewall rules are tagged by record id alone, so nothing on the firewall changes.
   */
  async describe(id: number, vm: string): Promise<boolean> {
    return await this.store.setVm(id, vm);
  }

  async records(filter: { includeRemoved?: boolean } = {}): Promise<NatRecordView[]> {
    return await this.store.records(filter.includeRemoved ?? false);
  }

  /** Records with their drift against what each firewall has now, plus Outpost rules no record explains. */
  async list(options: { verify: boolean; includeRemoved?: boolean }): Promise<NatList> {
    const records = await this.records({ includeRemoved: options.includeRemoved ?? false });
    if (!options.verify) return { records, orphans: [], unreachable: [] };
    const orphans: NatList['orphans'] = [];
    const unreachable: NatList['unreachable'] = [];
    for (const fw of await this.firewalls()) {
      const mine = records.filter((r) => r.firewall === fw.name && r.state !== 'removed');
      if (fw.driver === 'manual') {
        for (const r of mine) r.drift = 'unknown';
        continue;
      }
      let observed;
      try {
        observed = await (await this.driverOf(fw)).observe();
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
