import { describe, expect, it } from 'vitest';
import type { NatAllowView, NatForwardView } from '../contract/firewall-policy.js';
import { sourceCidrText } from '../contract/firewall-policy.js';
import { ManualDriver } from './drivers/manual.js';
import { comparePolicy, desiredPolicy, planPolicy, type ObservedPolicyRule } from './policy.js';

const at = '2026-01-01T00:00:00Z';
const allow = (id: number, publicIp: string | null, source: string, port: number | null = null): NatAllowView => ({ id, firewall: 'fw', publicIp, source, proto: port === null ? null : 'tcp', port, createdAt: at, createdBy: 't' });
const fwd: NatForwardView = { id: 4, firewall: 'fw', publicIp: '203.0.113.1', publicPort: 2222, proto: 'tcp', privateIp: '10.0.0.6', privatePort: 22, createdAt: at, createdBy: 't' };

describe('firewall policy: what the store wants, and drift by tag', () => {
  it('guards only addresses with an allow-list; a firewall-wide entry covers every NAT and forward address', () => {
    expect(desiredPolicy({ natPublicIps: ['203.0.113.2'], allows: [], forwards: [] })).toEqual([]);
    const own = desiredPolicy({ natPublicIps: ['203.0.113.2', '203.0.113.3'], allows: [allow(1, '203.0.113.3', '198.51.100.0/24', 443)], forwards: [] });
    expect(own.map((r) => r.tag)).toEqual(['outpost:policy', 'outpost:allow:1@203.0.113.3', 'outpost:guard:203.0.113.3']);
    const wide = desiredPolicy({ natPublicIps: ['203.0.113.10', '203.0.113.9'], allows: [allow(2, null, '198.51.100.7/32')], forwards: [fwd] });
    expect(wide.map((r) => r.tag)).toEqual([
      'outpost:fwd:4',
      'outpost:policy',
      'outpost:allow:2@203.0.113.1',
      'outpost:guard:203.0.113.1',
      'outpost:allow:2@203.0.113.9',
      'outpost:guard:203.0.113.9',
      'outpost:allow:2@203.0.113.10',
      'outpost:guard:203.0.113.10',
    ]);
  });

  it('reports missing, extra (and second copies) and changed rules, and plans exactly the repair', () => {
    const desired = desiredPolicy({ natPublicIps: ['203.0.113.2'], allows: [allow(1, '203.0.113.2', '198.51.100.0/24')], forwards: [fwd] });
    const observed: ObservedPolicyRule[] = [
      { kind: 'hook', tag: 'outpost:policy' },
      { kind: 'allow', tag: 'outpost:allow:1@203.0.113.2', publicIp: '203.0.113.2', source: '0.0.0.0/0', proto: null, port: null },
      { kind: 'guard', tag: 'outpost:guard:203.0.113.2', publicIp: '203.0.113.2' },
      { kind: 'guard', tag: 'outpost:guard:203.0.113.2', publicIp: '203.0.113.2' },
      { kind: 'guard', tag: 'outpost:guard:203.0.113.99', publicIp: '203.0.113.99', anomaly: 'INPUT -j DROP' },
    ];
    expect(comparePolicy(desired, observed)).toEqual([
      { kind: 'changed', tag: 'outpost:allow:1@203.0.113.2', detail: 'expected allow 198.51.100.0/24 -> 203.0.113.2, found allow 0.0.0.0/0 -> 203.0.113.2' },
      { kind: 'extra', tag: 'outpost:guard:203.0.113.2', detail: 'drop other new connections to 203.0.113.2 (a second copy)' },
      { kind: 'extra', tag: 'outpost:guard:203.0.113.99', detail: 'drop other new connections to 203.0.113.99 (INPUT -j DROP)' },
      { kind: 'missing', tag: 'outpost:fwd:4', detail: 'forward tcp 203.0.113.1:2222 -> 10.0.0.6:22' },
    ]);
    const plan = planPolicy(desired, observed);
    expect(plan.remove).toEqual([observed[1], observed[3], observed[4]]);
    expect(plan.add.map((r) => r.tag)).toEqual(['outpost:fwd:4', 'outpost:allow:1@203.0.113.2']);
    expect(comparePolicy(desired, desired)).toEqual([]);
  });

  it('a source is an IPv4 address or CIDR with no host bits, normalised to a.b.c.d/n', () => {
    expect(sourceCidrText.parse(' 198.51.100.7 ')).toBe('198.51.100.7/32');
    expect(sourceCidrText.parse('198.51.100.0/24')).toBe('198.51.100.0/24');
    expect(sourceCidrText.parse('0.0.0.0/0')).toBe('0.0.0.0/0');
    for (const bad of ['198.51.100.7/24', '198.51.100.0/33', '2001:db8::/32', '10.1', 'x', '1.2.3.4/']) expect(sourceCidrText.safeParse(bad).success, bad).toBe(false);
  });

  it('the manual driver writes the whole policy in the firewall team’s syntax', async () => {
    const desired = desiredPolicy({ natPublicIps: ['203.0.113.2'], allows: [allow(1, '203.0.113.2', '198.51.100.0/24', 443)], forwards: [fwd] });
    const nft = await new ManualDriver('edge', 'nft').applyPolicy(desired);
    expect(nft).toEqual({ applied: false, instructions: expect.stringContaining("nft insert rule ip outpost_nat forward ip saddr 198.51.100.0/24 ct original ip daddr 203.0.113.2 meta l4proto tcp ct original proto-dst 443 return comment '\"outpost:allow:1@203.0.113.2\"'") });
    const generic = await new ManualDriver('edge', 'generic').applyPolicy(desired);
    expect(generic).toEqual({ applied: false, instructions: expect.stringContaining('allow 198.51.100.0/24 -> 203.0.113.2 tcp/443   [ref outpost:allow:1@203.0.113.2]') });
    expect(await new ManualDriver('edge', 'generic').applyPolicy([])).toEqual({ applied: false, instructions: expect.stringContaining('No port forwards and no allow-lists') });
  });
});
