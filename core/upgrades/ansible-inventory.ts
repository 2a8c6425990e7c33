import { createHash } from 'node:crypto';
import { stringify } from 'yaml';
import { OutpostError } from '../contract/errors.js';

/** The facts an Ansible inventory is built from (the inventory database fills these). */
export interface InventorySnapshot {
  sites: {
    name: string;
    clusters: { name: string; hosts: InventoryHost[] }[];
    /** Hosts outside any cluster. */
    standaloneHosts: InventoryHost[];
  }[];
  /** Guests enrolled by Outpost: reached through their public (NAT) address. */
  enrolledVms: { name: string; site: string; publicIp: string; privateIp: string; osFamily: 'linux' | 'windows'; user?: string }[];
  /** Operator-defined groups of host or VM names. */
  groups?: Record<string, string[]>;
}

export interface InventoryHost {
  name: string;
  address: string | null;
  build: string | null;
  version: string | null;
}

type Vars = Record<string, string | number | boolean>;

/** Ansible group names: letters, digits and underscores, not starting with a digit. */
export function groupName(prefix: string, name: string): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return `${prefix}_${cleaned || 'unnamed'}`;
}

/**
 * Group names for many source names under one prefix, never merging two distinct sources:
 * cleaning is lossy ("Prod Cluster ü #1" and "Prod-Cluster #1" both clean to prod_cluster_1), and
 * a play aimed at one group must not reach the other's hosts. A name that only one source cleans
 * to stays as it is (existing plays keep working); names two or more sources clean to get a short
 * hash of their own source name (the same on every export while the collision lasts).
 */
export function uniqueGroupNames(prefix: string, sources: readonly { key: string; text: string }[]): Map<string, string> {
  const byBase = new Map<string, Set<string>>();
  for (const s of sources) {
    const base = groupName(prefix, s.text);
    byBase.set(base, (byBase.get(base) ?? new Set()).add(s.key));
  }
  const names = new Map<string, string>();
  for (const s of sources) {
    const base = groupName(prefix, s.text);
    names.set(s.key, byBase.get(base)!.size > 1 ? `${base}_${createHash('sha256').update(s.key).digest('hex').slice(0, 6)}` : base);
  }
  return names;
}

interface Group {
  hosts: Map<string, Vars>;
  children: Set<string>;
}

/** The inventory as groups (shared by the INI and YAML writers so both say the same thing). */
function buildGroups(s: InventorySnapshot): Map<string, Group> {
  const groups = new Map<string, Group>();
  const group = (name: string): Group => {
    let g = groups.get(name);
    if (!g) groups.set(name, (g = { hosts: new Map(), children: new Set() }));
    return g;
  };
  const hostVars = (h: InventoryHost, site: string): Vars => ({
    ...(h.address ? { ansible_host: h.address } : {}),
    ...(h.version ? { outpost_esxi_version: h.version } : {}),
    ...(h.build ? { outpost_esxi_build: h.build } : {}),
    outpost_site: site,
  });
  const clusterKey = (site: string, cluster: string): string => JSON.stringify([site, cluster]);
  const siteNames = uniqueGroupNames('site', s.sites.map((site) => ({ key: site.name, text: site.name })));
  const clusterNames = uniqueGroupNames(
    'cluster',
    s.sites.flatMap((site) => site.clusters.map((c) => ({ key: clusterKey(site.name, c.name), text: `${site.name}_${c.name}` }))),
  );
  const customNames = uniqueGroupNames('group', Object.keys(s.groups ?? {}).map((name) => ({ key: name, text: name })));
  group('esxi_hosts');
  for (const site of s.sites) {
    const siteGroup = siteNames.get(site.name)!;
    group(siteGroup);
    for (const c of site.clusters) {
      const clusterGroup = clusterNames.get(clusterKey(site.name, c.name))!;
      group(siteGroup).children.add(clusterGroup);
      for (const h of c.hosts) {
        group(clusterGroup).hosts.set(h.name, { ...hostVars(h, site.name), outpost_cluster: c.name });
        group('esxi_hosts').hosts.set(h.name, {});
      }
    }
    for (const h of site.standaloneHosts) {
      group(siteGroup).hosts.set(h.name, hostVars(h, site.name));
      group('esxi_hosts').hosts.set(h.name, {});
    }
  }
  if (s.enrolledVms.length) {
    for (const vm of s.enrolledVms) {
      const family = groupName('enrolled', vm.osFamily);
      group('enrolled_vms').children.add(family);
      group(family).hosts.set(vm.name, {
        ansible_host: vm.publicIp,
        outpost_private_ip: vm.privateIp,
        outpost_site: vm.site,
        ...(vm.user ? { ansible_user: vm.user } : {}),
        ...(vm.osFamily === 'windows' ? { ansible_connection: 'winrm', ansible_winrm_transport: 'ntlm' } : {}),
      });
    }
  }
  for (const [name, members] of Object.entries(s.groups ?? {})) {
    const g = group(customNames.get(name)!);
    for (const m of members) g.hosts.set(m, {});
  }
  return groups;
}

