import type { AuditLog } from '../audit/audit-log.js';
import type { CmdbAttention, CmdbRecord } from '../contract/enrollment.js';
import type { EventPayload } from '../contract/events.js';
import { atomically, type Sql } from '../db/sql.js';
import type { InventoryStore } from '../inventory/inventory-store.js';
import type { Ipam } from '../ipam/ipam.js';
import type { NatService } from '../nat/nat-service.js';
import type { CmdbStore } from './cmdb-store.js';

type CmdbChange = EventPayload<'cmdb.changed'>['change'];

export interface CmdbFollowerOptions {
  db: Sql;
  cmdb: CmdbStore;
  inventory: InventoryStore;
  nat: NatService;
  ipam: Ipam;
  audit: AuditLog;
  /** The IPAM owner an enrollment allocates under (enrollment-service's privateOwner). */
  owner: (site: string, moref: string) => string;
  changed: (site: string, vmMoref: string, vmName: string, change: CmdbChange) => void;
}

/**
 * The CMDB follows vCenter. After the watcher applies VM changes (and after each full snapshot),
 * every active record of a changed VM is compared with the inventory row the watcher just wrote:
 * - renamed: the record's VM name and its NAT record's description follow;
 * - gone from the inventory: the record is flagged "deleted in vCenter", its NAT and addresses are
 *   orphans until the operator offboards it (a VM back under the same moref clears the flag);
 * - the guest reports IPs and none is the private IP the NAT points at: a drift warning.
 * Each is one audit row and one `cmdb.changed` event. The store updates are conditional on the
 * state they change from, so a replayed change (a resync, a reconnect) writes nothing twice.
 * The work of a site is serialized: two quick update sets never race on one record.
 */
export class CmdbFollower {
  private readonly queues = new Map<number, Promise<void>>();

  constructor(private readonly o: CmdbFollowerOptions) {}

  /** VMs the watcher of a site just changed (only enrolled ones are looked at). */
  vmsChanged(siteId: number, site: string, morefs: readonly string[]): Promise<void> {
    return this.enqueue(siteId, async () => {
      for (const moref of new Set(morefs)) {
        const record = await this.o.cmdb.active(siteId, moref);
        if (record) await this.follow(siteId, site, record);
      }
    });
  }

  /**
   * Every active record of a site against a completed snapshot (deletes and renames made while no
   * watcher ran). A site that was never synced is left alone: a missing row there says nothing.
   */
  reconcileSite(siteId: number, site: string): Promise<void> {
    return this.enqueue(siteId, async () => {
      if ((await this.o.inventory.lastSyncedVms(siteId)) === null) return;
      for (const record of await this.o.cmdb.activeOfSite(siteId)) await this.follow(siteId, site, record);
    });
  }

  /** Orphans (with their NAT and addresses) and drift warnings, for the views and the CLI. */
  async attention(site?: string): Promise<CmdbAttention> {
    const records = await this.o.cmdb.attention(site);
    const deleted = records.filter((r) => r.vcenterDeletedAt !== null);
    const allocations = deleted.length ? await this.o.ipam.allocations() : [];
    const orphans: CmdbAttention['orphans'] = [];
    for (const record of deleted) {
      const nat = record.natRecordId === null ? null : await this.o.nat.record(record.natRecordId).catch(() => null);
      const owner = this.o.owner(record.site, record.vmMoref);
      orphans.push({
        record,
        nat: nat && nat.state !== 'removed' ? { id: nat.id, firewall: nat.firewall, publicIp: nat.publicIp, privateIp: nat.privateIp, state: nat.state } : null,
        addresses: allocations.filter((a) => a.owner === owner).map((a) => ({ pool: a.pool, address: a.address, purpose: a.purpose })),
      });
    }
    return { orphans, drift: records.filter((r) => r.guestIpSeen !== null && r.vcenterDeletedAt === null) };
  }

  /** Resolves when the work queued so far for every site is done (tests). */
  async idle(): Promise<void> {
    await Promise.all([...this.queues.values()]);
  }

