// Reads inv_vms, inv_hosts, inv_clusters, inv_datacenters, inv_datastores (owned by inventory-store.ts) for the RVTools-style views.
import { z } from 'zod';
import { inventoryViews, type InventoryScope, type InventoryTreeNode, type InventoryViewId, type ViewCell } from '../contract/inventory-views.js';
import type { Sql } from '../db/sql.js';

/** A row of a view: column id -> cell. */
export type ViewRow = Record<string, ViewCell>;

const MiB = 1024 * 1024;
const mib = (bytes: number | null): number | null => (bytes === null ? null : Math.round(bytes / MiB));
const pct = (part: number | null, whole: number | null): number | null => (part === null || !whole ? null : Math.round((part / whole) * 1000) / 10);

const diskSchema = z.object({
  label: z.string().nullable(),
  capacityBytes: z.number().nullable(),
  datastore: z.string().nullable(),
  fileName: z.string().nullable(),
  thin: z.boolean().nullable(),
  eagerlyScrub: z.boolean().nullable(),
  mode: z.string().nullable(),
});
const nicSchema = z.object({
  label: z.string().nullable(),
  adapter: z.string().nullable(),
  network: z.string().nullable(),
  mac: z.string().nullable(),
  connected: z.boolean().nullable(),
  startConnected: z.boolean().nullable(),
  ips: z.array(z.string()),
});
const snapshotSchema = z.object({ name: z.string().nullable(), description: z.string().nullable(), createdAt: z.string().nullable(), state: z.string().nullable(), current: z.boolean() });
/** The JSON lists on a VM row, decoded (a malformed one reads as empty rather than failing a whole export). */
const jsonList = <T>(schema: z.ZodType<T>) => (text: string): T[] => {
  try {
    const r = z.array(schema).safeParse(JSON.parse(text));
    return r.success ? r.data : [];
  } catch {
    return [];
  }
};
const disksOf = jsonList(diskSchema);
const nicsOf = jsonList(nicSchema);
const snapshotsOf = jsonList(snapshotSchema);
const attributesOf = (text: string): string => {
  try {
    const r = z.record(z.string(), z.string()).safeParse(JSON.parse(text));
    return r.success ? Object.entries(r.data).map(([k, v]) => `${k}=${v}`).join('; ') : '';
  } catch {
    return '';
  }
};

const vmRow = z.object({
  id: z.number(),
  site: z.string(),
  moref: z.string(),
  name: z.string(),
  uuid: z.string().nullable(),
  instance_uuid: z.string().nullable(),
  guest_full_name: z.string().nullable(),
  power_state: z.string().nullable(),
  ip_address: z.string().nullable(),
  ip_addresses: z.string().nullable(),
  guest_hostname: z.string().nullable(),
  tools_running_status: z.string().nullable(),
  num_cpu: z.number().nullable(),
  memory_mb: z.number().nullable(),
  annotation: z.string().nullable(),
  folder_path: z.string().nullable(),
  resource_pool: z.string().nullable(),
  hw_version: z.string().nullable(),
  tools_version: z.string().nullable(),
  cpu_usage_mhz: z.number().nullable(),
  guest_memory_usage_mb: z.number().nullable(),
  host_memory_usage_mb: z.number().nullable(),
  uptime_seconds: z.number().nullable(),
  boot_time: z.string().nullable(),
  provisioned_bytes: z.number().nullable(),
  used_bytes: z.number().nullable(),
  disk_count: z.number().nullable(),
  nic_count: z.number().nullable(),
  snapshot_count: z.number(),
  disks: z.string(),
  nics: z.string(),
  snapshots: z.string(),
  custom_attributes: z.string(),
  host: z.string().nullable(),
  cluster: z.string().nullable(),
  datacenter: z.string().nullable(),
});
type VmDbRow = z.infer<typeof vmRow>;

const VM_SELECT = `SELECT v.id, s.name AS site, v.moref, v.name, v.uuid, v.instance_uuid, v.guest_full_name, v.power_state, v.ip_address, v.ip_addresses,
    v.guest_hostname, v.tools_running_status, v.num_cpu, v.memory_mb, v.annotation, v.folder_path, v.resource_pool, v.hw_version, v.tools_version,
    v.cpu_usage_mhz, v.guest_memory_usage_mb, v.host_memory_usage_mb, v.uptime_seconds, v.boot_time, v.provisioned_bytes, v.used_bytes,
    v.disk_count, v.nic_count, v.snapshot_count, v.disks, v.nics, v.snapshots, v.custom_attributes,
    h.name AS host, c.name AS cluster, d.name AS datacenter
  FROM inv_vms v
  JOIN sites s ON s.id = v.site_id
  LEFT JOIN inv_hosts h ON h.site_id = v.site_id AND h.moref = v.host_moref
  LEFT JOIN inv_clusters c ON c.site_id = h.site_id AND c.moref = h.cluster_moref
  LEFT JOIN inv_datacenters d ON d.site_id = h.site_id AND d.moref = h.datacenter_moref`;

