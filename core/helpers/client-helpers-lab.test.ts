import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { build } from 'esbuild';
import { createLab, labAvailable, startWhoami, type Lab } from '../../test/lab/netns-lab.js';
import { tempDir } from '../../test/temp-dir.js';

const available = labAvailable();
if (!available.ok) console.log(`client helper lab tests skipped: ${available.why}`);

const root = join(import.meta.dirname, '..', '..');

describe.skipIf(!available.ok)('outpost translate / preflight on a client namespace (real iptables, nft, TCP)', () => {
  let lab: Lab;
  let dir: ReturnType<typeof tempDir>;
  /** The real CLI, run inside the lab's client namespace as an operator's workstation. */
  const outpost = (...args: string[]): Promise<string> => lab.execAsync(lab.client, [process.execPath, join(root, 'bin', 'outpost.mjs'), '--db', join(dir.path, 'o.db'), ...args]);

  const runner = join(root, 'dist', 'test', 'core-runner-helpers.mjs');
  /** A contract command dispatched by a core running inside the client namespace. */
  const dispatchInClient = async (command: string, input: unknown): Promise<{ ok: boolean; value?: unknown; error?: { code: string } }> =>
    JSON.parse(await lab.execAsync(lab.client, [process.execPath, runner, dir.path, 'call', command, JSON.stringify(input)])) as { ok: boolean; value?: unknown };

  beforeAll(async () => {
    await build({ entryPoints: [join(root, 'test/fixtures/core-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
    dir = tempDir();
    lab = createLab(1);
    await startWhoami(lab, lab.firewall, 'forwarder', 8080);
    lab.exec(lab.firewall, ['iptables', '-A', 'INPUT', '-p', 'tcp', '--dport', '9999', '-j', 'DROP']);
  }, 30_000);
  afterAll(() => {
    lab?.destroy();
    dir?.remove();
  });

  for (const backend of ['iptables', 'nft'] as const) {
    it(`${backend}: private addresses reach the forwarding IP once applied, and not after removal`, async () => {
      const args = ['translate', '--subnet', '192.168.100.0/24', '--to', lab.firewallPublicIp, '--ports', '8080', '--format', backend];
      expect(lab.connectFromClient('192.168.100.7', 8080, 600)).toMatch(/ERROR|TIMEOUT/);
      expect(await outpost(...args, '--apply')).toContain('Applied outpost:translate:192.168.100.0/24=>203.0.113.1:tcp/8080');
      expect(await outpost(...args, '--apply')).toContain('(nothing to do)');
      expect(lab.connectFromClient('192.168.100.7', 8080)).toBe(`forwarder ${lab.clientIp}`);
      expect(JSON.parse(await outpost('--json', ...args, '--show'))).toEqual([expect.objectContaining({ backend, tag: 'outpost:translate:192.168.100.0/24=>203.0.113.1:tcp/8080' })]);
      expect(await outpost(...args, '--remove')).toContain('Removed');
      expect(JSON.parse(await outpost('--json', ...args, '--show'))).toEqual([]);
      expect(lab.connectFromClient('192.168.100.7', 8080, 600)).toMatch(/ERROR|TIMEOUT/);
    });
  }

  it('maps a whole prefix address for address (NETMAP)', async () => {
    const args = ['translate', '--subnet', '192.168.100.0/24', '--to-prefix', '203.0.113.0/24', '--protocol', 'all'];
    await outpost(...args, '--apply');
    expect(lab.connectFromClient('192.168.100.1', 8080)).toBe(`forwarder ${lab.clientIp}`);
    await outpost(...args, '--remove');
    const audit = JSON.parse(await outpost('--json', 'audit', 'list')) as { entries: { action: string }[] };
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['translate.apply', 'translate.remove']));
  });

  it('the contract commands apply, show and remove rules (handlers run in the client namespace)', async () => {
    const input = { subnet: '192.168.100.0/24', to: lab.firewallPublicIp, ports: [8080], backend: 'nft' };
    expect(await dispatchInClient('helpers.translate.apply', input)).toEqual({ ok: true, value: { tag: 'outpost:translate:192.168.100.0/24=>203.0.113.1:tcp/8080', changed: true } });
    expect(lab.connectFromClient('192.168.100.9', 8080)).toBe(`forwarder ${lab.clientIp}`);
    expect(await dispatchInClient('helpers.translate.applied', { backend: 'nft' })).toMatchObject({ ok: true, value: [{ backend: 'nft' }] });
    expect(await dispatchInClient('helpers.translate.remove', input)).toMatchObject({ ok: true, value: { changed: true } });
    expect(await dispatchInClient('helpers.translate.applied', { backend: 'nft' })).toEqual({ ok: true, value: [] });
    expect(await dispatchInClient('helpers.translate.apply', { ...input, to: undefined })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('preflight tells open, refused and timeout apart, concurrently', async () => {
    const started = Date.now();
    let out = '';
    try {
      out = await outpost('--json', 'preflight', `${lab.firewallPublicIp}:8080`, `${lab.firewallPublicIp}:9998`, `${lab.firewallPublicIp}:9999`, '--timeout', '700');
    } catch (err) {
      out = String((err as { stdout?: string }).stdout); // exit 1: not everything is open
    }
    const results = JSON.parse(out) as { port: number; status: string }[];
    expect(results.map((r) => `${r.port}:${r.status}`)).toEqual(['8080:open', '9998:refused', '9999:timeout']);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
