import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { outpostBin, runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';
import type { VcenterEvent, VmSummary } from '../contract/inventory.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

const unavailable = vcsimUnavailable() ?? (existsSync(outpostBin) ? null : 'the CLI is not built (npm run build:node)');
if (unavailable) console.log(`outpost serve tests skipped: ${unavailable}`);

const passphrase = 'serve tests passphrase';
const env = { OUTPOST_VAULT_PASSPHRASE: passphrase };

/** A long-running `outpost` (serve, events --follow): its stdout lines as they come. */
function startOutpost(args: string[]): { child: ChildProcess; lines: string[]; waitFor(re: RegExp, timeoutMs?: number): Promise<string>; exit: Promise<number | string | null> } {
  const child = spawn(process.execPath, [outpostBin, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: { re: RegExp; resolve(l: string): void }[] = [];
  createInterface({ input: child.stdout! }).on('line', (l) => {
    lines.push(l);
    for (const w of [...waiters]) {
      if (!w.re.test(l)) continue;
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve(l);
    }
  });
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const exit = new Promise<number | string | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? `${signal} ${stderr}`)));
  const waitFor = (re: RegExp, timeoutMs = 10_000): Promise<string> => {
    const seen = lines.find((l) => re.test(l));
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`no line matching ${re} within ${timeoutMs} ms; stdout:\n${lines.join('\n')}\nstderr:\n${stderr}`)), timeoutMs);
      waiters.push({ re, resolve: (l) => (clearTimeout(t), resolve(l)) });
    });
  };
  return { child, lines, waitFor, exit };
}

describe.skipIf(unavailable !== null)('outpost serve and outpost events (built CLI) against vcsim', () => {
  let vc: Vcsim;
  let operator: VsphereOperator;
  let dir: ReturnType<typeof tempDir>;
  let db: string;

  beforeAll(async () => {
    vc = await startVcsim({ vms: 6, clusters: 1, hosts: 1 });
    operator = await VsphereOperator.connect(vc);
    dir = tempDir();
    db = join(dir.path, 'outpost.db');
    const core = await createOutpostCore({ dataDir: dir.path, dbPath: db, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    try {
      const r = await core.dispatch('sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
      expect(r.ok).toBe(true);
    } finally {
      await core.close();
    }
  }, 120_000);
  afterAll(async () => {
    await operator?.close();
    await vc?.stop();
    dir?.remove();
  });

  it('serve indexes every site without a toggle, shows in site list, refuses a second serve, tails events with --follow, stops cleanly on SIGTERM', async () => {
    const serve = startOutpost(['--db', db, 'serve']);
    try {
      await serve.waitFor(/lab: watching/);
      expect(existsSync(`${db}.index.lock`)).toBe(true);

      const list = await runOutpost(['--db', db, 'site', 'list'], { env });
      expect(list.code, list.stderr).toBe(0);
      expect(list.stdout).toMatch(/INDEX/);
      expect(list.stdout).toMatch(/lab .* live/);

      const second = await runOutpost(['--db', db, 'serve'], { env });
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain(`Another Outpost process (pid ${serve.child.pid}) already indexes this store`);

      // The CLI's VM list has no morefs; read one from the store the way the UI would.
      const reader = await createOutpostCore({ dataDir: dir.path, dbPath: db, transport: 'test' });
      const vms = await reader.dispatch('vms.list', { site: 'lab', limit: 10 });
      await reader.close();
      if (!vms.ok) throw new Error(JSON.stringify(vms.error));
      const target = (vms.value as VmSummary[])[0]!;
      const follow = startOutpost(['--db', db, '--json', 'events', 'list', '--follow', '--interval', '200', '--limit', '1', '--type', 'Vm*']);
      try {
        await new Promise((r) => setTimeout(r, 500));
        await operator.power(target.moref, 'off');
        const line = await follow.waitFor(/VmPoweredOffEvent/);
        const event = JSON.parse(line) as VcenterEvent;
        expect(event).toMatchObject({ site: 'lab', type: 'VmPoweredOffEvent', vmName: target.name, userName: vc.username });
        await serve.waitFor(/lab: event VmPoweredOffEvent/);
        follow.child.kill('SIGTERM');
        expect(await follow.exit).toBe(0);
      } finally {
        follow.child.kill('SIGKILL');
      }
      const listed = await runOutpost(['--db', db, 'events', 'list', '--user', vc.username, '--vm', target.name, '--since', '10m'], { env });
      expect(listed.stdout).toMatch(/VmPoweredOffEvent/);
    } finally {
      serve.child.kill('SIGTERM');
      expect(await serve.exit).toBe(0);
    }
    expect(serve.lines.at(-1)).toMatch(/outpost serve: stopped/);
    expect(existsSync(`${db}.index.lock`)).toBe(false);
    const after = await runOutpost(['--db', db, 'site', 'list'], { env });
    expect(after.stdout).toMatch(/not indexed/);
  }, 60_000);
});
