import type { ObjectContent, PropertySpec } from '../vsphere/property-collector.js';
import { asArray, asXml, child, isNode, text, xsiType, type MoRef, type XmlValue } from '../vsphere/xml.js';
import type { InventoryTree } from './inventory-tree.js';

/** The inventory tables and the vSphere types stored in each. */
export type InventoryKind = 'datacenter' | 'cluster' | 'host' | 'network' | 'datastore' | 'vm';

export const TABLES: Record<InventoryKind, string> = {
  datacenter: 'inv_datacenters',
  cluster: 'inv_clusters',
  host: 'inv_hosts',
  network: 'inv_networks',
  datastore: 'inv_datastores',
  vm: 'inv_vms',
};

/** Containers kept only in the in-memory tree (for paths), never stored as rows. */
const TREE_ONLY = new Set(['Folder', 'ComputeResource', 'ResourcePool']);

export function kindOf(type: string): InventoryKind | null {
  switch (type) {
    case 'Datacenter':
      return 'datacenter';
    case 'ClusterComputeResource':
      return 'cluster';
    case 'HostSystem':
      return 'host';
    case 'Network':
    case 'DistributedVirtualPortgroup':
    case 'OpaqueNetwork':
      return 'network';
    case 'Datastore':
      return 'datastore';
    case 'VirtualMachine':
      return 'vm';
    default:
      return null;
  }
}

export const VM_PATHS = [
  'name',
  'parent',
  'config.uuid',
  'config.instanceUuid',
  'config.guestId',
  'config.guestFullName',
  'config.annotation',
  'runtime.powerState',
  'runtime.host',
  'guest.ipAddress',
  'guest.hostName',
  'guest.toolsRunningStatus',
  'guest.net',
  'summary.config.numCpu',
  'summary.config.memorySizeMB',
  // RVTools-grade details (bench/govmomi-inventory reads the same set).
  'resourcePool',
  'config.version',
  'config.hardware.device',
  'guest.toolsVersion',
  'guest.toolsVersionStatus2',
  'snapshot',
  'customValue',
  'runtime.bootTime',
  'summary.storage.committed',
  'summary.storage.uncommitted',
  'summary.quickStats.overallCpuUsage',
  'summary.quickStats.guestMemoryUsage',
  'summary.quickStats.hostMemoryUsage',
  'summary.quickStats.uptimeSeconds',
] as const;

/** Everything but VMs: read first, so VM pages can be given folder paths as they arrive. */
export const STRUCTURE_SPECS: readonly PropertySpec[] = [
  { type: 'Datacenter', paths: ['name', 'parent'] },
  { type: 'Folder', paths: ['name', 'parent'] },
  { type: 'ClusterComputeResource', paths: ['name', 'parent'] },
  { type: 'ComputeResource', paths: ['name', 'parent'] },
  { type: 'ResourcePool', paths: ['name', 'parent'] },
  {
    type: 'HostSystem',
    paths: [
      'name',
      'parent',
      'config.product.version',
      'config.product.build',
      'runtime.connectionState',
      'runtime.inMaintenanceMode',
      'runtime.powerState',
      'summary.hardware.cpuModel',
      'summary.hardware.numCpuCores',
      'summary.hardware.cpuMhz',
      'summary.hardware.memorySize',
      'summary.quickStats.overallCpuUsage',
      'summary.quickStats.overallMemoryUsage',
      'summary.quickStats.uptime',
    ],
  },
  { type: 'Network', paths: ['name', 'parent'] },
  { type: 'DistributedVirtualPortgroup', paths: ['name', 'parent'] },
  { type: 'Datastore', paths: ['name', 'parent', 'summary.type', 'summary.capacity', 'summary.freeSpace', 'summary.accessible', 'summary.uncommitted', 'summary.url'] },
];
export const VM_SPECS: readonly PropertySpec[] = [{ type: 'VirtualMachine', paths: VM_PATHS }];
export const ALL_SPECS: readonly PropertySpec[] = [...STRUCTURE_SPECS, ...VM_SPECS];
export const STRUCTURE_TYPES = STRUCTURE_SPECS.map((s) => s.type);
export const ALL_TYPES = ALL_SPECS.map((s) => s.type);