/** The WHERE part for a site and a tree scope (VM views: by the VM's host; folders by path prefix). */
function vmWhere(site: string | undefined, scope: InventoryScope | undefined): { sql: string; params: Record<string, string> } {
  const parts = ['v.removed_at IS NULL', 's.removed_at IS NULL'];
  const params: Record<string, string> = {};
  const siteName = scope?.site ?? site;
  if (siteName) {
    parts.push('s.name = @site');
    params['site'] = siteName;
  }
  if (scope && scope.kind !== 'site') {
    params['ref'] = scope.ref;
    if (scope.kind === 'datacenter') parts.push('h.datacenter_moref = @ref');
    else if (scope.kind === 'cluster') parts.push('h.cluster_moref = @ref');
    else if (scope.kind === 'host') parts.push('v.host_moref = @ref');
    else {
      // The folder itself and every folder below it; LIKE's wildcards in the path are escaped.
      parts.push(`(v.folder_path = @ref OR v.folder_path LIKE @prefix ESCAPE '\\')`);
      params['prefix'] = `${scope.ref.replace(/[\\%_]/g, (c) => `\\${c}`)}/%`;
    }
  }
  return { sql: parts.join(' AND '), params };
}

const PAGE = 2_000;

/**
 * Every live VM in scope, by name, a page at a time (keyset on name and id), so an export of
 * 100,000 VMs holds one page in memory, on SQLite and PostgreSQL alike.
 */
async function* vmPages(db: Sql, site: string | undefined, scope: InventoryScope | undefined): AsyncGenerator<VmDbRow[]> {
  const w = vmWhere(site, scope);
  let after: { name: string; id: number } | null = null;
  for (;;) {
    const keyset: string = after ? ' AND (v.name > @after_name OR (v.name = @after_name AND v.id > @after_id))' : '';
    const params: Record<string, string | number> = { ...w.params, limit: PAGE, ...(after ? { after_name: after.name, after_id: after.id } : {}) };
    const rows: VmDbRow[] = await db.all(`${VM_SELECT} WHERE ${w.sql}${keyset} ORDER BY v.name, v.id LIMIT @limit`, params, vmRow);
    if (rows.length) yield rows;
    if (rows.length < PAGE) return;
    const last: VmDbRow = rows[rows.length - 1]!;
    after = { name: last.name, id: last.id };
  }
}

const vmHead = (r: VmDbRow): ViewRow => ({ vm: r.name, powerState: r.power_state, site: r.site, datacenter: r.datacenter, cluster: r.cluster, host: r.host });

/** The rows one VM contributes to a VM-based view. */
function vmRows(view: InventoryViewId, r: VmDbRow, now: number): ViewRow[] {
  const head = vmHead(r);
  switch (view) {
    case 'vinfo':
      return [
        {
          ...head,
          folder: r.folder_path,
          resourcePool: r.resource_pool,
          guestOs: r.guest_full_name,
          ipAddress: r.ip_address,
          ipAddresses: r.ip_addresses ?? '',
          dnsName: r.guest_hostname,
          cpus: r.num_cpu,
          memoryMB: r.memory_mb,
          nics: r.nic_count,
          disks: r.disk_count,
          provisionedMiB: mib(r.provisioned_bytes),
          inUseMiB: mib(r.used_bytes),
          snapshots: r.snapshot_count,
          toolsStatus: r.tools_running_status,
          toolsVersion: r.tools_version,
          hwVersion: r.hw_version,
          uptimeSeconds: r.uptime_seconds,
          bootTime: r.boot_time,
          annotation: r.annotation,
          customAttributes: attributesOf(r.custom_attributes),
          uuid: r.uuid,
          instanceUuid: r.instance_uuid,
          moref: r.moref,
        },
      ];
    case 'vcpu':
      return [{ ...head, cpus: r.num_cpu, cpuUsageMhz: r.cpu_usage_mhz, guestOs: r.guest_full_name, annotation: r.annotation }];
    case 'vmemory':
      return [{ ...head, memoryMB: r.memory_mb, guestMemoryUsageMiB: r.guest_memory_usage_mb, hostMemoryUsageMiB: r.host_memory_usage_mb, guestOs: r.guest_full_name }];
    case 'vdisk':
      return disksOf(r.disks).map((d) => ({ ...head, disk: d.label, capacityMiB: mib(d.capacityBytes), datastore: d.datastore, thin: d.thin, eagerlyScrub: d.eagerlyScrub, diskMode: d.mode, path: d.fileName }));
    case 'vnetwork':
      return nicsOf(r.nics).map((n) => ({ ...head, nic: n.label, adapter: n.adapter, network: n.network, mac: n.mac, connected: n.connected, startsConnected: n.startConnected, ips: n.ips.join(' ') }));
    case 'vsnapshot':
      return snapshotsOf(r.snapshots).map((s) => {
        const t = s.createdAt ? Date.parse(s.createdAt) : NaN;
        return { ...head, snapshot: s.name, description: s.description, createdAt: s.createdAt, ageDays: Number.isFinite(t) ? Math.floor((now - t) / 86_400_000) : null, state: s.state, current: s.current };
      });
    default:
      return [];
  }
}

