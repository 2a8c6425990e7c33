import { OutpostError } from '../contract/errors.js';
import { addressFrom, contains, parseAddress, parseNetwork } from '../ipam/ip-address.js';

export interface HostEntry {
  ip: string;
  names: string[];
}

export const HOSTS_BEGIN = '# BEGIN outpost-managed entries (do not edit inside this block)';
export const HOSTS_END = '# END outpost-managed entries';

const NAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/**
 * Reads a pasted list: one service per line, an address and one or more names in either order
 * ("54.165.170.148 keystone.amazon", "keystone 192.168.100.12"); '#' starts a comment.
 */
export function parseHostList(text: string): HostEntry[] {
  const entries: HostEntry[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.replace(/#.*/, '').trim();
    if (!line) return;
    const words = line.split(/\s+/);
    const ips = words.filter((w) => {
      try {
        parseAddress(w);
        return true;
      } catch {
        return false;
      }
    });
    if (ips.length !== 1) throw new OutpostError('VALIDATION', `Line ${i + 1}: expected one IP address and at least one name, got "${raw.trim()}".`);
    const names = words.filter((w) => w !== ips[0]);
    const bad = names.find((n) => !NAME.test(n));
    if (names.length === 0 || bad) throw new OutpostError('VALIDATION', `Line ${i + 1}: ${bad ? `"${bad}" is not a host name` : 'no host name'}.`);
    entries.push({ ip: parseAddress(ips[0]!).text, names });
  });
  return entries;
}

/** Rewrites addresses inside `subnet` to the same offset in `toPrefix` (the NETMAP a client uses). */
export function mapEntries(entries: HostEntry[], subnet: string, toPrefix: string): HostEntry[] {
  const from = parseNetwork(subnet);
  const to = parseNetwork(toPrefix);
  if (from.family !== to.family || from.prefix !== to.prefix) throw new OutpostError('VALIDATION', `${subnet} and ${toPrefix} must be the same size to map address for address.`);
  return entries.map((e) => {
    const ip = parseAddress(e.ip);
    return contains(from, ip) ? { ip: addressFrom(to.network + (ip.value - from.network), to.family).text, names: e.names } : e;
  });
}

export function renderHostsBlock(entries: HostEntry[]): string {
  const width = Math.max(15, ...entries.map((e) => e.ip.length));
  return [HOSTS_BEGIN, ...entries.map((e) => `${e.ip.padEnd(width)}  ${e.names.join(' ')}`), HOSTS_END].join('\n');
}

/** Replaces Outpost's block in a hosts file's text (or appends it); everything else is kept byte for byte. */
export function mergeHostsFile(existing: string, entries: HostEntry[]): string {
  const block = renderHostsBlock(entries);
  const begin = existing.indexOf(HOSTS_BEGIN);
  const end = existing.indexOf(HOSTS_END);
  if (begin >= 0 && end > begin) return existing.slice(0, begin) + block + existing.slice(end + HOSTS_END.length);
  if (begin >= 0 || end >= 0) throw new OutpostError('CONFLICT', 'The hosts file has half an Outpost block (a BEGIN or END marker alone); fix it by hand first.');
  const sep = existing.length === 0 || existing.endsWith('\n') ? '' : '\n';
  return `${existing}${sep}${block}\n`;
}

/** One VM picked from the inventory, with the address chosen for it (guest IP, or its NAT'd public IP). */
export interface VmHostFacts {
  /** site/name, for messages. */
  label: string;
  vmName: string;
  /** The guest's own host name as VMware Tools reports it (may be an FQDN), if any. */
  guestHostName: string | null;
  address: string;
}

/**
 * Hosts entries for picked VMs: the guest host name first (the name the machine answers to), its
 * short form when it is an FQDN, then the VM name, each kept only when it is a valid host name
 * ("web 01" is not) and not already listed. Two VMs claiming one name is an error: the file would
 * resolve it to whichever comes first, silently.
 */
export function vmHostEntries(vms: readonly VmHostFacts[]): HostEntry[] {
  const owner = new Map<string, string>();
  return vms.map((vm) => {
    const guest = vm.guestHostName?.trim().replace(/\.$/, '') ?? '';
    const candidates = [guest, guest.includes('.') ? guest.split('.')[0]! : '', vm.vmName.trim()];
    const names = [...new Set(candidates.filter((n) => n && NAME.test(n)).map((n) => n.toLowerCase()))];
    if (names.length === 0) throw new OutpostError('VALIDATION', `VM ${vm.label} has no usable host name (its name "${vm.vmName}" is not one and VMware Tools reports no guest host name). Add it with a pasted list instead.`, { vm: vm.label });
    for (const n of names) {
      const other = owner.get(n);
      if (other && other !== vm.label) throw new OutpostError('CONFLICT', `VMs ${other} and ${vm.label} would both be called "${n}"; pick one of them.`, { name: n });
      owner.set(n, vm.label);
    }
    return { ip: parseAddress(vm.address).text, names };
  });
}
