import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { runOutpost } from '../../test/outpost-binary.js';


describe('outpost ipam / firewall / nat / procedures (built binary, manual firewall)', () => {
  let dir: ReturnType<typeof tempDir>;
  // Asynchronous (not spawnSync): a test of many CLI runs must let the worker's event loop turn, or
  // vitest's worker RPC times out after 60 s of blocking on a loaded machine (seen in CI).
  const outpost = (...args: string[]) => runOutpost(['--db', join(dir.path, 'o.db'), ...args]);
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await outpost('--json', ...args)).stdout) as T;

  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('adds a NAT through an approval gate, lists it, and removes it, releasing the address', async () => {
    expect((await outpost('ipam', 'pool', 'add', '--name', 'pub', '--cidr', '203.0.113.0/28', '--kind', 'public', '--gateway', '203.0.113.1', '--reserve', '203.0.113.2-203.0.113.3:vips')).code).toBe(0);
    expect((await outpost('firewall', 'add', '--name', 'edge', '--driver', 'manual', '--syntax', 'iptables')).code).toBe(0);

    const add = await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--pool', 'pub', '--vm', 'web-1');
    expect(add.code).toBe(3); // waiting for the operator
    expect(add.stdout).toContain('iptables -t nat -A PREROUTING -d 203.0.113.4/32 -m comment --comment outpost:nat:1 -j DNAT --to-destination 10.0.0.5');
    const id = /outpost procedures approve (\S+)/.exec(add.stdout)?.[1];
    expect(id).toBeDefined();
    expect(await json<{ state: string }[]>('procedures', 'list', '--state', 'waiting')).toHaveLength(1);

    const approved = await outpost('procedures', 'approve', id!);
    expect(approved.code).toBe(0);
    expect(approved.stdout).toMatch(/state: succeeded/);
    const list = await json<{ records: { publicIp: string; state: string; drift: string }[] }>('nat', 'list', '--verify');
    expect(list.records).toEqual([expect.objectContaining({ publicIp: '203.0.113.4', state: 'active', drift: 'unknown' })]);
    expect((await json<{ allocated: number }[]>('ipam', 'list'))[0]!.allocated).toBe(1);

    const remove = await outpost('nat', 'remove', '--public', '203.0.113.4');
    expect(remove.code).toBe(3);
    const removeId = /outpost procedures approve (\S+)/.exec(remove.stdout)?.[1];
    expect((await outpost('procedures', 'approve', removeId!)).code).toBe(0);
    expect((await json<{ records: unknown[] }>('nat', 'list')).records).toEqual([]);
    expect((await json<{ allocated: number }[]>('ipam', 'list'))[0]!.allocated).toBe(0);
    const actions = (await json<{ entries: { action: string }[] }>('audit', 'list', '--limit', '200')).entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['nat.add', 'nat.remove', 'procedure.approve', 'ipam.allocate', 'ipam.release', 'firewall.add', 'ipam.pool.add']));
  });

  it('cancels a waiting run, undoing what it did', async () => {
    await outpost('ipam', 'pool', 'add', '--name', 'pub', '--cidr', '198.51.100.0/29', '--kind', 'public');
    await outpost('firewall', 'add', '--name', 'edge', '--driver', 'manual');
    const add = await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.9', '--pool', 'pub');
    expect(add.stdout).toContain('Change request: Add a 1:1 NAT on firewall edge');
    const id = /outpost procedures approve (\S+)/.exec(add.stdout)![1]!;
    const aborted = await outpost('procedures', 'abort', id);
    expect(aborted.code).toBe(1);
    expect(aborted.stdout).toMatch(/state: cancelled/);
    expect((await json<{ allocated: number }[]>('ipam', 'list'))[0]!.allocated).toBe(0);
    expect((await json<{ records: unknown[] }>('nat', 'list')).records).toEqual([]);
  });

  it('refuses bad input with one line and exit 2, and unknown things with exit 1', async () => {
    const cases: [string[], number, RegExp][] = [
      [['ipam', 'pool', 'add', '--name', 'x', '--cidr', '10.0.0.1/24', '--kind', 'private'], 2, /did you mean 10\.0\.0\.0\/24/],
      [['ipam', 'pool', 'add', '--name', 'x', '--cidr', '10.0.0.0/24', '--kind', 'purple'], 2, /kind/],
      [['ipam', 'pool', 'add', '--name', 'x', '--cidr', '10.0.0.0/24', '--kind', 'private', '--reserve', 'a b'], 2, /--reserve/],
      [['firewall', 'add', '--name', 'f', '--driver', 'linux-iptables'], 2, /needs a connection/],
      [['nat', 'add', '--firewall', 'nope', '--private', '10.0.0.6', '--public', '203.0.113.9'], 1, /No firewall named nope/],
      [['nat', 'remove', '--public', '203.0.113.9'], 1, /No live NAT/],
      [['procedures', 'show', 'not-a-uuid'], 2, /id/],
    ];
    for (const [args, code, message] of cases) {
      const r = await outpost(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
  });
});