/** A row as stored: column name -> value. */
export type InventoryRow = Record<string, string | number | null>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : v === undefined || v === null ? null : String(v));
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : typeof v === 'string' && v !== '' && Number.isFinite(Number(v)) ? Number(v) : null);
const bool = (v: unknown): number | null => (typeof v === 'boolean' ? (v ? 1 : 0) : v === 'true' ? 1 : v === 'false' ? 0 : null);
const ref = (v: unknown): MoRef | undefined => (typeof v === 'object' && v !== null && 'type' in v && 'value' in v ? (v as MoRef) : undefined);

/** Every guest address: the primary one first, then those of each NIC, without duplicates. */
export function guestAddresses(primary: unknown, nics: unknown): string[] {
  const all = new Set<string>();
  const p = str(primary);
  if (p) all.add(p);
  for (const nic of Array.isArray(nics) ? nics : []) {
    for (const a of asArray(child(asXml(nic), 'ipAddress'))) {
      const t = text(a);
      if (t) all.add(t);
    }
  }
  return [...all];
}

/** Feeds containers into the tree; returns whether the object is tree-only (not stored). */
export function updateTree(tree: InventoryTree, o: { ref: MoRef; props: Map<string, unknown> }): boolean {
  const { type } = o.ref;
  if (type === 'Folder' || type === 'Datacenter' || type === 'ClusterComputeResource' || type === 'ComputeResource' || type === 'ResourcePool') {
    tree.set(o.ref, str(o.props.get('name')) ?? o.ref.value, ref(o.props.get('parent')));
  }
  return TREE_ONLY.has(type);
}

/** The stored row of one object, or null for types that are not stored. */
export function toRow(o: ObjectContent, tree: InventoryTree): { kind: InventoryKind; row: InventoryRow } | null {
  const kind = kindOf(o.ref.type);
  if (!kind) return null;
  const p = o.props;
  const name = str(p.get('name')) ?? o.ref.value;
  const parent = ref(p.get('parent'))?.value ?? null;
  switch (kind) {
    case 'datacenter':
      return { kind, row: { moref: o.ref.value, name } };
    case 'cluster':
      return { kind, row: { moref: o.ref.value, name, datacenter_moref: tree.datacenterOf(parent) } };
    case 'host': {
      const owner = ref(p.get('parent'));
      return {
        kind,
        row: {
          moref: o.ref.value,
          name,
          cluster_moref: owner?.type === 'ClusterComputeResource' ? owner.value : null,
          datacenter_moref: tree.datacenterOf(parent),
          version: str(p.get('config.product.version')),
          build: str(p.get('config.product.build')),
          connection_state: str(p.get('runtime.connectionState')),
          maintenance: bool(p.get('runtime.inMaintenanceMode')) ?? 0,
          power_state: str(p.get('runtime.powerState')),
          cpu_model: str(p.get('summary.hardware.cpuModel')),
          cpu_cores: num(p.get('summary.hardware.numCpuCores')),
          cpu_mhz: num(p.get('summary.hardware.cpuMhz')),
          memory_bytes: num(p.get('summary.hardware.memorySize')),
          cpu_usage_mhz: num(p.get('summary.quickStats.overallCpuUsage')),
          memory_usage_mb: num(p.get('summary.quickStats.overallMemoryUsage')),
          uptime_seconds: num(p.get('summary.quickStats.uptime')),
        },
      };
    }
    case 'network':
      return { kind, row: { moref: o.ref.value, name, kind: o.ref.type, datacenter_moref: tree.datacenterOf(parent) } };
    case 'datastore':
      return {
        kind,
        row: {
          moref: o.ref.value,
          name,
          type: str(p.get('summary.type')),
          capacity_bytes: num(p.get('summary.capacity')),
          free_bytes: num(p.get('summary.freeSpace')),
          accessible: bool(p.get('summary.accessible')),
          datacenter_moref: tree.datacenterOf(parent),
          uncommitted_bytes: num(p.get('summary.uncommitted')),
          url: str(p.get('summary.url')),
        },
      };
    case 'vm': {
      const addresses = guestAddresses(p.get('guest.ipAddress'), p.get('guest.net'));
      const { disks, nics } = devices(p.get('config.hardware.device'), p.get('guest.net'));
      const snapshots = snapshotList(p.get('snapshot'));
      const committed = num(p.get('summary.storage.committed'));
      const uncommitted = num(p.get('summary.storage.uncommitted'));
      const oldest = snapshots.reduce<string | null>((o, sn) => (sn.createdAt && (o === null || sn.createdAt < o) ? sn.createdAt : o), null);
      return {
        kind,
        row: {
          moref: o.ref.value,
          name,
          uuid: str(p.get('config.uuid')),
          instance_uuid: str(p.get('config.instanceUuid')),
          guest_id: str(p.get('config.guestId')),
          guest_full_name: str(p.get('config.guestFullName')),
          power_state: str(p.get('runtime.powerState')),
          host_moref: ref(p.get('runtime.host'))?.value ?? null,
          ip_address: str(p.get('guest.ipAddress')) || null,
          ip_addresses: addresses.join(' '),
          guest_hostname: str(p.get('guest.hostName')) || null,
          tools_running_status: str(p.get('guest.toolsRunningStatus')),
          num_cpu: num(p.get('summary.config.numCpu')),
          memory_mb: num(p.get('summary.config.memorySizeMB')),
          annotation: str(p.get('config.annotation')),
          folder_path: tree.folderPath(parent),
          resource_pool: tree.nameOf(ref(p.get('resourcePool'))?.value ?? null),
          hw_version: str(p.get('config.version')),
          tools_version: str(p.get('guest.toolsVersion')),
          tools_version_status: str(p.get('guest.toolsVersionStatus2')),
          cpu_usage_mhz: num(p.get('summary.quickStats.overallCpuUsage')),
          guest_memory_usage_mb: num(p.get('summary.quickStats.guestMemoryUsage')),
          host_memory_usage_mb: num(p.get('summary.quickStats.hostMemoryUsage')),
          uptime_seconds: num(p.get('summary.quickStats.uptimeSeconds')),
          boot_time: str(p.get('runtime.bootTime')),
          provisioned_bytes: committed === null ? null : committed + (uncommitted ?? 0),
          used_bytes: committed,
          disk_count: disks.length,
          disk_capacity_bytes: disks.reduce((n, d) => n + (d.capacityBytes ?? 0), 0),
          nic_count: nics.length,
          snapshot_count: snapshots.length,
          snapshot_oldest: oldest,
          disks: JSON.stringify(disks),
          nics: JSON.stringify(nics),
          snapshots: JSON.stringify(snapshots),
          custom_attributes: JSON.stringify(customAttributes(p.get('customValue'), tree.customFields)),
        },
      };
    }
  }
}