const hostRow = z.object({
  site: z.string(),
  name: z.string(),
  datacenter: z.string().nullable(),
  cluster: z.string().nullable(),
  connection_state: z.string().nullable(),
  maintenance: z.number(),
  version: z.string().nullable(),
  build: z.string().nullable(),
  cpu_model: z.string().nullable(),
  cpu_cores: z.number().nullable(),
  cpu_mhz: z.number().nullable(),
  cpu_usage_mhz: z.number().nullable(),
  memory_bytes: z.number().nullable(),
  memory_usage_mb: z.number().nullable(),
  uptime_seconds: z.number().nullable(),
  vms: z.number(),
});

const datastoreRow = z.object({
  site: z.string(),
  name: z.string(),
  datacenter: z.string().nullable(),
  type: z.string().nullable(),
  accessible: z.number().nullable(),
  capacity_bytes: z.number().nullable(),
  free_bytes: z.number().nullable(),
  uncommitted_bytes: z.number().nullable(),
  url: z.string().nullable(),
});

/** Host and datastore scope: a site, a datacenter, a cluster or one host. */
function structureWhere(alias: string, site: string | undefined, scope: InventoryScope | undefined, kind: 'host' | 'datastore'): { sql: string; params: Record<string, string> } {
  const parts = [`${alias}.removed_at IS NULL`, 's.removed_at IS NULL'];
  const params: Record<string, string> = {};
  const siteName = scope?.site ?? site;
  if (siteName) {
    parts.push('s.name = @site');
    params['site'] = siteName;
  }
  if (scope && scope.kind === 'datacenter') {
    parts.push(`${alias}.datacenter_moref = @ref`);
    params['ref'] = scope.ref;
  } else if (scope && kind === 'host' && (scope.kind === 'cluster' || scope.kind === 'host')) {
    parts.push(scope.kind === 'cluster' ? `${alias}.cluster_moref = @ref` : `${alias}.moref = @ref`);
    params['ref'] = scope.ref;
  }
  return { sql: parts.join(' AND '), params };
}

