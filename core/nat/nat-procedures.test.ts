import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createLab, labAvailable, startVmServers, type Lab } from '../../test/lab/netns-lab.js';
import { describeCoreEngines } from '../../test/engines.js';
import { tempDir } from '../../test/temp-dir.js';
import type { NatList, ProcedureDetail } from '../contract/index.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { spawnAsync } from '../../test/spawn-async.js';

const available = labAvailable();
if (!available.ok) console.log(`NAT procedure lab tests skipped: ${available.why}`);

const root = join(import.meta.dirname, '..', '..');

async function setUp(core: OutpostCore, lab: Lab, firewallNetns = lab.firewall): Promise<void> {
  const ok = async (command: string, input: unknown) => expect(await core.dispatch(command, input)).toMatchObject({ ok: true });
  await ok('ipam.pools.add', { name: 'pub', cidr: lab.publicNet, kind: 'public', gateway: lab.firewallPublicIp, reserved: [{ start: lab.clientIp, end: lab.clientIp, reason: 'test client' }] });
  await ok('firewalls.add', { name: 'fw', driver: 'linux-iptables', connection: { type: 'local', netns: firewallNetns }, settings: { publicInterface: lab.firewallPublicIf } });
}

async function run(core: OutpostCore, command: string, input: unknown): Promise<ProcedureDetail> {
  const started = await core.dispatch(command, input);
  if (!started.ok) throw new Error(JSON.stringify(started.error));
  const id = (started.value as { procedureId: string }).procedureId;
  await core.services.engine.whenIdle(id);
  const detail = await core.dispatch('procedures.get', { id });
  return (detail as { value: ProcedureDetail }).value;
}