/** A VM's virtual disk as stored in inv_vms.disks (JSON). */
export interface VmDisk {
  key: number | null;
  label: string | null;
  capacityBytes: number | null;
  datastore: string | null;
  fileName: string | null;
  /** true thin, false thick, null when the backing does not say (RDM, ...). */
  thin: boolean | null;
  /** For thick disks: eager-zeroed; null when not said. */
  eagerlyScrub: boolean | null;
  mode: string | null;
}

/** A VM's network adapter as stored in inv_vms.nics (JSON). */
export interface VmNic {
  key: number | null;
  label: string | null;
  adapter: string | null;
  /** The network or port group name (guest-reported when the backing names only a port group key). */
  network: string | null;
  portgroupKey: string | null;
  mac: string | null;
  connected: boolean | null;
  startConnected: boolean | null;
  ips: string[];
}

/** A VM's snapshot as stored in inv_vms.snapshots (JSON), tree flattened depth-first. */
export interface VmSnapshot {
  name: string | null;
  description: string | null;
  createdAt: string | null;
  state: string | null;
  current: boolean;
}

/** The text at a path of child elements. */
function at(node: XmlValue | undefined, ...path: string[]): string | undefined {
  let n = node;
  for (const p of path) n = child(Array.isArray(n) ? n[0] : n, p);
  return text(n);
}
const atNum = (node: XmlValue | undefined, ...path: string[]): number | null => num(at(node, ...path));
const atBool = (node: XmlValue | undefined, ...path: string[]): boolean | null => {
  const v = at(node, ...path);
  return v === 'true' ? true : v === 'false' ? false : null;
};
const items = (v: unknown): XmlValue[] => (Array.isArray(v) ? (v as XmlValue[]) : v === undefined || v === null ? [] : asArray(asXml(v)));

