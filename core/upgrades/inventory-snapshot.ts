import { OutpostError } from '../contract/errors.js';
import type { Db } from '../db/database.js';
import type { InventoryHost, InventorySnapshot } from './ansible-inventory.js';


/**
 * The facts the Ansible inventory is written from, read straight from the inventory tables
 * (sites, clusters, hosts) and, when present, the enrolled VMs. Hosts vCenter removed are left out.
 */
export function inventorySnapshot(db: Db, siteName?: string): InventorySnapshot {
  const sites = db.prepare(`SELECT id, name FROM sites WHERE removed_at IS NULL ${siteName ? 'AND name = ?' : ''} ORDER BY name`).all(...(siteName ? [siteName.trim()] : [])) as { id: number; name: string }[];
  if (siteName && sites.length === 0) throw new OutpostError('NOT_FOUND', `No site named "${siteName}". List them with: outpost site list`, { site: siteName });
  const hostRows = db.prepare(
    `SELECT h.name, h.version, h.build, h.cluster_moref, c.name AS cluster FROM inv_hosts h
     LEFT JOIN inv_clusters c ON c.site_id = h.site_id AND c.moref = h.cluster_moref AND c.removed_at IS NULL
     WHERE h.site_id = ? AND h.removed_at IS NULL ORDER BY h.name`,
  );
  const snapshot: InventorySnapshot = { sites: [], enrolledVms: [] };
  for (const site of sites) {
    const rows = hostRows.all(site.id) as { name: string; version: string | null; build: string | null; cluster: string | null }[];
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
  const vms = db
    .prepare(
      `SELECT c.vm_name AS name, s.name AS site, c.public_ip, c.private_ip, c.os, c.os_rule FROM cmdb_records c
       JOIN sites s ON s.id = c.site_id WHERE c.offboarded_at IS NULL ORDER BY c.vm_name`,
    )
    .all() as { name: string; site: string; public_ip: string | null; private_ip: string; os: string | null; os_rule: string | null }[];
  for (const vm of vms) {
    if (!names.has(vm.site) || !vm.public_ip) continue;
    const windows = /windows/i.test(`${vm.os ?? ''} ${vm.os_rule ?? ''}`);
    snapshot.enrolledVms.push({ name: vm.name, site: vm.site, publicIp: vm.public_ip, privateIp: vm.private_ip, osFamily: windows ? 'windows' : 'linux' });
  }
  return snapshot;
}