  private enqueue(siteId: number, work: () => Promise<void>): Promise<void> {
    // A failed comparison is retried by the next change or snapshot; it must not stop the queue.
    const next = (this.queues.get(siteId) ?? Promise.resolve()).then(work).catch(() => undefined);
    this.queues.set(siteId, next);
    void next.then(() => {
      if (this.queues.get(siteId) === next) this.queues.delete(siteId);
    });
    return next;
  }

  private async follow(siteId: number, site: string, record: CmdbRecord): Promise<void> {
    const actor = `vcenter:${site}`;
    const target = (name: string): string => `${site}/${name}`;
    const vm = await this.o.inventory.vmDetails(siteId, record.vmMoref);
    const now = new Date().toISOString();
    if (!vm) {
      const flagged = await atomically(this.o.db, async () => {
        if (!(await this.o.cmdb.markDeleted(record.id, now))) return false;
        await this.o.audit.append({
          actor,
          action: 'cmdb.vm.deleted',
          target: target(record.vmName),
          details: { cmdbId: record.id, vmMoref: record.vmMoref, natRecordId: record.natRecordId, publicIp: record.publicIp, privateIp: record.privateIp },
        });
        return true;
      });
      if (flagged) this.o.changed(site, record.vmMoref, record.vmName, 'deleted-in-vcenter');
      return;
    }
    if (record.vcenterDeletedAt !== null) {
      const back = await atomically(this.o.db, async () => {
        if (!(await this.o.cmdb.clearDeleted(record.id))) return false;
        await this.o.audit.append({ actor, action: 'cmdb.vm.back', target: target(vm.name), details: { cmdbId: record.id, vmMoref: record.vmMoref } });
        return true;
      });
      if (back) this.o.changed(site, record.vmMoref, vm.name, 'back-in-vcenter');
    }
    if (vm.name !== record.vmName) {
      const renamed = await atomically(this.o.db, async () => {
        if (!(await this.o.cmdb.rename(record.id, record.vmName, vm.name))) return false;
        const natFollowed = record.natRecordId !== null && (await this.o.nat.describe(record.natRecordId, target(vm.name)));
        await this.o.audit.append({ actor, action: 'cmdb.vm.renamed', target: target(vm.name), details: { cmdbId: record.id, vmMoref: record.vmMoref, from: record.vmName, to: vm.name, natRecordId: natFollowed ? record.natRecordId : null } });
        return true;
      });
      if (renamed) this.o.changed(site, record.vmMoref, vm.name, 'renamed');
    }
    // No IP at all (powered off, tools not running) says nothing about drift.
    const guestIps = [...new Set([...(vm.ipAddress ? [vm.ipAddress] : []), ...vm.ipAddresses])];
    if (guestIps.length === 0) return;
    if (guestIps.includes(record.privateIp)) {
      const cleared = await atomically(this.o.db, async () => {
        if (!(await this.o.cmdb.clearGuestIpSeen(record.id))) return false;
        await this.o.audit.append({ actor, action: 'cmdb.nat.drift.cleared', target: target(vm.name), details: { cmdbId: record.id, privateIp: record.privateIp } });
        return true;
      });
      if (cleared) this.o.changed(site, record.vmMoref, vm.name, 'nat-drift-cleared');
      return;
    }
    const seen = vm.ipAddress && guestIps.includes(vm.ipAddress) ? vm.ipAddress : guestIps[0]!;
    const drifted = await atomically(this.o.db, async () => {
      if (!(await this.o.cmdb.setGuestIpSeen(record.id, seen, now))) return false;
      await this.o.audit.append({
        actor,
        action: 'cmdb.nat.drift',
        target: target(vm.name),
        outcome: 'failed',
        details: { cmdbId: record.id, natRecordId: record.natRecordId, publicIp: record.publicIp, privateIp: record.privateIp, guestIp: seen, guestIps },
      });
      return true;
    });
    if (drifted) this.o.changed(site, record.vmMoref, vm.name, 'nat-drift');
  }
}
