import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { tempDir } from '../../test/temp-dir.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { createContainerView, retrieveAll } from '../vsphere/property-collector.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'outpost.mjs');
const unavailable = vcsimUnavailable();
const env = { OUTPOST_VAULT_PASSPHRASE: 'cli inventory passphrase' };

describe.skipIf(unavailable !== null)('outpost site / inventory / vms / vm (built binary, vcsim)', () => {
  let vc: Vcsim;
  let dir: ReturnType<typeof tempDir>;
  // Asynchronous (not spawnSync): a test of a dozen CLI runs must let the worker's event loop turn, or
  // vitest's worker RPC times out after 60 s of blocking on a loaded machine (seen in CI).
  const outpost = (args: string[], input?: string) => runOutpost(['--db', join(dir.path, 'o.db'), ...args], { env, ...(input !== undefined ? { input } : {}) });
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await outpost(['--json', ...args])).stdout) as T;
  const addSite = (...extra: string[]) => outpost(['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', ...extra], `${vc.password}\n`);

  beforeAll(async () => {
    vc = await startVcsim({ vms: 8, clusters: 1, hosts: 2 });
  }, 120_000);
  afterAll(async () => vc?.stop());
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('adds a site with a trusted fingerprint, syncs it, lists and searches VMs, powers one off', async () => {
    const untrusted = await addSite();
    expect(untrusted.code).toBe(1);
    expect(untrusted.stderr.trim().split('\n')).toHaveLength(1);
    expect(untrusted.stderr).toContain(vc.fingerprint);
    expect(untrusted.stderr).toContain('[TLS_UNTRUSTED]');

    const added = await addSite('--trust', vc.fingerprint);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain('outpost inventory sync --site lab');
    expect((await json<{ name: string }[]>('site', 'list')).map((s) => s.name)).toEqual(['lab']);

    const sync = await json<{ counts: { vms: number; hosts: number }; elapsedMs: number }>('inventory', 'sync', '--site', 'lab');
    expect(sync.counts).toMatchObject({ vms: 8, hosts: 2 });
    expect(sync.elapsedMs).toBeGreaterThanOrEqual(0);
    expect((await outpost(['inventory', 'sync', '--site', 'lab'])).stdout).toMatch(/^lab: 8 VMs, 2 hosts, .* in \d+ ms\n$/);

    const found = (await json<{ vms: Record<string, unknown>[] }>('vms', 'list', '--site', 'lab', '--query', '10.0.0.5')).vms;
    expect(found).toHaveLength(1);
    expect(Object.keys(found[0]!).sort()).toEqual(['guestFullName', 'guestId', 'host', 'hostName', 'instanceUuid', 'ipAddress', 'memoryMB', 'name', 'numCpu', 'powerState', 'site', 'toolsRunningStatus', 'uuid'].sort());
    const name = String(found[0]!['name']);
    // --query finds a fragment from the middle of the name, in any case (DC0_C0_RP0_VM3 by "rp0_vm3").
    const fragment = name.slice(Math.floor(name.length / 2)).toLowerCase();
    expect((await json<{ vms: { name: string }[] }>('vms', 'list', '--query', fragment)).vms.map((v) => v.name)).toContain(name);
    const off = await outpost(['vm', 'power', '--site', 'lab', '--vm', name, 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('poweredOff');
    expect((await json<{ vms: { powerState: string }[] }>('vms', 'list', '--query', name)).vms[0]!.powerState).toBe('poweredOff');
    expect((await outpost(['vm', 'power', '--site', 'lab', '--vm', name, 'on'])).code).toBe(0);
    // The password never appears in the store in clear, nor in the audit log.
    expect((await outpost(['audit', 'list'])).stdout).not.toContain(`"${vc.password}"`);
  });

  it('vms list/count filter on power, tools and enrollment; site remove asks for --yes, then marks the inventory removed', async () => {
    expect((await addSite('--trust', vc.fingerprint)).code).toBe(0);
    expect((await outpost(['inventory', 'sync', '--site', 'lab'])).code).toBe(0);
    expect((await outpost(['vms', 'count', '--site', 'lab'])).stdout).toBe('8\n');
    expect(await json<{ total: number }>('vms', 'count', '--tools', 'running')).toEqual({ total: 8 });
    expect((await outpost(['vms', 'count', '--tools', 'not-running'])).stdout).toBe('0\n');
    expect((await outpost(['vms', 'count', '--enrolled'])).stdout).toBe('0\n'); // no enrollment records in this store
    expect((await outpost(['vms', 'count', '--not-enrolled', '--power', 'on'])).stdout).toBe('8\n');
    const some = await outpost(['vms', 'list', '--limit', '3']);
    expect(some.stdout).toContain('3 of 8 VMs');
    // --json says it too: the total and that the list was cut short.
    const cut = await json<{ vms: unknown[]; total: number; truncated: boolean }>('vms', 'list', '--limit', '3');
    expect({ ...cut, vms: cut.vms.length }).toEqual({ vms: 3, total: 8, truncated: true });
    const whole = await json<{ vms: unknown[]; total: number; truncated: boolean }>('vms', 'list', '--limit', '8');
    expect({ ...whole, vms: whole.vms.length }).toEqual({ vms: 8, total: 8, truncated: false });
    expect(await json<unknown>('vms', 'list', '--power', 'off')).toEqual({ vms: [], total: 0, truncated: false });
    const bad = await outpost(['vms', 'list', '--tools', 'sometimes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--tools must be one of running, not-running, starting, unknown');
    expect((await outpost(['vms', 'count', '--enrolled', '--not-enrolled'])).code).toBe(2);

    const unconfirmed = await outpost(['site', 'remove', '--name', 'lab'], '');
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toContain('--yes');
    expect((await outpost(['vms', 'count'])).stdout).toBe('8\n'); // nothing removed
    const removed = await outpost(['site', 'remove', '--name', 'lab', '--yes']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.stdout).toContain('Marked removed (kept for audit): 8 VMs, 2 hosts');
    expect(await json<unknown[]>('site', 'list')).toEqual([]);
    expect((await outpost(['vms', 'count'])).stdout).toBe('0\n');
    expect((await outpost(['vms', 'count', '--all'])).stdout).toBe('8\n');
    expect((await outpost(['site', 'remove', '--name', 'lab', '--yes'])).stderr).toContain('[NOT_FOUND]');
    expect((await outpost(['audit', 'list'])).stdout).toContain('site.remove');
  });

  it('refuses bad input with one line and exit 2; failures exit 1 with their code', async () => {
    const cases: [string[], number, string][] = [
      [['site', 'add', '--name', 'lab', '--url', vc.url, '--user', 'u'], 2, '--password-stdin'],
      [['site', 'add', '--name', 'lab', '--url', 'ftp://x', '--user', 'u', '--password-stdin'], 2, 'https'],
      [['vm', 'power', '--site', 'lab', '--vm', 'x', 'explode'], 2, 'on, off, reset or shutdown'],
      [['vms', 'list', '--limit', 'abc'], 2, '--limit'],
      [['inventory', 'sync'], 2, '--site'],
      [['inventory', 'sync', '--site', 'nope'], 1, '[NOT_FOUND]'],
    ];
    for (const [args, code, text] of cases) {
      const r = await outpost(args, 'secret\n');
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toContain(text);
    }
    const wrong = await outpost(['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], 'wrong\n');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain('[VCENTER_AUTH]');
    expect(await json<unknown[]>('site', 'list')).toEqual([]);
  });

  it('inventory watch keeps the store current until SIGINT', async () => {
    expect((await addSite('--trust', vc.fingerprint)).code).toBe(0);
    const child = spawn(process.execPath, [bin, '--db', join(dir.path, 'o.db'), 'inventory', 'watch', '--site', 'lab'], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    const exited = new Promise<number>((r) => child.on('exit', (code) => r(code ?? -1)));
    const waitFor = async (re: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!re.test(out)) {
        if (Date.now() > deadline) throw new Error(`no ${re} in: ${out}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    await waitFor(/lab: watching/);
    const operator = await VsphereOperator.connect(vc);
    try {
      const vm = (await json<{ vms: { name: string }[] }>('vms', 'list', '--limit', '1')).vms[0]!;
      await operator.power(await morefOf(operator, vm.name), 'off');
      await waitFor(new RegExp(`modify VirtualMachine ${vm.name}`));
      await operator.power(await morefOf(operator, vm.name), 'on');
    } finally {
      await operator.close();
    }
    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

/** The VM's moref as vCenter knows it (read on the operator's own session, not from Outpost's store). */
async function morefOf(operator: VsphereOperator, name: string): Promise<string> {
  const view = await createContainerView(operator.session, operator.session.content.rootFolder, ['VirtualMachine']);
  let found = '';
  await retrieveAll(operator.session, view, [{ type: 'VirtualMachine', paths: ['name'] }], {
    onPage: (objects) => {
      for (const o of objects) if (o.props.get('name') === name) found = o.ref.value;
    },
  });
  return found;
}
