import { describe, expect, it } from 'vitest';
import type { HostNetworkInfo } from '../vsphere/host-network.js';
import { planHostVlan } from './vlan-plan.js';
import { vlanEnsure } from './vlan-ensure.procedure.js';

const host = { name: 'esx-1', cluster: 'C1' };
const net = (over: Partial<HostNetworkInfo> = {}): HostNetworkInfo => ({
  pnics: [
    { key: 'k0', device: 'vmnic0' },
    { key: 'k1', device: 'vmnic1' },
  ],
  vswitches: [{ name: 'vSwitch0', key: 's0', uplinks: ['vmnic0'], portGroups: ['VM Network'] }],
  portGroups: [{ name: 'VM Network', key: 'p0', vswitch: 'vSwitch0', vlanId: 0 }],
  ...over,
});

/** A small deterministic generator (no dependency): the same seed gives the same cases. */
function lcg(seed: number): () => number {
  let x = seed >>> 0;
  return () => ((x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32);
}

describe('planHostVlan (pure, seed 003 order)', () => {
  it('reports a host without any standard vSwitch plainly', () => {
    const p = planHostVlan(host, net({ vswitches: [] }), { nic: 'vmnic0', portGroup: 'PG', vlanId: 5 });
    expect(p.failure).toBe('esx-1: no standard vSwitch is bound to vmnic0 (the host has no standard vSwitch)');
  });

  it('reports a host without adapters plainly', () => {
    expect(planHostVlan(host, net({ pnics: [] }), { nic: 'vmnic0', portGroup: 'PG', vlanId: 5 }).failure).toBe('esx-1: no physical adapter vmnic0 (adapters found: none)');
  });

  it('takes VLAN 0 and 4095 (all VLANs, trunk) literally', () => {
    const trunk = net({ portGroups: [{ name: 'Trunk', key: 't', vswitch: 'vSwitch0', vlanId: 4095 }] });
    expect(planHostVlan(host, trunk, { nic: 'vmnic0', portGroup: 'Trunk', vlanId: 4095 }).outcome).toBe('ready');
    expect(planHostVlan(host, trunk, { nic: 'vmnic0', portGroup: 'Trunk', vlanId: 0 }).failure).toBe('esx-1: port group Trunk carries VLAN 4095, not 0');
  });

  it('on 2,000 generated hosts: never throws, checks stop at the first failure in seed order, failures name the host', () => {
    const rnd = lcg(20261122);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const order = ['nic', 'vswitch', 'portgroup', 'on-vswitch', 'vlan'];
    for (let i = 0; i < 2000; i++) {
      const nics = ['vmnic0', 'vmnic1', 'vmnic2'].filter(() => rnd() < 0.7);
      const switches = ['vSwitch0', 'vSwitch1'].filter(() => rnd() < 0.7).map((name) => ({ name, key: name, uplinks: nics.filter(() => rnd() < 0.5), portGroups: [] }));
      const groups = ['PG', 'Other'].filter(() => rnd() < 0.6).map((name) => ({ name, key: name, vswitch: pick(['vSwitch0', 'vSwitch1', '']), vlanId: pick([0, 100, 200, 4095]) }));
      const want = { nic: pick(['vmnic0', 'vmnic1', 'vmnic9']), portGroup: 'PG', vlanId: pick([0, 100, 4095]) };
      const name = `esx-${i}`;
      const p = planHostVlan({ name, cluster: null }, { pnics: nics.map((d) => ({ key: d, device: d })), vswitches: switches, portGroups: groups }, want);

      expect(p.checks.map((c) => c.check)).toEqual(order.slice(0, p.checks.length));
      expect(p.checks.slice(0, -1).every((c) => c.ok)).toBe(true);
      if (p.outcome === 'failed') {
        expect(p.failure?.startsWith(`${name}: `)).toBe(true);
        expect(p.checks.at(-1)!.ok).toBe(false);
      } else {
        expect(p.failure).toBeNull();
        expect(p.vswitch).not.toBeNull();
        expect(switches.find((s) => s.name === p.vswitch)!.uplinks).toContain(want.nic);
      }
      if (p.outcome === 'create') expect(groups.some((g) => g.name === 'PG')).toBe(false);
      if (p.outcome === 'ready') expect(groups.find((g) => g.name === 'PG')).toMatchObject({ vswitch: p.vswitch, vlanId: want.vlanId });
    }
  });
});

describe('vlan.ensure runs exclude each other per site and port group', () => {
  it('gives a host ensure and a cluster ensure of one port group the same exclusive key, another port group another', () => {
    const key = vlanEnsure.exclusive!;
    const base = { site: 'lab', nic: 'vmnic0', portGroup: 'PG-100', vlanId: 100 };
    expect(key({ ...base, host: 'esx-1' })).toBe(key({ ...base, cluster: 'C0' }));
    expect(key({ ...base, site: ' lab ', host: 'esx-2' })).toBe(key({ ...base, cluster: 'C0' }));
    expect(key({ ...base, host: 'esx-1', portGroup: 'PG-200' })).not.toBe(key({ ...base, host: 'esx-1' }));
  });
});
