import { describe, expect, it } from 'vitest';
import { resolveVmAddress, VmAddressResolver, workstationOutsideSite, type VmAddressInput } from './vm-address.js';

const vm = { name: 'web1', moref: 'vm-1', ipAddress: '10.20.0.5', ipAddresses: ['10.20.0.5', 'fe80::1'] };
const base: VmAddressInput = { site: 'dc1', vm, publicIp: '203.0.113.5', mode: 'auto', sitePrivateNetworks: ['10.20.0.0/16'], workstation: [] };
const outside = [{ address: '192.0.2.7', cidr: '192.0.2.0/24' }];
const inside = [{ address: '10.20.9.1', cidr: '10.20.9.0/24' }];

describe('resolveVmAddress: public (NAT) or private, as the site says', () => {
  it('auto: public when the workstation is outside the site, private when inside', () => {
    expect(resolveVmAddress({ ...base, workstation: outside })).toMatchObject({ address: '203.0.113.5', via: 'public' });
    expect(resolveVmAddress({ ...base, workstation: inside })).toMatchObject({ address: '10.20.0.5', via: 'private' });
    // No IPAM pool for the site, but the VM is on the workstation's own link: inside.
    expect(resolveVmAddress({ ...base, sitePrivateNetworks: [], workstation: [{ address: '10.20.0.99', cidr: '10.20.0.0/24' }] })).toMatchObject({ via: 'private' });
    expect(resolveVmAddress({ ...base, sitePrivateNetworks: [], workstation: outside })).toMatchObject({ via: 'public' });
  });

  it('auto: a VM that is not enrolled has only its private address', () => {
    expect(resolveVmAddress({ ...base, publicIp: null, workstation: outside })).toMatchObject({ address: '10.20.0.5', via: 'private' });
  });

  it('public and private obey the setting, with a clear error when the address is missing', () => {
    expect(resolveVmAddress({ ...base, mode: 'public', workstation: inside })).toMatchObject({ address: '203.0.113.5', via: 'public' });
    expect(resolveVmAddress({ ...base, mode: 'private', workstation: outside })).toMatchObject({ address: '10.20.0.5', via: 'private' });
    expect(() => resolveVmAddress({ ...base, mode: 'public', publicIp: null })).toThrow(/no public \(NAT\) address: it is not enrolled/);
    const noTools = { ...vm, ipAddress: null, ipAddresses: [] };
    expect(() => resolveVmAddress({ ...base, vm: noTools, mode: 'private' })).toThrow(/reports no private IP address/);
    // Tools reports nothing now, but the CMDB kept the private address of the enrollment.
    expect(resolveVmAddress({ ...base, vm: noTools, mode: 'private', cmdbPrivateIp: '10.20.0.5' })).toMatchObject({ address: '10.20.0.5' });
    expect(resolveVmAddress({ ...base, vm: noTools, workstation: inside })).toMatchObject({ address: '203.0.113.5', via: 'public' });
  });

  it('outside: IPv6 and unparsable addresses never count as inside an IPv4 network', () => {
    expect(workstationOutsideSite({ sitePrivateNetworks: ['10.0.0.0/8'], workstation: [{ address: '2001:db8::1', cidr: '2001:db8::/64' }, { address: 'junk', cidr: null }], privateAddress: '10.1.1.1' })).toBe(true);
    expect(workstationOutsideSite({ sitePrivateNetworks: ['10.0.0.0/8'], workstation: [{ address: '::ffff:10.9.9.9', cidr: null }], privateAddress: null })).toBe(false);
  });

  it('the resolver reads the setting, the CMDB and the pools it needs', async () => {
    const read: string[] = [];
    const resolver = new VmAddressResolver({
      mode: async (site) => (read.push(`mode ${site}`), 'auto'),
      enrolled: async (_site, moref) => (read.push(`cmdb ${moref}`), { publicIp: '203.0.113.5', privateIp: '10.20.0.5' }),
      sitePrivateNetworks: async () => (read.push('pools'), ['10.20.0.0/16']),
      workstation: () => outside,
    });
    expect(await resolver.resolve('dc1', vm)).toMatchObject({ address: '203.0.113.5', via: 'public', reason: 'this workstation is outside site dc1' });
    expect(read).toEqual(['mode dc1', 'cmdb vm-1', 'pools']);
  });
});
