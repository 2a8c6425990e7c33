import type { ObjectContent, PropertySpec } from '../vsphere/property-collector.js';
import { asArray, asXml, child, text, type MoRef } from '../vsphere/xml.js';
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
const TREE_ONLY = new Set(['Folder', 'ComputeResource']);

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
] as const;

/** Everything but VMs: read first, so VM pages can be given folder paths as they arrive. */
export const STRUCTURE_SPECS: readonly PropertySpec[] = [
  { type: 'Datacenter', paths: ['name', 'parent'] },
  { type: 'Folder', paths: ['name', 'parent'] },
  { type: 'ClusterComputeResource', paths: ['name', 'parent'] },
  { type: 'ComputeResource', paths: ['name', 'parent'] },
  { type: 'HostSystem', paths: ['name', 'parent', 'config.product.version', 'config.product.build', 'runtime.connectionState', 'runtime.inMaintenanceMode', 'runtime.powerState'] },
  { type: 'Network', paths: ['name', 'parent'] },
  { type: 'DistributedVirtualPortgroup', paths: ['name', 'parent'] },
  { type: 'Datastore', paths: ['name', 'parent', 'summary.type', 'summary.capacity', 'summary.freeSpace', 'summary.accessible'] },
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
  if (type === 'Folder' || type === 'Datacenter' || type === 'ClusterComputeResource' || type === 'ComputeResource') {
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
        },
      };
    case 'vm': {
      const addresses = guestAddresses(p.get('guest.ipAddress'), p.get('guest.net'));
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
        },
      };
    }
  }
}