/** Every row of a view, a page at a time (VM views stream; hosts and datastores are one page). */
export async function* viewRows(db: Sql, view: InventoryViewId, site?: string, scope?: InventoryScope): AsyncGenerator<ViewRow[]> {
  const now = Date.now();
  if (view === 'vhost') {
    const w = structureWhere('h', site, scope, 'host');
    const rows = await db.all(
      `SELECT s.name AS site, h.name, d.name AS datacenter, c.name AS cluster, h.connection_state, h.maintenance, h.version, h.build, h.cpu_model, h.cpu_cores,
              h.cpu_mhz, h.cpu_usage_mhz, h.memory_bytes, h.memory_usage_mb, h.uptime_seconds,
              (SELECT count(*) FROM inv_vms v WHERE v.site_id = h.site_id AND v.host_moref = h.moref AND v.removed_at IS NULL) AS vms
       FROM inv_hosts h JOIN sites s ON s.id = h.site_id
       LEFT JOIN inv_clusters c ON c.site_id = h.site_id AND c.moref = h.cluster_moref
       LEFT JOIN inv_datacenters d ON d.site_id = h.site_id AND d.moref = h.datacenter_moref
       WHERE ${w.sql} ORDER BY s.name, h.name`,
      w.params,
      hostRow,
    );
    yield rows.map((h) => {
      const mhz = h.cpu_mhz !== null && h.cpu_cores !== null ? h.cpu_mhz * h.cpu_cores : null;
      return {
        host: h.name,
        site: h.site,
        datacenter: h.datacenter,
        cluster: h.cluster,
        connectionState: h.connection_state,
        maintenance: h.maintenance === 1,
        version: h.version,
        build: h.build,
        cpuModel: h.cpu_model,
        cores: h.cpu_cores,
        cpuMhz: h.cpu_mhz,
        cpuUsageMhz: h.cpu_usage_mhz,
        cpuUsagePct: pct(h.cpu_usage_mhz, mhz),
        memoryMiB: mib(h.memory_bytes),
        memoryUsageMiB: h.memory_usage_mb,
        memoryUsagePct: pct(h.memory_usage_mb, mib(h.memory_bytes)),
        vms: h.vms,
        uptimeSeconds: h.uptime_seconds,
      };
    });
    return;
  }
  if (view === 'vdatastore') {
    const w = structureWhere('ds', site, scope, 'datastore');
    const rows = await db.all(
      `SELECT s.name AS site, ds.name, d.name AS datacenter, ds.type, ds.accessible, ds.capacity_bytes, ds.free_bytes, ds.uncommitted_bytes, ds.url
       FROM inv_datastores ds JOIN sites s ON s.id = ds.site_id
       LEFT JOIN inv_datacenters d ON d.site_id = ds.site_id AND d.moref = ds.datacenter_moref
       WHERE ${w.sql} ORDER BY s.name, ds.name`,
      w.params,
      datastoreRow,
    );
    yield rows.map((d) => {
      const used = d.capacity_bytes !== null && d.free_bytes !== null ? d.capacity_bytes - d.free_bytes : null;
      return {
        datastore: d.name,
        site: d.site,
        datacenter: d.datacenter,
        type: d.type,
        accessible: d.accessible === null ? null : d.accessible === 1,
        capacityMiB: mib(d.capacity_bytes),
        provisionedMiB: used === null ? null : mib(used + (d.uncommitted_bytes ?? 0)),
        inUseMiB: mib(used),
        freeMiB: mib(d.free_bytes),
        freePct: pct(d.free_bytes, d.capacity_bytes),
        url: d.url,
      };
    });
    return;
  }
  for await (const page of vmPages(db, site, scope)) yield page.flatMap((r) => vmRows(view, r, now));
}

/** The column ids of a view: the chosen ones that exist, in the chosen order, else the defaults. */
export function viewColumns(view: InventoryViewId, chosen?: readonly string[]): string[] {
  const all = inventoryViews[view].columns;
  if (chosen && chosen.length) {
    const known = new Set(all.map((c) => c.id));
    const picked = chosen.filter((c) => known.has(c));
    if (picked.length) return picked;
  }
  return all.filter((c) => c.default).map((c) => c.id);
}

/** Up to `limit` rows of a view as cells in column order (every column), and how many there are in all. */
export async function readView(db: Sql, q: { view: InventoryViewId; site?: string | undefined; scope?: InventoryScope | undefined; limit: number }): Promise<{ columns: string[]; rows: ViewCell[][]; total: number; truncated: boolean }> {
  const columns = inventoryViews[q.view].columns.map((c) => c.id);
  const rows: ViewCell[][] = [];
  let total = 0;
  for await (const page of viewRows(db, q.view, q.site, q.scope)) {
    total += page.length;
    for (const r of page) if (rows.length < q.limit) rows.push(columns.map((c) => r[c] ?? null));
  }
  return { columns, rows, total, truncated: total > rows.length };
}

const treeCount = z.object({ site: z.string(), host_moref: z.string().nullable(), folder_path: z.string().nullable(), n: z.number() });
const named = z.object({ site: z.string(), moref: z.string(), name: z.string(), datacenter_moref: z.string().nullable() });
const hostNode = named.extend({ cluster_moref: z.string().nullable() });

