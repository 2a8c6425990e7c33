import { describe, expect, it } from 'vitest';
import { maxHostsDown, planRollout, type PlanHost } from './rollout-plan.js';

const host = (name: string, over: Partial<PlanHost> = {}): PlanHost => ({
  name,
  cluster: 'c1',
  build: '20842708',
  connectionState: 'connected',
  inMaintenance: false,
  memoryMB: 262_144,
  vmMemoryMB: 100_000,
  vmCount: 10,
  ...over,
});

describe('rolling upgrade plan', () => {
  it('goes one host at a time by default, emptiest first, skipping hosts already at the target', () => {
    const plan = planRollout([host('esx3', { vmCount: 30 }), host('esx1', { vmCount: 5 }), host('esx2', { build: '24022510' }), host('esx4', { vmCount: 5 })], { targetBuild: '24022510' });
    expect(plan.waves).toEqual([['esx1'], ['esx4'], ['esx3']]);
    expect(plan.upToDate).toEqual(['esx2']);
    expect(plan.blocked).toEqual([]);
  });

  it('never takes out more hosts than the cluster can lose while keeping its VMs running', () => {
    const four = ['a', 'b', 'c', 'd'].map((n) => host(n, { vmMemoryMB: 100_000 }));
    // 4 x 256 GiB, 400 GB of VMs, 10 % headroom: two hosts left (461 GB usable) still hold them; one left does not.
    expect(maxHostsDown(four, 0.1)).toBe(2);
    const plan = planRollout(four, { targetBuild: 'new', parallel: 3 });
    expect(plan.maxParallel).toEqual({ c1: 2 });
    expect(plan.waves.map((w) => w.length)).toEqual([2, 2]);
  });

  it('blocks a cluster that cannot lose any host, and disconnected hosts, saying why', () => {
    const full = ['a', 'b'].map((n) => host(n, { vmMemoryMB: 250_000 }));
    const plan = planRollout([...full, host('x', { cluster: 'c2', connectionState: 'notResponding' }), host('y', { cluster: 'c2' }), host('z', { cluster: 'c2' })], { targetBuild: 'new' });
    expect(plan.blocked).toEqual(
      expect.arrayContaining([
        { name: 'a', reason: expect.stringContaining('cannot lose a host') },
        { name: 'x', reason: 'notResponding: reconnect it first' },
      ]),
    );
    expect(plan.waves).toEqual([['y'], ['z']]);
  });

  it('refuses nonsense options', () => {
    expect(() => planRollout([host('a')], { targetBuild: 'n', parallel: 0 })).toThrow(/parallel/);
    expect(() => planRollout([host('a')], { targetBuild: 'n', headroom: 1 })).toThrow(/headroom/);
    expect(() => planRollout([host('a')], { targetBuild: ' ' })).toThrow(/target build/);
  });
});
