/** Every place in the console. The order here is the order in the navigation. */
export const viewIds = [
  'inventory',
  'events',
  'enrollment',
  'networking',
  'nat-ipam',
  'host-upgrades',
  'terminals',
  'certificates',
  'client-helpers',
  'procedures',
  'audit',
  'settings',
] as const;

export type ViewId = (typeof viewIds)[number];

export interface ViewTarget {
  id: ViewId;
  label: string;
  /** Second key of the "g then key" shortcut (g i = Inventory). */
  key: string;
  group: 'Estate' | 'Network' | 'Hosts' | 'Operations' | 'Console';
  /** Extra words the command palette matches on. */
  keywords: string;
}

export const viewTargets: readonly ViewTarget[] = [
  { id: 'inventory', label: 'Inventory', key: 'i', group: 'Estate', keywords: 'vcenter sites vms hosts datastores' },
  { id: 'events', label: 'Events', key: 'v', group: 'Estate', keywords: 'vcenter events who powered off reconfigured deleted renamed user timeline' },
  { id: 'enrollment', label: 'Enrollment', key: 'e', group: 'Estate', keywords: 'enroll offboard guest' },
  { id: 'networking', label: 'Networking', key: 'n', group: 'Network', keywords: 'vlan portgroup switch' },
  { id: 'nat-ipam', label: 'NAT & IPAM', key: 'a', group: 'Network', keywords: 'nat ipam address pool firewall public ip' },
  { id: 'host-upgrades', label: 'Host upgrades', key: 'u', group: 'Hosts', keywords: 'esxi upgrade patch maintenance' },
  { id: 'terminals', label: 'Terminals', key: 't', group: 'Hosts', keywords: 'ssh winrm shell console' },
  { id: 'certificates', label: 'Certificates', key: 'c', group: 'Hosts', keywords: 'tls trust ca fingerprint' },
  { id: 'client-helpers', label: 'Client helpers', key: 'h', group: 'Hosts', keywords: 'iptables nft hosts entries preflight' },
  { id: 'procedures', label: 'Procedures', key: 'p', group: 'Operations', keywords: 'runs jobs steps rollback' },
  { id: 'audit', label: 'Audit log', key: 'l', group: 'Operations', keywords: 'history who did what' },
  { id: 'settings', label: 'Settings', key: 's', group: 'Console', keywords: 'preferences theme operator about version' },
];

export function isViewId(value: string): value is ViewId {
  return (viewIds as readonly string[]).includes(value);
}

export function viewTarget(id: ViewId): ViewTarget {
  const target = viewTargets.find((t) => t.id === id);
  if (!target) throw new Error(`No navigation target for ${id}`);
  return target;
}

export function viewForKey(key: string): ViewTarget | undefined {
  return viewTargets.find((t) => t.key === key.toLowerCase());
}
