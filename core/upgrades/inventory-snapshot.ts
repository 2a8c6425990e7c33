import { OutpostError } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import { CmdbStore } from '../enrollment/cmdb-store.js';
import { InventoryStore } from '../inventory/inventory-store.js';
import { SiteStore } from '../sites/site-store.js';
import type { InventoryHost, InventorySnapshot } from './ansible-inventory.js';

/**
 * The facts the Ansible inventory is written from, read straight from the inventory tables
 * (sites, clusters, hosts) and, when present, the enrolled VMs. Hosts vCenter removed are left out.
 */
export async function inventorySnapshot(db: Sql, siteName?: string): Promise<InventorySnapshot> {
  const sites = await new SiteStore(db).live(siteName?.trim());
  if (siteName && sites.length === 0) throw new OutpostError('NOT_FOUND', `No site named "${siteName}". List them with: outpost site list`, { site: siteName });
  const inventory = new InventoryStore(db);
  const snapshot: InventorySnapshot = { sites: [], enrolledVms: [] };
  for (const site of sites) {
    const rows = await inventory.hostFacts(site.id);
    const clusters = new Map<string, InventoryHost[]>();
    const standaloneHosts: InventoryHost[] = [];
    for (const r of rows) {
      const host: InventoryHost = { name: r.name, address: r.name, build: r.build, version: r.version };
      if (r.cluster) clusters.set(r.cluster, [...(clusters.get(r.cluster) ?? []), host]);
      else standaloneHosts.push(host);
    }
    snapshot.sites.push({ name: site.name, clusters: [...clusters].map(([name, hosts]) => ({ name, hosts })), standaloneHosts });
  }
  // Enrolled VMs: the CMDB's active records (offboarded ones are history, not inventory).
  const names = new Set(sites.map((s) => s.name));
  const vms = (await new CmdbStore(db).list({ status: 'active', limit: -1 })).sort((a, b) => (a.vmName < b.vmName ? -1 : a.vmName > b.vmName ? 1 : 0));
  for (const vm of vms) {
    if (!names.has(vm.site) || !vm.publicIp) continue;
    const windows = /windows/i.test(`${vm.os ?? ''} ${vm.osRule ?? ''}`);
    snapshot.enrolledVms.push({ name: vm.vmName, site: vm.site, publicIp: vm.publicIp, privateIp: vm.privateIp, osFamily: windows ? 'windows' : 'linux' });
  }
  return snapshot;
}
