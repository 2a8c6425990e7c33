import { networkInterfaces } from 'node:os';
import ipaddr from 'ipaddr.js';
import { OutpostError } from '../contract/errors.js';
import type { VmSummary } from '../contract/inventory.js';
import type { VmAddressMode } from '../contract/settings.js';

/** The address to reach a VM's guest at privately: its primary IPv4, else any routable address VMware Tools reports. */
export function guestAddress(vm: Pick<VmSummary, 'ipAddress' | 'ipAddresses' | 'name'>): string {
  const all = [vm.ipAddress, ...vm.ipAddresses].filter((a): a is string => !!a);
  const usable = all.filter((a) => !a.startsWith('169.254.') && !/^fe80:/i.test(a) && a !== '127.0.0.1' && a !== '::1');
  const address = usable.find((a) => !a.includes(':')) ?? usable[0];
  if (!address) throw new OutpostError('VALIDATION', `VM ${vm.name} reports no guest IP address. Is VMware Tools running in it? Connect to a saved host instead.`);
  return address;
}

/** One address of the workstation with the network it sits on (os.networkInterfaces' `cidr`). */
export interface WorkstationAddress {
  address: string;
  cidr: string | null;
}

/** The workstation's own non-loopback addresses, as the OS reports them now. */
export function workstationAddresses(): WorkstationAddress[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal)
    .map((i) => ({ address: i.address, cidr: i.cidr }));
}

const parse = (text: string): ipaddr.IPv4 | ipaddr.IPv6 | null => {
  try {
    const a = ipaddr.parse(text.replace(/%.*$/, ''));
    // An IPv4-mapped IPv6 address is the IPv4 address (match() needs both sides in one family).
    return a.kind() === 'ipv6' && (a as ipaddr.IPv6).isIPv4MappedAddress() ? (a as ipaddr.IPv6).toIPv4Address() : a;
  } catch {
    return null;
  }
};

const cidrOf = (text: string): [ipaddr.IPv4 | ipaddr.IPv6, number] | null => {
  try {
    return ipaddr.parseCIDR(text);
  } catch {
    return null;
  }
};

const inNetwork = (address: string, cidr: string): boolean => {
  const a = parse(address);
  const net = cidrOf(cidr);
  return !!a && !!net && a.kind() === net[0].kind() && a.match(net);
};

/**
 * Whether the workstation is outside a site. It is INSIDE when one of its own addresses lies in one
 * of the site's private networks (the IPAM private pools scoped to the site), or when the VM's private
 * address is on one of the workstation's own networks (same link). Otherwise it is outside: it can
 * only reach the site's VMs through the firewall, by their public (NAT) addresses.
 */
export function workstationOutsideSite(input: { sitePrivateNetworks: readonly string[]; workstation: readonly WorkstationAddress[]; privateAddress: string | null }): boolean {
  for (const w of input.workstation) {
    if (input.sitePrivateNetworks.some((net) => inNetwork(w.address, net))) return false;
    if (input.privateAddress && w.cidr && inNetwork(input.privateAddress, w.cidr)) return false;
  }
  return true;
}

export interface VmAddressInput {
  site: string;
  vm: Pick<VmSummary, 'ipAddress' | 'ipAddresses' | 'name'>;
  /** The public address NAT'd to the VM (its active CMDB record), null when it is not enrolled or has none. */
  publicIp: string | null;
  /** The private address the CMDB recorded at enrollment: used when VMware Tools reports none now. */
  cmdbPrivateIp?: string | null;
  /** The site's setting (settings.vmAddress[site], default auto). */
  mode: VmAddressMode;
  /** Only read for `auto`. */
  sitePrivateNetworks: readonly string[];
  workstation: readonly WorkstationAddress[];
}

export interface VmAddress {
  address: string;
  via: 'public' | 'private';
  /** Why this address, in words for a log line or a tooltip. */
  reason: string;
}

/**
 * Which address reaches a VM: the public (NAT) one or the private one, as the site's setting says.
 * `auto` takes the public address when the workstation is outside the site (workstationOutsideSite)
 * and the VM has one; a VM that is not enrolled has only its private address.
 */
export function resolveVmAddress(input: VmAddressInput): VmAddress {
  const label = `${input.site}/${input.vm.name}`;
  let privateAddress: string | null;
  try {
    privateAddress = guestAddress(input.vm);
  } catch (err) {
    privateAddress = input.cmdbPrivateIp ?? null;
    if (!privateAddress && !input.publicIp) throw err;
  }
  const usePrivate = (reason: string): VmAddress => {
    if (!privateAddress) throw new OutpostError('VALIDATION', `VM ${label} reports no private IP address (is VMware Tools running in it?). Set the site's VM address to public to reach it by ${input.publicIp ?? 'its NAT address'}.`, { vm: label });
    return { address: privateAddress, via: 'private', reason };
  };
  switch (input.mode) {
    case 'private':
      return usePrivate(`site ${input.site} reaches VMs by their private address`);
    case 'public':
      if (!input.publicIp) throw new OutpostError('VALIDATION', `VM ${label} has no public (NAT) address: it is not enrolled. Enroll it, or set site ${input.site}'s VM address to private or auto.`, { vm: label });
      return { address: input.publicIp, via: 'public', reason: `site ${input.site} reaches VMs by their public (NAT) address` };
    case 'auto': {
      if (!input.publicIp) return usePrivate('not enrolled: no public (NAT) address');
      if (!privateAddress) return { address: input.publicIp, via: 'public', reason: 'no private address reported' };
      const outside = workstationOutsideSite({ sitePrivateNetworks: input.sitePrivateNetworks, workstation: input.workstation, privateAddress });
      return outside
        ? { address: input.publicIp, via: 'public', reason: `this workstation is outside site ${input.site}` }
        : { address: privateAddress, via: 'private', reason: `this workstation is inside site ${input.site}` };
    }
  }
}

/** What the resolver reads, wired by the composition root (the CMDB and IPAM are domains above this layer). */
export interface VmAddressSources {
  /** settings.vmAddress[site] (auto when unset). */
  mode(site: string): Promise<VmAddressMode>;
  /** The VM's active CMDB record's addresses, or null when it is not enrolled. */
  enrolled(site: string, moref: string): Promise<{ publicIp: string | null; privateIp: string | null } | null>;
  /** CIDRs of the site's private IPAM pools. */
  sitePrivateNetworks(site: string): Promise<string[]>;
  workstation?(): WorkstationAddress[];
}

/** resolveVmAddress with its inputs read from the store: the one answer terminals, fan-out, RDP and checks use. */
export class VmAddressResolver {
  constructor(private readonly sources: VmAddressSources) {}

  async resolve(site: string, vm: Pick<VmSummary, 'ipAddress' | 'ipAddresses' | 'name' | 'moref'>): Promise<VmAddress> {
    const [mode, enrolled] = await Promise.all([this.sources.mode(site), this.sources.enrolled(site, vm.moref)]);
    const networks = mode === 'auto' && enrolled?.publicIp ? await this.sources.sitePrivateNetworks(site) : [];
    return resolveVmAddress({
      site,
      vm,
      publicIp: enrolled?.publicIp ?? null,
      cmdbPrivateIp: enrolled?.privateIp ?? null,
      mode,
      sitePrivateNetworks: networks,
      workstation: mode === 'auto' ? (this.sources.workstation ?? workstationAddresses)() : [],
    });
  }
}