describe.skipIf(!available.ok)('NAT add/remove procedures on a real firewall namespace', () => {
  let lab: Lab;
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  beforeAll(async () => {
    lab = createLab(2);
    await startVmServers(lab);
  }, 30_000);
  afterAll(() => lab?.destroy());
  // Each store suite runs on both engines (issue 14): the data folder's SQLite file, and a fresh PostgreSQL database.
  describeCoreEngines('store', (newDb) => {
    beforeEach(async () => {
      dir = tempDir();
      const dbPath = await newDb();
      core = await createOutpostCore({ dataDir: dir.path, ...(dbPath ? { dbPath } : {}), transport: 'test', checkOutputs: true });
      await setUp(core, lab);
    });
    afterEach(async () => {
      await core.close();
      dir.remove();
    });

    it('adds a NAT from a pool that the client reaches, then removes it and releases the address', async () => {
      const vm = lab.vms[0]!;
      const added = await run(core, 'nat.add', { firewall: 'fw', privateIp: vm.ip, pool: 'pub', vm: 'vm0' });
      expect(added.procedure.state).toBe('succeeded');
      expect(added.steps.map((s) => `${s.name}:${s.state}`)).toEqual([
        'allocate-public-ip:done',
        'record:done',
        'apply-policy:done',
        'apply-rules:done',
        'operator-confirms:skipped',
        'verify-rules:done',
        'activate:done',
      ]);
      const publicIp = (added.procedure.context as { publicIp: string }).publicIp;
      expect(publicIp).toBe('203.0.113.2');
      expect(lab.connectFromClient(publicIp, 8080)).toBe(`${vm.ns} ${lab.clientIp}`);
      const listed = (await core.dispatch('nat.list', { verify: true })) as { value: NatList };
      expect(listed.value.records).toEqual([expect.objectContaining({ publicIp, privateIp: vm.ip, state: 'active', drift: 'in-sync', vm: 'vm0' })]);

      const removed = await run(core, 'nat.remove', { publicIp });
      expect(removed.procedure.state).toBe('succeeded');
      expect(lab.connectFromClient(publicIp, 8080, 800)).toBe('TIMEOUT');
      expect(await core.services.ipam.allocations()).toEqual([]);
      expect(await core.services.nat.records()).toEqual([]);
      expect(((await core.dispatch('nat.list', { verify: true })) as { value: NatList }).value).toEqual({ records: [], orphans: [], unreachable: [] });
      const actions = (await core.services.audit.list({ limit: 100 })).entries.map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['nat.add', 'nat.remove', 'ipam.allocate', 'ipam.release']));
    });

    it('a typed public address: refused outside the public pool and when unusable (the firewall untouched), allocated in the pool when inside', async () => {
      const vm = lab.vms[0]!;
      const before = lab.exec(lab.firewall, ['iptables-save', '-t', 'nat']);
      for (const [publicIp, privateIp] of [
        ['198.51.100.99', vm.ip],
        ['203.0.113.0', vm.ip],
        ['203.0.113.255', vm.ip],
        ['0.0.0.0', vm.ip],
        ['203.0.113.60', '127.0.0.1'],
      ]) {
        expect(await core.dispatch('nat.add', { firewall: 'fw', privateIp, publicIp }), publicIp).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
      }
      expect(lab.exec(lab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:/g)).toEqual(before.match(/outpost:nat:/g));
      expect(await core.services.nat.records()).toEqual([]);

      const added = await run(core, 'nat.add', { firewall: 'fw', privateIp: vm.ip, publicIp: '203.0.113.60' });
      expect(added.procedure.state).toBe('succeeded');
      expect(await core.services.ipam.holderOf('203.0.113.60')).toMatchObject({ pool: 'pub', owner: `nat:fw:${vm.ip}`, purpose: 'public-nat' });
      expect(lab.connectFromClient('203.0.113.60', 8080)).toBe(`${vm.ns} ${lab.clientIp}`);
      expect((await run(core, 'nat.remove', { publicIp: '203.0.113.60' })).procedure.state).toBe('succeeded');
      expect(await core.services.ipam.allocations()).toEqual([]);
    });

    it('rolls back a NAT whose private side already has one, keeping the address the first run holds', async () => {
      const vm = lab.vms[1]!;
      expect((await run(core, 'nat.add', { firewall: 'fw', privateIp: vm.ip, pool: 'pub' })).procedure.state).toBe('succeeded');
      const second = await run(core, 'nat.add', { firewall: 'fw', privateIp: vm.ip, pool: 'pub' });
      expect(second.procedure.state).toBe('succeeded'); // same owner: IPAM and the record are ensures, not adds
      const clash = await run(core, 'nat.add', { firewall: 'fw', privateIp: vm.ip, publicIp: '203.0.113.50' });
      expect(clash.procedure.state).toBe('rolled-back');
      // The typed address is allocated in its pool first, and IPAM already knows this private side's NAT address.
      expect(clash.steps.find((s) => s.name === 'allocate-public-ip')?.error).toMatchObject({ code: 'IP_CONFLICT', message: expect.stringContaining('already holds 203.0.113.2') });
      expect(await core.services.ipam.allocations()).toHaveLength(1);
      expect(lab.exec(lab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:/g)).toHaveLength(2);
      await run(core, 'nat.remove', { publicIp: '203.0.113.2' });
    });

    it('reports drift: rules deleted by hand are missing, tagged rules without a record are orphans', async () => {
      const vm = lab.vms[0]!;
      const added = await run(core, 'nat.add', { firewall: 'fw', privateIp: vm.ip, pool: 'pub' });
      const publicIp = (added.procedure.context as { publicIp: string }).publicIp;
      lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-F']);
      lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', '203.0.113.77/32', '-m', 'comment', '--comment', 'outpost:nat:999', '-j', 'DNAT', '--to-destination', '10.77.0.99']);
      const listed = ((await core.dispatch('nat.list', { verify: true })) as { value: NatList }).value;
      expect(listed.records[0]).toMatchObject({ publicIp, drift: 'missing' });
      expect(listed.orphans).toEqual([{ firewall: 'fw', recordId: 999, publicIp: '203.0.113.77', privateIp: '10.77.0.99' }]);
      lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-F']);
      lab.exec(lab.firewall, ['ip', 'addr', 'flush', 'dev', lab.firewallPublicIf]);
      lab.exec(lab.firewall, ['ip', 'addr', 'add', `${lab.firewallPublicIp}/24`, 'dev', lab.firewallPublicIf]);
    });

    it('rolls back cleanly when the firewall cannot be reached, and says why', async () => {
      expect(await core.dispatch('firewalls.add', { name: 'down', driver: 'linux-iptables', connection: { type: 'local', netns: `${lab.firewall}-missing` } })).toMatchObject({ ok: true });
      const failed = await run(core, 'nat.add', { firewall: 'down', privateIp: lab.vms[0]!.ip, pool: 'pub' });
      expect(failed.procedure.state).toBe('rolled-back');
      expect(failed.steps.find((s) => s.name === 'apply-rules')?.error).toMatchObject({ code: 'FIREWALL_COMMAND' });
      expect(await core.services.ipam.allocations()).toEqual([]);
      expect(await core.services.nat.records()).toEqual([]);
    });
  });
});