/**
 * INI values are split like a shell line (one level of quotes goes) and then read as Python
 * literals: a build number would become an int in INI but stay a string in YAML. Strings that
 * read as literals get a second level of quotes so both formats give the same inventory.
 */
const LITERAL_LOOKING = /^[-+]?(\d[\d_]*)?(\.\d*)?([eE][-+]?\d+)?$|^(True|False|None)$|^[[{('"]/;

function iniValue(v: string | number | boolean): string {
  if (typeof v !== 'string') return String(v);
  return LITERAL_LOOKING.test(v) && !v.includes("'") ? `'${JSON.stringify(v)}'` : JSON.stringify(v);
}

const varsText = (vars: Vars): string =>
  Object.entries(vars)
    .map(([k, v]) => `${k}=${iniValue(v)}`)
    .join(' ');

export function ansibleInventoryIni(s: InventorySnapshot): string {
  const lines: string[] = ['# Ansible inventory written by Outpost'];
  for (const [name, g] of [...buildGroups(s)].sort(([a], [b]) => a.localeCompare(b))) {
    if (g.hosts.size) {
      lines.push('', `[${name}]`);
      for (const [host, vars] of [...g.hosts].sort(([a], [b]) => a.localeCompare(b))) lines.push(Object.keys(vars).length ? `${host} ${varsText(vars)}` : host);
    }
    if (g.children.size) {
      lines.push('', `[${name}:children]`, ...[...g.children].sort());
    }
  }
  return `${lines.join('\n')}\n`;
}

export function ansibleInventoryYaml(s: InventorySnapshot): string {
  const groups = buildGroups(s);
  const children: Record<string, unknown> = {};
  const render = (name: string): Record<string, unknown> => {
    const g = groups.get(name)!;
    const out: Record<string, unknown> = {};
    if (g.hosts.size) out.hosts = Object.fromEntries([...g.hosts].sort(([a], [b]) => a.localeCompare(b)).map(([h, v]) => [h, Object.keys(v).length ? v : null]));
    if (g.children.size) out.children = Object.fromEntries([...g.children].sort().map((c) => [c, render(c)]));
    return out;
  };
  const nested = new Set([...groups.values()].flatMap((g) => [...g.children]));
  for (const name of [...groups.keys()].sort()) if (!nested.has(name)) children[name] = render(name);
  return `# Ansible inventory written by Outpost\n${stringify({ all: { children } })}`;
}

export function ansibleInventory(s: InventorySnapshot, format: 'ini' | 'yaml'): string {
  if (format !== 'ini' && format !== 'yaml') throw new OutpostError('VALIDATION', 'Format is ini or yaml.');
  return format === 'ini' ? ansibleInventoryIni(s) : ansibleInventoryYaml(s);
}