/** The navigation tree: site -> datacenter -> cluster -> host, and each datacenter's VM folders, with VM counts. */
export async function inventoryTree(db: Sql, site?: string): Promise<InventoryTreeNode[]> {
  const where = site ? 'AND s.name = @site' : '';
  const params: Record<string, string> = site ? { site } : {};
  const live = (t: string): string => `${t}.removed_at IS NULL AND s.removed_at IS NULL ${where}`;
  const sites = await db.all(`SELECT s.name FROM sites s WHERE s.removed_at IS NULL ${where} ORDER BY s.name`, params, z.object({ name: z.string() }));
  const dcs = await db.all(`SELECT s.name AS site, d.moref, d.name, NULL AS datacenter_moref FROM inv_datacenters d JOIN sites s ON s.id = d.site_id WHERE ${live('d')} ORDER BY d.name`, params, named);
  const clusters = await db.all(`SELECT s.name AS site, c.moref, c.name, c.datacenter_moref FROM inv_clusters c JOIN sites s ON s.id = c.site_id WHERE ${live('c')} ORDER BY c.name`, params, named);
  const hosts = await db.all(`SELECT s.name AS site, h.moref, h.name, h.datacenter_moref, h.cluster_moref FROM inv_hosts h JOIN sites s ON s.id = h.site_id WHERE ${live('h')} ORDER BY h.name`, params, hostNode);
  const counts = await db.all(`SELECT s.name AS site, v.host_moref, v.folder_path, count(*) AS n FROM inv_vms v JOIN sites s ON s.id = v.site_id WHERE ${live('v')} GROUP BY s.name, v.host_moref, v.folder_path`, params, treeCount);

  const nodes = new Map<string, InventoryTreeNode>();
  const add = (node: Omit<InventoryTreeNode, 'vms' | 'hosts'>): InventoryTreeNode => {
    const full = { ...node, vms: 0, hosts: 0 };
    nodes.set(node.id, full);
    return full;
  };
  for (const s of sites) add({ id: `s:${s.name}`, parent: null, kind: 'site', name: s.name, scope: { site: s.name, kind: 'site', ref: '' } });
  const dcName = new Map<string, string>();
  for (const d of dcs) {
    dcName.set(`${d.site}/${d.moref}`, d.name);
    add({ id: `d:${d.site}/${d.moref}`, parent: `s:${d.site}`, kind: 'datacenter', name: d.name, scope: { site: d.site, kind: 'datacenter', ref: d.moref } });
  }
  for (const c of clusters) add({ id: `c:${c.site}/${c.moref}`, parent: c.datacenter_moref ? `d:${c.site}/${c.datacenter_moref}` : `s:${c.site}`, kind: 'cluster', name: c.name, scope: { site: c.site, kind: 'cluster', ref: c.moref } });
  const hostParent = new Map<string, string>();
  for (const h of hosts) {
    const parent = h.cluster_moref && nodes.has(`c:${h.site}/${h.cluster_moref}`) ? `c:${h.site}/${h.cluster_moref}` : h.datacenter_moref ? `d:${h.site}/${h.datacenter_moref}` : `s:${h.site}`;
    hostParent.set(`${h.site}/${h.moref}`, parent);
    add({ id: `h:${h.site}/${h.moref}`, parent, kind: 'host', name: h.name, scope: { site: h.site, kind: 'host', ref: h.moref } });
  }
  const bump = (id: string | null, field: 'vms' | 'hosts', n: number): void => {
    for (let at = id, guard = 0; at && guard < 64; guard++) {
      const node = nodes.get(at);
      if (!node) return;
      node[field] += n;
      at = node.parent;
    }
  };
  for (const h of hosts) bump(`h:${h.site}/${h.moref}`, 'hosts', 1);
  // VM folders: "DC0/vm/prod/web" -> nodes DC0/vm, DC0/vm/prod, DC0/vm/prod/web under the site's datacenter named DC0.
  const dcByName = new Map<string, string>();
  for (const d of dcs) dcByName.set(`${d.site}/${d.name}`, `d:${d.site}/${d.moref}`);
  for (const c of counts) {
    if (c.host_moref && nodes.has(`h:${c.site}/${c.host_moref}`)) bump(`h:${c.site}/${c.host_moref}`, 'vms', c.n);
    else bump(`s:${c.site}`, 'vms', c.n);
    if (!c.folder_path) continue;
    const parts = c.folder_path.split('/');
    const dcNode = dcByName.get(`${c.site}/${parts[0]}`);
    let parent = dcNode ?? `s:${c.site}`;
    for (let i = 2; i <= parts.length; i++) {
      const path = parts.slice(0, i).join('/');
      const id = `f:${c.site}/${path}`;
      if (!nodes.has(id)) add({ id, parent, kind: 'folder', name: parts[i - 1]!, scope: { site: c.site, kind: 'folder', ref: path } });
      nodes.get(id)!.vms += c.n;
      parent = id;
    }
  }
  return [...nodes.values()];
}