describe.skipIf(!available.ok)('NAT add survives kill -9 at every step (child processes, real firewall namespace)', () => {
  const runner = join(root, 'dist', 'test', 'core-runner-nat.mjs');
  const steps = ['allocate-public-ip', 'record', 'apply-policy', 'apply-rules', 'verify-rules', 'activate'];
  const child = (dataDir: string, args: string[], fault = '') =>
    spawnAsync(process.execPath, [runner, dataDir, ...args], { env: { ...process.env, OUTPOST_FAULT: fault }, timeout: 30_000 });

  beforeAll(async () => {
    await build({ entryPoints: [join(root, 'test/fixtures/core-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
  });

  for (const phase of ['kill-before', 'kill-after'] as const) {
    for (const step of steps) {
      it(`${phase} "${step}": resumes to one rule pair, one address, a complete audit trail`, async () => {
        const lab = createLab(1);
        const dir = tempDir();
        try {
          await startVmServers(lab);
          const setup = await createOutpostCore({ dataDir: dir.path, transport: 'test' });
          await setUp(setup, lab);
          await setup.close();
          const input = JSON.stringify({ firewall: 'fw', privateIp: lab.vms[0]!.ip, pool: 'pub' });
          const first = await child(dir.path, ['start', 'nat.add', input], `${phase}:nat.add/${step}`);
          expect(first.signal, first.stderr).toBe('SIGKILL');
          const resumed = await child(dir.path, ['resume']);
          expect(resumed.stdout + resumed.stderr).toContain('{"states":["succeeded"]}');

          const check = await createOutpostCore({ dataDir: dir.path, transport: 'test' });
          try {
            expect((await check.services.ipam.allocations()).map((a) => a.address)).toEqual(['203.0.113.2']);
            expect(await check.services.nat.records()).toEqual([expect.objectContaining({ publicIp: '203.0.113.2', state: 'active' })]);
            expect(lab.exec(lab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:1"/g)).toHaveLength(2);
            expect(lab.connectFromClient('203.0.113.2', 8080)).toBe(`${lab.vms[0]!.ns} ${lab.clientIp}`);
            const actions = (await check.services.audit.list({ limit: 100 })).entries.map((e) => `${e.action}:${e.outcome}`).reverse();
            expect(actions.filter((a) => a === 'procedure.step:ok')).toHaveLength(6);
            expect(actions.filter((a) => a === 'ipam.allocate:ok')).toHaveLength(1);
            expect(actions.filter((a) => a === 'nat.add:ok')).toHaveLength(1);
            expect(actions.at(-1)).toBe('procedure.succeeded:ok');
          } finally {
            await check.close();
          }
        } finally {
          dir.remove();
          lab.destroy();
        }
      }, 60_000);
    }
  }
});
