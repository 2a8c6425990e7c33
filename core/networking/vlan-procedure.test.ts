import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { tempDir } from '../../test/temp-dir.js';
import { listHosts, readHostNetwork, removePortGroup, requireNetworkSystem } from '../vsphere/host-network.js';
import { runOutpost } from '../../test/outpost-binary.js';

const unavailable = vcsimUnavailable();
const passphrase = 'vlan procedure passphrase';

describe.skipIf(unavailable !== null)('vlan.ensure survives kill -9 at every step (built CLI, vcsim)', () => {
  let vc: Vcsim;
  let operator: VsphereOperator;
  const outpost = (dir: string, args: string[], fault = '', input?: string) =>
    runOutpost(['--db', join(dir, 'o.db'), ...args], { env: { OUTPOST_VAULT_PASSPHRASE: passphrase, OUTPOST_FAULT: fault }, timeoutMs: 60_000, input });
  /** Port groups named `name` on each host of the cluster, with their VLAN (read by another session). */
  const onHosts = async (name: string) => {
    const hosts = (await listHosts(operator.session)).filter((h) => h.cluster === 'DC0_C0');
    return Promise.all(hosts.map(async (h) => [h.name, (await readHostNetwork(operator.session, requireNetworkSystem(h))).portGroups.filter((p) => p.name === name).map((p) => p.vlanId)]));
  };
  const cleanUp = async (name: string) => {
    for (const h of (await listHosts(operator.session)).filter((x) => x.cluster === 'DC0_C0')) await removePortGroup(operator.session, requireNetworkSystem(h), name).catch(() => undefined);
  };

  beforeAll(async () => {
    vc = await startVcsim({ vms: 0, clusters: 1, hosts: 2 });
    operator = await VsphereOperator.connect(vc);
  }, 180_000);
  afterAll(async () => {
    await operator?.close();
    await vc?.stop();
  });

  const faults = ['kill-before:vlan.ensure/check', 'kill-after:vlan.ensure/check', 'kill-before:vlan.ensure/create-port-groups', 'kill-during:vlan.ensure/create-port-groups', 'kill-after:vlan.ensure/create-port-groups', 'kill-before:vlan.ensure/verify', 'kill-after:vlan.ensure/verify', 'kill-before:vlan.ensure/record'];
  for (const [i, fault] of faults.entries()) {
    it(`${fault}: "outpost procedures resume" finishes with the port group once per host and one record`, async () => {
      const dir = tempDir();
      const name = `PG-kill-${i}`;
      try {
        const added = await outpost(dir.path, ['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], '', `${vc.password}\n`);
        expect(added.code, added.stderr).toBe(0);
        const killed = await outpost(dir.path, ['vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', name, '--vlan', String(100 + i)], fault);
        expect(killed.signal, killed.stderr).toBe('SIGKILL');
        const resumed = await outpost(dir.path, ['--json', 'procedures', 'resume']);
        expect(resumed.code, resumed.stderr).toBe(0);
        expect(resumed.stdout).toContain('succeeded');
        expect(await onHosts(name)).toEqual([
          ['DC0_C0_H0', [100 + i]],
          ['DC0_C0_H1', [100 + i]],
        ]);
        const audit = JSON.parse((await outpost(dir.path, ['--json', 'audit', 'list'])).stdout) as { entries?: { action: string; outcome: string }[] } | { action: string; outcome: string }[];
        const entries = Array.isArray(audit) ? audit : (audit.entries ?? []);
        expect(entries.filter((e) => e.action === 'vlan.ensure').map((e) => e.outcome)).toEqual(['ok']);
        // Running the ensure again changes nothing.
        const again = await outpost(dir.path, ['--json', 'vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', name, '--vlan', String(100 + i)]);
        expect(again.code, again.stderr).toBe(0);
        expect((JSON.parse(again.stdout) as { hosts: { created: boolean }[] }).hosts.map((h) => h.created)).toEqual([false, false]);
      } finally {
        await cleanUp(name);
        dir.remove();
      }
    }, 120_000);
  }

  it('rolls back the port groups it created when the read-back fails (another operator removed one meanwhile)', async () => {
    // The verify step fails when a host no longer shows the port group ready; provoke it by killing
    // the run after the create step and changing one host behind Outpost's back before resuming.
    const dir = tempDir();
    const name = 'PG-rollback';
    try {
      await outpost(dir.path, ['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], '', `${vc.password}\n`);
      const killed = await outpost(dir.path, ['vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', name, '--vlan', '300'], 'kill-after:vlan.ensure/create-port-groups');
      expect(killed.signal).toBe('SIGKILL');
      const h1 = (await listHosts(operator.session)).find((h) => h.name === 'DC0_C0_H1')!;
      await removePortGroup(operator.session, requireNetworkSystem(h1), name);
      const resumed = await outpost(dir.path, ['--json', 'procedures', 'resume']);
      expect(resumed.stdout).toContain('rolled-back');
      expect(await onHosts(name)).toEqual([
        ['DC0_C0_H0', []],
        ['DC0_C0_H1', []],
      ]);
    } finally {
      await cleanUp(name);
      dir.remove();
    }
  }, 120_000);
});
