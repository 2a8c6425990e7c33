import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dir.js';
import { commands } from '../contract/commands.js';
import { createOutpostCore, type OutpostCore } from './core.js';

/** The nat.add address rules, through dispatch (every transport's path; a manual firewall, so nothing is applied anywhere). */
describe('nat.add: where a public address may come from, and which addresses are refused', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true });
    for (const [command, input] of [
      ['ipam.pools.add', { name: 'pub', cidr: '203.0.113.0/28', kind: 'public' }],
      ['ipam.pools.add', { name: 'pub6', cidr: '2001:db8:5::/120', kind: 'public' }],
      ['ipam.pools.add', { name: 'lan', cidr: '10.0.0.0/24', kind: 'private' }],
      ['firewalls.add', { name: 'edge', driver: 'manual' }],
    ] as const) {
      expect(await core.dispatch(command, input)).toMatchObject({ ok: true });
    }
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  const refused: [string, Record<string, string>, RegExp, string][] = [
    ['outside every pool', { publicIp: '198.51.100.99' }, /198\.51\.100\.99 is in no public pool/, 'publicIp'],
    ['in a private pool only', { publicIp: '10.0.0.9' }, /is in no public pool/, 'publicIp'],
    ["the pool's network address", { publicIp: '203.0.113.0' }, /network address of pool pub/, 'publicIp'],
    ["the pool's broadcast address", { publicIp: '203.0.113.15' }, /broadcast address of pool pub/, 'publicIp'],
    ['outside the pool named', { publicIp: '198.51.100.99', pool: 'pub' }, /not in pool pub/, 'publicIp'],
    ['a private pool named', { pool: 'lan' }, /lan is a private pool/, 'pool'],
    ['0.0.0.0', { publicIp: '0.0.0.0' }, /unspecified address/, 'publicIp'],
    ['255.255.255.255', { publicIp: '255.255.255.255' }, /broadcast/, 'publicIp'],
    ['a multicast address', { publicIp: '224.0.0.1' }, /multicast/, 'publicIp'],
    ['a class E address', { publicIp: '240.0.0.1' }, /240\.0\.0\.0\/4/, 'publicIp'],
    ['IPv6 ::', { publicIp: '::' }, /unspecified/, 'publicIp'],
    ['a loopback private address', { publicIp: '203.0.113.5', privateIp: '127.0.0.1' }, /loopback/, 'privateIp'],
    ['an IPv4-mapped loopback', { publicIp: '203.0.113.5', privateIp: '::ffff:127.0.0.1' }, /loopback/, 'privateIp'],
    ['a link-local private address', { publicIp: '203.0.113.5', privateIp: '169.254.1.1' }, /link-local/, 'privateIp'],
    ['an octet over 255', { publicIp: '203.0.113.300' }, /"203\.0\.113\.300" is not an IP address/, 'publicIp'],
    ['a zone index', { publicIp: '203.0.113.5', privateIp: 'fe80::1%eth0' }, /"fe80::1%eth0" is not an IP address/, 'privateIp'],
    ['a shorthand', { publicIp: '203.0.113.5', privateIp: '10.1' }, /not an IP address/, 'privateIp'],
  ];
  it.each(refused)('refuses %s with VALIDATION at the field, starting nothing', async (_what, given, message, field) => {
    const r = await core.dispatch('nat.add', { firewall: 'edge', privateIp: '10.0.0.5', ...given });
    expect(r).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringMatching(message) } });
    if (!r.ok) expect(r.error.details).toMatchObject({ issues: [expect.objectContaining({ path: [field] })] });
    expect(await core.dispatch('procedures.list', {})).toEqual({ ok: true, value: [] });
    expect(await core.services.ipam.allocations()).toEqual([]);
  });

  it('the contract alone refuses the malformed and unusable ones (the UI gets the same errors without a round trip)', () => {
    const input = commands['nat.add'].input;
    expect(input.safeParse({ firewall: 'edge', privateIp: '10.0.0.5', publicIp: '203.0.113.300' }).success).toBe(false);
    expect(input.safeParse({ firewall: 'edge', privateIp: '127.0.0.1', pool: 'pub' }).success).toBe(false);
    expect(input.safeParse({ firewall: 'edge', privateIp: '10.0.0.5', publicIp: ' 203.0.113.5 ' }).success).toBe(true);
  });

  it('allocates a typed public address in the public pool that holds it (IPv4 and IPv6)', async () => {
    for (const [privateIp, publicIp, pool] of [
      ['10.0.0.5', '203.0.113.5', 'pub'],
      ['10.0.0.6', '2001:db8:5::10', 'pub6'],
    ] as const) {
      const r = await core.dispatch('nat.add', { firewall: 'edge', privateIp, publicIp });
      expect(r, JSON.stringify(r)).toMatchObject({ ok: true });
      await core.services.engine.whenIdle((r as { value: { procedureId: string } }).value.procedureId);
      expect(await core.services.ipam.holderOf(publicIp)).toMatchObject({ pool, address: publicIp, owner: `nat:edge:${privateIp}`, purpose: 'public-nat' });
    }
  });
});
