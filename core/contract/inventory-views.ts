import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';
import { siteName } from './names.js';

/**
 * The inventory views in the spirit of RVTools' tabs: each names its columns once, here, so the
 * table, the column chooser, the CSV/xlsx export (UI and `outpost inventory export`) agree.
 * vDisk, vNetwork and vSnapshot have one row per disk, NIC or snapshot; vHost and vDatastore one
 * per host or datastore; the rest one per VM.
 */
export const inventoryViewIds = ['vinfo', 'vcpu', 'vmemory', 'vdisk', 'vnetwork', 'vsnapshot', 'vhost', 'vdatastore'] as const;
export type InventoryViewId = (typeof inventoryViewIds)[number];
export const inventoryViewIdSchema = z.enum(inventoryViewIds);

export type ViewCellKind = 'text' | 'number' | 'bool';
export interface ViewColumn {
  id: string;
  label: string;
  kind: ViewCellKind;
  /** Shown before the operator chooses columns. */
  default: boolean;
}

const t = (id: string, label: string, def = true): ViewColumn => ({ id, label, kind: 'text', default: def });
const n = (id: string, label: string, def = true): ViewColumn => ({ id, label, kind: 'number', default: def });
const b = (id: string, label: string, def = true): ViewColumn => ({ id, label, kind: 'bool', default: def });

const vmHead = [t('vm', 'VM'), t('powerState', 'Powerstate'), t('site', 'Site', false), t('datacenter', 'Datacenter', false), t('cluster', 'Cluster'), t('host', 'Host')];

export const inventoryViews: Record<InventoryViewId, { label: string; columns: readonly ViewColumn[] }> = {
  vinfo: {
    label: 'vInfo',
    columns: [
      ...vmHead,
      t('folder', 'Folder'),
      t('resourcePool', 'Resource pool', false),
      t('guestOs', 'OS'),
      t('ipAddress', 'Primary IP'),
      t('ipAddresses', 'IP addresses', false),
      t('dnsName', 'DNS name'),
      n('cpus', 'CPUs'),
      n('memoryMB', 'Memory MiB'),
      n('nics', 'NICs', false),
      n('disks', 'Disks', false),
      n('provisionedMiB', 'Provisioned MiB'),
      n('inUseMiB', 'In use MiB'),
      n('snapshots', 'Snapshots', false),
      t('toolsStatus', 'Tools', false),
      t('toolsVersion', 'Tools version', false),
      t('hwVersion', 'HW version', false),
      n('uptimeSeconds', 'Uptime s', false),
      t('bootTime', 'Boot time', false),
      t('annotation', 'Annotation'),
      t('customAttributes', 'Custom attributes', false),
      t('uuid', 'VM UUID', false),
      t('instanceUuid', 'Instance UUID', false),
      t('moref', 'VM ID', false),
    ],
  },
  vcpu: { label: 'vCPU', columns: [...vmHead, n('cpus', 'CPUs'), n('cpuUsageMhz', 'Overall MHz'), t('guestOs', 'OS'), t('annotation', 'Annotation', false)] },
  vmemory: {
    label: 'vMemory',
    columns: [...vmHead, n('memoryMB', 'Size MiB'), n('guestMemoryUsageMiB', 'Active (guest) MiB'), n('hostMemoryUsageMiB', 'Consumed (host) MiB'), t('guestOs', 'OS', false)],
  },
  vdisk: {
    label: 'vDisk',
    columns: [...vmHead, t('disk', 'Disk'), n('capacityMiB', 'Capacity MiB'), t('datastore', 'Datastore'), b('thin', 'Thin'), b('eagerlyScrub', 'Eager zeroed', false), t('diskMode', 'Disk mode', false), t('path', 'Path')],
  },
  vnetwork: {
    label: 'vNetwork',
    columns: [...vmHead, t('nic', 'NIC'), t('adapter', 'Adapter'), t('network', 'Network'), t('mac', 'MAC'), b('connected', 'Connected'), b('startsConnected', 'Starts connected', false), t('ips', 'IP addresses')],
  },
  vsnapshot: {
    label: 'vSnapshot',
    columns: [...vmHead, t('snapshot', 'Name'), t('description', 'Description'), t('createdAt', 'Date / time'), n('ageDays', 'Age days'), t('state', 'State', false), b('current', 'Current', false)],
  },
  vhost: {
    label: 'vHost',
    columns: [
      t('host', 'Host'),
      t('site', 'Site', false),
      t('datacenter', 'Datacenter'),
      t('cluster', 'Cluster'),
      t('connectionState', 'Connection'),
      b('maintenance', 'Maintenance'),
      t('version', 'ESX version'),
      t('build', 'Build', false),
      t('cpuModel', 'CPU model', false),
      n('cores', 'Cores'),
      n('cpuMhz', 'MHz per core', false),
      n('cpuUsageMhz', 'CPU usage MHz'),
      n('cpuUsagePct', 'CPU usage %'),
      n('memoryMiB', 'Memory MiB'),
      n('memoryUsageMiB', 'Memory usage MiB'),
      n('memoryUsagePct', 'Memory usage %'),
      n('vms', 'VMs'),
      n('uptimeSeconds', 'Uptime s', false),
    ],
  },
  vdatastore: {
    label: 'vDatastore',
    columns: [
      t('datastore', 'Name'),
      t('site', 'Site', false),
      t('datacenter', 'Datacenter'),
      t('type', 'Type'),
      b('accessible', 'Accessible'),
      n('capacityMiB', 'Capacity MiB'),
      n('provisionedMiB', 'Provisioned MiB'),
      n('inUseMiB', 'In use MiB'),
      n('freeMiB', 'Free MiB'),
      n('freePct', 'Free %'),
      t('url', 'URL', false),
    ],
  },
};