/** "[LocalDS_0] vm/disk.vmdk" -> "LocalDS_0". */
function datastoreOfPath(fileName: string | undefined): string | null {
  const m = fileName ? /^\[([^\]]*)\]/.exec(fileName) : null;
  return m ? (m[1] ?? null) : null;
}

/** Disks and NICs of config.hardware.device; NIC addresses come from guest.net (matched by device key). */
export function devices(hardware: unknown, guestNet: unknown): { disks: VmDisk[]; nics: VmNic[] } {
  const guest = new Map<string, { network: string | null; ips: string[] }>();
  for (const g of items(guestNet)) {
    const id = at(g, 'deviceConfigId');
    if (!id) continue;
    guest.set(id, { network: at(g, 'network') ?? null, ips: asArray(child(g, 'ipAddress')).map((a) => text(a) ?? '').filter(Boolean) });
  }
  const disks: VmDisk[] = [];
  const nics: VmNic[] = [];
  for (const d of items(hardware)) {
    if (!isNode(d)) continue;
    const type = xsiType(d) ?? '';
    const key = atNum(d, 'key');
    if (type === 'VirtualDisk') {
      const backing = child(d, 'backing');
      const fileName = at(backing, 'fileName');
      const bytes = atNum(d, 'capacityInBytes') ?? (atNum(d, 'capacityInKB') === null ? null : atNum(d, 'capacityInKB')! * 1024);
      disks.push({
        key,
        label: at(d, 'deviceInfo', 'label') ?? null,
        capacityBytes: bytes,
        datastore: datastoreOfPath(fileName),
        fileName: fileName ?? null,
        thin: atBool(backing, 'thinProvisioned') ?? (child(backing, 'thinProvisioned') === undefined && /FlatVer2|SeSparse|Sparse/.test(xsiType(backing) ?? '') ? false : null),
        eagerlyScrub: atBool(backing, 'eagerlyScrub'),
        mode: at(backing, 'diskMode') ?? null,
      });
    } else if (child(d, 'macAddress') !== undefined || /Ethernet|Vmxnet|E1000|PCNet32|Sriov/.test(type)) {
      const backing = child(d, 'backing');
      const g = key === null ? undefined : guest.get(String(key));
      nics.push({
        key,
        label: at(d, 'deviceInfo', 'label') ?? null,
        adapter: type.replace(/^Virtual/, '') || null,
        network: at(backing, 'deviceName') ?? at(backing, 'opaqueNetworkId') ?? g?.network ?? null,
        portgroupKey: at(backing, 'port', 'portgroupKey') ?? null,
        mac: at(d, 'macAddress') ?? null,
        connected: atBool(d, 'connectable', 'connected'),
        startConnected: atBool(d, 'connectable', 'startConnected'),
        ips: g?.ips ?? [],
      });
    }
  }
  return { disks, nics };
}

/** Every snapshot of a VM's snapshot tree, parents before children. */
export function snapshotList(info: unknown): VmSnapshot[] {
  const node = asXml(info);
  if (!isNode(node)) return [];
  const current = at(node, 'currentSnapshot');
  const out: VmSnapshot[] = [];
  const walk = (list: XmlValue | undefined, depth: number): void => {
    if (depth > 256) return;
    for (const s of asArray(list)) {
      out.push({
        name: at(s, 'name') ?? null,
        description: at(s, 'description') || null,
        createdAt: at(s, 'createTime') ?? null,
        state: at(s, 'state') ?? null,
        current: current !== undefined && at(s, 'snapshot') === current,
      });
      walk(child(s, 'childSnapshotList'), depth + 1);
    }
  };
  walk(child(node, 'rootSnapshotList'), 0);
  return out;
}

/** customValue as {attribute name: value}; a key without a known definition is kept by its number. */
export function customAttributes(values: unknown, names: ReadonlyMap<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of items(values)) {
    const key = at(v, 'key');
    if (key === undefined) continue;
    out[names.get(key) ?? `#${key}`] = at(v, 'value') ?? '';
  }
  return out;
}

/** CustomFieldsManager.field as key -> name. */
export function customFieldNames(fields: unknown): Map<string, string> {
  const out = new Map<string, string>();
  for (const f of items(fields)) {
    const key = at(f, 'key');
    const name = at(f, 'name');
    if (key !== undefined && name) out.set(key, name);
  }
  return out;
}
