import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { tempDir } from '../../test/temp-dir.js';
import { runOutpost } from '../../test/outpost-binary.js';

const unavailable = vcsimUnavailable();
const env = { OUTPOST_VAULT_PASSPHRASE: 'cli vlan passphrase' };

describe.skipIf(unavailable !== null)('outpost vlan list / ensure, vm guestinfo, vm console (built binary, vcsim)', () => {
  let vc: Vcsim;
  let dir: ReturnType<typeof tempDir>;
  // Asynchronous (not spawnSync): a test of many CLI runs must let the worker's event loop turn, or
  // vitest's worker RPC times out after 60 s of blocking on a loaded machine (seen in CI).
  const outpost = (args: string[], input?: string) => runOutpost(['--db', join(dir.path, 'o.db'), ...args], { env, ...(input !== undefined ? { input } : {}) });

  beforeAll(async () => {
    vc = await startVcsim({ vms: 2, clusters: 1, hosts: 2 });
    dir = tempDir();
    const added = await outpost(['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], `${vc.password}\n`);
    if (added.code !== 0) throw new Error(added.stderr);
  }, 180_000);
  afterAll(async () => {
    dir?.remove();
    await vc?.stop();
  });

  it('lists hosts, previews, ensures across the cluster, and reports a failing check per host with exit 1', async () => {
    const list = await outpost(['vlan', 'list', '--site', 'lab']);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(/DC0_C0_H0\s+DC0_C0\s+vSwitch0\s+vmnic0\s+VM Network\s+0/);
    expect(list.stdout).toMatch(/DC0_C0_H1\s+DC0_C0\s+-\s+vmnic1 \(no vSwitch\)/);

    const dry = await outpost(['vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', 'PG100', '--vlan', '100', '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/DC0_C0_H0\s+DC0_C0\s+vSwitch0\s+would create\s+port group PG100 does not exist: create it on vSwitch0 with VLAN 100/);

    const applied = await outpost(['--json', 'vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', 'PG100', '--vlan', '100']);
    expect(applied.code, applied.stderr).toBe(0);
    const r = JSON.parse(applied.stdout) as { ok: boolean; hosts: { host: string; created: boolean }[] };
    expect(r.ok).toBe(true);
    expect(r.hosts.map((h) => [h.host, h.created])).toEqual([
      ['DC0_C0_H0', true],
      ['DC0_C0_H1', true],
    ]);
    const listed = JSON.parse((await outpost(['--json', 'vlan', 'list', '--site', 'lab'])).stdout) as { host: string; portGroups: { name: string; vlanId: number }[] }[];
    for (const h of listed) expect(h.portGroups).toContainEqual({ name: 'PG100', vswitch: 'vSwitch0', vlanId: 100 });

    const wrong = await outpost(['vlan', 'ensure', '--site', 'lab', '--host', 'DC0_C0_H1', '--nic', 'vmnic0', '--portgroup', 'PG100', '--vlan', '200']);
    expect(wrong.code).toBe(1);
    expect(wrong.stdout).toMatch(/DC0_C0_H1\s+DC0_C0\s+vSwitch0\s+FAILED\s+DC0_C0_H1: port group PG100 carries VLAN 100, not 200/);
    expect(wrong.stderr.trim().split('\n')).toHaveLength(1);
    expect(wrong.stderr).toContain('[VLAN_CHECK_FAILED]');

    const dryFail = await outpost(['vlan', 'ensure', '--site', 'lab', '--host', 'DC0_C0_H0', '--nic', 'vmnic7', '--portgroup', 'PG7', '--vlan', '7', '--dry-run']);
    expect(dryFail.code).toBe(1);
    expect(dryFail.stdout).toContain('DC0_C0_H0: no physical adapter vmnic7 (adapters found: vmnic0, vmnic1)');

    for (const args of [['--vlan', '4096', '--cluster', 'DC0_C0'], ['--vlan', '-3', '--cluster', 'DC0_C0'], ['--vlan', '5']]) {
      const bad = await outpost(['vlan', 'ensure', '--site', 'lab', '--nic', 'vmnic0', '--portgroup', 'X', ...args]);
      expect(bad.code, args.join(' ')).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    }
  });

  it('sets, lists and removes guestinfo keys and prints a VMRC link (outpost vm guestinfo / vm console)', async () => {
    expect((await outpost(['inventory', 'sync', '--site', 'lab'])).code).toBe(0);
    const vms = (JSON.parse((await outpost(['--json', 'vms', 'list', '--site', 'lab'])).stdout) as { vms: { name: string }[] }).vms;
    const vm = vms[0]!.name;
    const set = await outpost(['vm', 'guestinfo', 'set', '--site', 'lab', '--vm', vm, 'guestinfo.machine.id={"ip":"10.0.0.9"}', 'guestinfo.role=db']);
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain('now has 2 guestinfo key(s)');
    const got = await outpost(['vm', 'guestinfo', 'get', '--site', 'lab', '--vm', vm]);
    expect(got.stdout).toMatch(/guestinfo\.machine\.id\s+\{"ip":"10\.0\.0\.9"\}/);
    const removed = JSON.parse((await outpost(['--json', 'vm', 'guestinfo', 'set', '--site', 'lab', '--vm', vm, '--remove', 'guestinfo.machine.id'])).stdout) as { entries: { key: string }[] };
    expect(removed.entries.map((e) => e.key)).toEqual(['guestinfo.role']);
    const bad = await outpost(['vm', 'guestinfo', 'set', '--site', 'lab', '--vm', vm, 'machine.id=x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    const link = await outpost(['vm', 'console', '--site', 'lab', '--vm', vm]);
    // A one-time clone ticket of the vCenter session in the link (stdout only), a warning on stderr.
    expect(link.code, link.stderr).toBe(0);
    expect(link.stdout).toMatch(new RegExp(`^vmrc://clone:[0-9a-f-]{36}@127\\.0\\.0\\.1:${new URL(vc.url).port}/\\?moid=vm-\\d+\\n$`));
    expect(link.stderr).toContain('one-time ticket');
    const ticket = /clone:([^@]+)@/.exec(link.stdout)![1]!;
    expect(link.stderr).not.toContain(ticket);
    const again = await outpost(['vm', 'console', '--site', 'lab', '--vm', vm]);
    expect(again.stdout).not.toContain(ticket);
    // The power command of the inventory group is still there.
    expect((await outpost(['vm', 'power', '--help'])).code).toBe(0);
  });
});
