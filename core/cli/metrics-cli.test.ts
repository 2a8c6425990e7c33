import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../test/peers/free-port.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { outpostBin, runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';
import type { ProcessMetrics } from '../contract/metrics.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

const unavailable = vcsimUnavailable() ?? (existsSync(outpostBin) ? null : 'the CLI is not built (npm run build:node)');
if (unavailable) console.log(`outpost metrics CLI tests skipped: ${unavailable}`);

const passphrase = 'metrics cli passphrase';
const env = { OUTPOST_VAULT_PASSPHRASE: passphrase };

const httpGet = (url: string): Promise<{ status: number; type: string; body: string }> =>
  new Promise((resolve, reject) => {
    get(url, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body }));
    }).once('error', reject);
  });

describe.skipIf(unavailable !== null)('outpost serve --metrics-port and outpost metrics (built CLI) against vcsim', () => {
  let vc: Vcsim;
  let dir: ReturnType<typeof tempDir>;
  let db: string;

  beforeAll(async () => {
    vc = await startVcsim({ vms: 3, clusters: 1, hosts: 1 });
    dir = tempDir();
    db = join(dir.path, 'outpost.db');
    const core = await createOutpostCore({ dataDir: dir.path, dbPath: db, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    try {
      expect((await core.dispatch('sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint })).ok).toBe(true);
    } finally {
      await core.close();
    }
  }, 120_000);
  afterAll(async () => {
    await vc?.stop();
    dir?.remove();
  });

  it('serve answers GET /metrics on loopback in OpenMetrics format; outpost metrics in another process prints what serve wrote', async () => {
    const port = await freePort();
    const serve = spawn(process.execPath, [outpostBin, '--db', db, 'serve', '--metrics-port', String(port)], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = new Promise<number | null>((resolve) => serve.once('exit', (code) => resolve(code)));
    try {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('serve did not reach watching')), 20_000);
        createInterface({ input: serve.stdout! }).on('line', (l) => {
          if (/lab: watching/.test(l)) {
            clearTimeout(t);
            resolve();
          }
        });
      });
      const r = await httpGet(`http://127.0.0.1:${port}/metrics`);
      expect(r.status).toBe(200);
      expect(r.type).toBe('application/openmetrics-text; version=1.0.0; charset=utf-8');
      expect(r.body).toMatch(/^# TYPE outpost_inventory_sync_seconds histogram$/m);
      expect(r.body).toMatch(/^outpost_inventory_sync_seconds_count\{site="lab"\} 1$/m);
      expect(r.body).toMatch(/^outpost_inventory_sync_seconds_bucket\{site="lab",le="\+Inf"\} 1$/m);
      expect(r.body).toMatch(/^outpost_inventory_watch_up\{site="lab"\} 1$/m);
      // Every sample line is name{labels} value; the text ends with # EOF.
      for (const line of r.body.trimEnd().split('\n')) expect(line).toMatch(/^(# (TYPE|HELP) .+|[a-z_]+(\{[^}]*\})? -?[0-9.e+-]+|# EOF)$/);
      expect(r.body.endsWith('# EOF\n')).toBe(true);
      expect((await httpGet(`http://127.0.0.1:${port}/other`)).status).toBe(404);

      // serve writes its figures within a second of a watcher state change (and every 10 s).
      await new Promise((r) => setTimeout(r, 1_500));
      const listed = await runOutpost(['--db', db, '--json', 'metrics'], { env });
      expect(listed.code, listed.stderr).toBe(0);
      const processes = JSON.parse(listed.stdout) as ProcessMetrics[];
      expect(processes).toHaveLength(1);
      expect(processes[0]).toMatchObject({ role: 'serve', pid: serve.pid, stale: false });
      const human = await runOutpost(['--db', db, 'metrics'], { env });
      expect(human.stdout).toMatch(/^serve:\d+@.+ \(serve\), written /m);
      expect(human.stdout).toMatch(/outpost_inventory_sync_seconds\s+site=lab\s+1\s+mean/);
    } finally {
      serve.kill('SIGTERM');
      expect(await exit).toBe(0);
    }
  }, 60_000);

  it('refuses a metrics port that is not a number before anything starts', async () => {
    const r = await runOutpost(['--db', db, 'serve', '--metrics-port', 'eighty'], { env });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('--metrics-port must be a port number');
  });
});
