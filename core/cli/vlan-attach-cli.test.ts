import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { tempDir } from '../../test/temp-dir.js';
import { readVmNics } from '../vsphere/vm-nics.js';
import { runOutpost } from '../../test/outpost-binary.js';

const unavailable = vcsimUnavailable();
const env = { OUTPOST_VAULT_PASSPHRASE: 'cli vlan attach passphrase' };

describe.skipIf(unavailable !== null)('outpost vlan attach / vm nics (built binary, vcsim), kill -9 and resume', () => {
  let vc: Vcsim;
  let operator: VsphereOperator;
  let dir: ReturnType<typeof tempDir>;
  // Asynchronous (not spawnSync): a test of many CLI runs must let the worker's event loop turn, or
  // vitest's worker RPC times out after 60 s of blocking on a loaded machine (seen in CI).
  const outpost = (args: string[], options: { input?: string; fault?: string } = {}) => runOutpost(['--db', join(dir.path, 'o.db'), ...args], { env: { ...env, OUTPOST_FAULT: options.fault ?? '' }, ...(options.input !== undefined ? { input: options.input } : {}) });
  const networksOf = async (moref: string) => (await readVmNics(operator.session, { type: 'VirtualMachine', value: moref })).nics.map((n) => (n.backing.kind === 'network' ? n.backing.name : n.backing.kind));
  const morefOf = async (vm: string) => (JSON.parse((await outpost(['--json', 'vm', 'nics', '--site', 'lab', '--vm', vm])).stdout) as { moref: string }).moref;

  beforeAll(async () => {
    vc = await startVcsim({ vms: 2, clusters: 1, hosts: 2 });
    operator = await VsphereOperator.connect(vc);
    dir = tempDir();
    const added = await outpost(['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], { input: `${vc.password}\n` });
    if (added.code !== 0) throw new Error(added.stderr);
    expect((await outpost(['inventory', 'sync', '--site', 'lab'])).code).toBe(0);
    expect((await outpost(['vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', 'PG200', '--vlan', '200'])).code).toBe(0);
  }, 180_000);
  afterAll(async () => {
    dir?.remove();
    await operator?.close();
    await vc?.stop();
  });

  it('shows the adapters, moves adapter 1 to the port group, and refuses bad input with one line (exit 1 unknown, 2 invalid)', async () => {
    const nics = await outpost(['vm', 'nics', '--site', 'lab', '--vm', 'DC0_C0_H0_VM0']);
    expect(nics.code, nics.stderr).toBe(0);
    expect(nics.stdout).toMatch(/^NIC\s+LABEL\s+TYPE\s+NETWORK\s+MAC\s+CONNECTED/);
    expect(nics.stdout).toMatch(/1\s+ethernet-0\s+VirtualE1000\s+VM Network\s+00:0c:29:[0-9a-f:]+\s+at power-on/);
    expect(nics.stdout).toContain('Networks on its host: DC0_DVPG0, DVS0-DVUplinks');

    const moved = await outpost(['vlan', 'attach', '--site', 'lab', '--vm', 'DC0_C0_H0_VM0', '--portgroup', 'PG200']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(moved.stdout).toMatch(/^Adapter 1 moved from VM Network to PG200 \(DC0_C0_H0_VM0, procedure [0-9a-f-]{36}\)\./);
    expect(moved.stdout).toMatch(/1\s+ethernet-0\s+VirtualE1000\s+PG200\s+/);

    for (const [args, code, text] of [
      [['--portgroup', 'NOPE'], 1, 'Port group "NOPE" is not on DC0_C0_H0_VM0\'s host (DC0_C0_H0). Networks there: DC0_DVPG0, DVS0-DVUplinks-9, PG200, VM Network. Create it first (outpost vlan ensure). [NOT_FOUND]'],
      [['--portgroup', 'PG200', '--nic', '3'], 2, 'DC0_C0_H0_VM0 has 1 network adapter(s); there is no adapter 3. [VALIDATION]'],
      [['--portgroup', 'PG200', '--nic', '0'], 2, 'the NIC index is a whole number from 1 to 10'],
    ] as const) {
      const bad = await outpost(['vlan', 'attach', '--site', 'lab', '--vm', 'DC0_C0_H0_VM0', ...args]);
      expect(bad.code, args.join(' ')).toBe(code);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      expect(bad.stderr).toContain(text);
    }
    // `outpost vm guestinfo` without a subcommand prints the keys (what enrollment wrote, among others).
    expect((await outpost(['vm', 'guestinfo', 'set', '--site', 'lab', '--vm', 'DC0_C0_H0_VM0', 'guestinfo.outpost.public_ip=203.0.113.9'])).code).toBe(0);
    const info = await outpost(['vm', 'guestinfo', '--site', 'lab', '--vm', 'DC0_C0_H0_VM0']);
    expect(info.code, info.stderr).toBe(0);
    expect(info.stdout).toMatch(/^KEY\s+VALUE\n.*guestinfo\.outpost\.public_ip\s+203\.0\.113\.9/s);
    const ghost = await outpost(['vlan', 'attach', '--site', 'lab', '--vm', 'ghost', '--portgroup', 'PG200']);
    expect(ghost.code).toBe(1);
    expect(ghost.stderr).toMatch(/No VM "ghost" .*\[NOT_FOUND\]/);
  }, 90_000);

  it('kill -9 right after vCenter added the adapter: the resumed run adds no second one; the audit has one record', async () => {
    const moref = await morefOf('DC0_C0_H1_VM0');
    expect(await networksOf(moref)).toEqual(['VM Network']);
    const killed = await outpost(['vlan', 'attach', '--site', 'lab', '--vm', 'DC0_C0_H1_VM0', '--portgroup', 'PG200', '--add'], { fault: 'kill-during:vlan.attach/connect-nic' });
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(await networksOf(moref)).toEqual(['VM Network', 'PG200']);
    const resumed = await outpost(['--json', 'procedures', 'resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain('succeeded');
    expect(await networksOf(moref)).toEqual(['VM Network', 'PG200']);
    const audit = JSON.parse((await outpost(['--json', 'audit', 'list'])).stdout) as { entries?: { action: string; target: string; outcome: string }[] } | { action: string; target: string; outcome: string }[];
    const entries = Array.isArray(audit) ? audit : (audit.entries ?? []);
    expect(entries.filter((e) => e.action === 'vlan.attach' && e.target === 'lab/DC0_C0_H1_VM0' && e.outcome === 'ok')).toHaveLength(1);
    // The JSON form, for scripts; and moving adapter 2 to the distributed port group.
    const dv = JSON.parse((await outpost(['--json', 'vlan', 'attach', '--site', 'lab', '--vm', 'DC0_C0_H1_VM0', '--portgroup', 'DC0_DVPG0', '--nic', '2'])).stdout) as { nic: number; previous: string; nics: { network: string }[] };
    expect(dv).toMatchObject({ nic: 2, previous: 'PG200' });
    expect(dv.nics.map((n) => n.network)).toEqual(['VM Network', 'DC0_DVPG0']);
  }, 90_000);
});