export const viewCellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type ViewCell = z.infer<typeof viewCellSchema>;

/** What part of the estate a view shows: the navigation tree's selection. */
export const inventoryScopeSchema = z
  .object({
    site: siteName,
    kind: z.enum(['site', 'datacenter', 'cluster', 'host', 'folder']),
    /** The moref (datacenter, cluster, host) or the folder path ("DC0/vm/prod"); ignored for a site. */
    ref: z.string().max(4096).default(''),
  })
  .strict();
export type InventoryScope = z.infer<typeof inventoryScopeSchema>;

export const inventoryTreeNodeSchema = z.object({
  id: z.string(),
  parent: z.string().nullable(),
  kind: z.enum(['site', 'datacenter', 'cluster', 'host', 'folder']),
  name: z.string(),
  scope: inventoryScopeSchema,
  /** Live VMs at or below the node. */
  vms: z.number().int(),
  /** Hosts at or below (sites, datacenters, clusters). */
  hosts: z.number().int(),
});
export type InventoryTreeNode = z.infer<typeof inventoryTreeNodeSchema>;

const viewQuery = z
  .object({
    view: inventoryViewIdSchema,
    site: siteName.optional(),
    scope: inventoryScopeSchema.optional(),
  })
  .strict();

export const inventoryViewCommands = {
  'inventory.tree': {
    summary: 'The navigation tree: sites, datacenters, clusters, hosts and VM folders with VM counts',
    input: z.object({ site: siteName.optional() }).strict(),
    output: z.array(inventoryTreeNodeSchema),
  },
  'inventory.view': {
    summary: 'Rows of an RVTools-style view (vInfo, vCPU, vMemory, vDisk, vNetwork, vSnapshot, vHost, vDatastore), every column, up to limit',
    input: viewQuery.extend({ limit: z.number().int().min(1).max(20_000).default(2_000) }).strict(),
    output: z.object({ columns: z.array(z.string()), rows: z.array(z.array(viewCellSchema)), total: z.number().int(), truncated: z.boolean() }),
  },
  'inventory.export': {
    summary: 'A whole view as a CSV or .xlsx file (base64), with the chosen columns in the chosen order',
    input: viewQuery.extend({ format: z.enum(['csv', 'xlsx']), columns: z.array(z.string().max(64)).max(100).optional() }).strict(),
    output: z.object({ fileName: z.string(), mime: z.string(), base64: z.string(), rows: z.number().int() }),
  },
} as const satisfies Record<string, CommandSpec>;
