import { execFile, spawnSync } from 'node:child_process';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, realpathSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { signBundle } from './bundle-signature.js';

// End to end with the real `npm run bundle` (scripts/bundle.mjs): two bundles built once for
// this file (v1 from this source, v2 with a bumped version and one more, rehearsal, migration), extracted and
// run in a network namespace that has only a loopback interface, with a clean HOME, a bare PATH
// and the machine's Node hidden, so the bundle must bring everything it runs.
const repo = join(import.meta.dirname, '..', '..');
const pkgVersion = z.object({ version: z.string() }).parse(JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'))).version;
const [major, minor, patch] = pkgVersion.split(/[.-]/).map(Number) as [number, number, number];
const v1 = pkgVersion;
const v2 = `${major}.${minor}.${patch + 1}`;
// v1 is at the source's schema; v2 adds one migration.
const migrationCount = readdirSync(join(repo, 'core', 'db', 'migrations')).filter((f) => /^\d{3}-.*\.ts$/.test(f)).length + 1;

// The machine's own Node, hidden inside the namespace by a bind mount of /dev/null over it.
const systemNode = realpathSync(process.execPath);
const isolationWorks = (): string | null => {
  if (process.getuid?.() !== 0) return 'needs root (unshare -n -m)';
  const probe = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'sh', '-c', `ip link set lo up && mount --bind /dev/null ${systemNode}`], { encoding: 'utf8' });
  return probe.status === 0 ? null : `unshare/ip/mount not usable here: ${probe.stderr.trim()}`;
};
const skipWhy = isolationWorks();
const run = promisify(execFile);

interface Isolated {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

describe.skipIf(skipWhy !== null)('offline bundle: install, run, update, refuse, roll back with no network', () => {
  let dir: ReturnType<typeof tempDir>;
  let site: string;
  let home: string;
  let releaseKey: KeyObject;
  let otherKey: KeyObject;
  const bundleOf = (v: string, out: string): string => join(out, `outpost-${v}-linux-x64.tar.gz`);
  let b1: string;
  let b2: string;
  const figures: Record<string, number> = {};

  /** `script` in sh inside a new net+mount namespace: lo only, no route, no system node, env -i. */
  const isolated = (script: string): Promise<Isolated> =>
    new Promise((resolve) => {
      const prelude = [
        'set -e',
        'ip link set lo up',
        `mount --bind /dev/null ${systemNode}`,
        'test -z "$(ip -4 route; ip -6 route)"',
        '! node --version >/dev/null 2>&1',
        `cd ${JSON.stringify(site)}`,
        'set +e',
      ].join('\n');
      const t0 = performance.now();
      execFile(
        'unshare',
        ['-n', '-m', '--propagation', 'private', 'sh', '-c', `${prelude}\n${script}`],
        { env: { HOME: home, PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' }, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
        (err, stdout, stderr) => {
          const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
          resolve({ code, stdout, stderr, ms: performance.now() - t0 });
        },
      );
    });
  const outpost = (args: string): Promise<Isolated> => isolated(`./outpost/bin/outpost ${args}`);
  const json = async (args: string): Promise<unknown> => {
    const r = await outpost(`--json ${args}`);
    expect(r.stderr).toBe('');
    return JSON.parse(r.stdout);
  };
  const schema = async (): Promise<number> => z.object({ schemaVersion: z.number() }).parse(await json('info')).schemaVersion;
  const pools = async (): Promise<string[]> => z.array(z.object({ name: z.string() })).parse(await json('ipam list')).map((p) => p.name);
  const auditActions = async (): Promise<string[]> =>
    z.object({ entries: z.array(z.object({ action: z.string() })) }).parse(await json('audit list --query update.')).entries.map((e) => e.action);
  const installed = (): { current: string; versions: string[] } => ({
    current: readlinkSync(join(site, 'outpost', 'current')),
    versions: readdirSync(join(site, 'outpost', 'versions')).sort(),
  });

  beforeAll(async () => {
    dir = tempDir('outpost-bundle-test-');
    site = join(dir.path, 'site');
    home = join(dir.path, 'home');
    mkdirSync(site);
    mkdirSync(home);
    const release = generateKeyPairSync('ed25519');
    releaseKey = release.privateKey;
    otherKey = generateKeyPairSync('ed25519').privateKey;
    writeFileSync(join(dir.path, 'release.key'), release.privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    writeFileSync(join(dir.path, 'release.pub'), release.publicKey.export({ type: 'spki', format: 'pem' }));

    let renderer = join(repo, 'dist', 'renderer');
    if (!existsSync(join(renderer, 'index.html'))) {
      renderer = join(dir.path, 'renderer');
      await run(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', renderer, '--emptyOutDir', '--logLevel', 'error'], { cwd: repo });
    }
    const keys = ['--fast-compression', '--sign-key', join(dir.path, 'release.key'), '--public-key', join(dir.path, 'release.pub'), '--renderer', renderer];
    let t0 = performance.now();
    await run(process.execPath, ['scripts/bundle.mjs', '--out', join(dir.path, 'v1'), ...keys], { cwd: repo });
    figures.bundleBuildMs = Math.round(performance.now() - t0);
    t0 = performance.now();
    await run(process.execPath, ['scripts/bundle.mjs', '--out', join(dir.path, 'v2'), ...keys, '--version-override', v2, '--rehearsal-migration'], { cwd: repo });
    b1 = bundleOf(v1, join(dir.path, 'v1'));
    b2 = bundleOf(v2, join(dir.path, 'v2'));
    figures.bundleBytes = readFileSync(b1).length;
  }, 600_000);

  afterAll(() => {
    console.log(`offline-bundle figures: ${JSON.stringify(figures)}`);
    dir?.remove();
  });

  it('extracts and runs with no route anywhere: --version, db migrate, data written', async () => {
    const install = await isolated(`tar xzf ${JSON.stringify(b1)} && ./outpost/bin/outpost --version`);
    expect(install.stderr).toBe('');
    expect(install.stdout.trim()).toBe(v1);
    figures.installAndFirstRunMs = Math.round(install.ms);
    const cold = await outpost('--version');
    figures.coldVersionMs = Math.round(cold.ms);

    const migrated = await outpost('db migrate');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`${home}/.config/Outpost/outpost.db: migrated from version 0 to ${migrationCount - 1}`);
    expect((await outpost('ipam pool add --name kept --cidr 198.51.100.0/29 --kind public')).code).toBe(0);
    expect(await pools()).toEqual(['kept']);
    expect(await schema()).toBe(migrationCount - 1);
  });

  it('the headless host serves its page over loopback inside the namespace', async () => {
    const r = await isolated(`
./outpost/bin/outpost-host --port 0 --json > host.json 2> host.err &
pid=$!
i=0; while [ ! -s host.json ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i+1)); done
url=$(sed 's/.*"url":"\\([^"]*\\)".*/\\1/' host.json)
./outpost/current/node -e "fetch(process.argv[1]).then(async (r) => console.log(r.status, (await r.text()).includes('<div id=\\"root\\">')))" "$url"
kill $pid; wait $pid
cat host.err >&2`);
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('200 true');
  });

  it('update --check verifies a bundle with the pinned key, or with --public-key, and changes nothing', async () => {
    const before = installed();
    const ok = await outpost(`update --check --from ${b2}`);
    expect(ok.stderr).toBe('');
    expect(ok.stdout).toMatch(new RegExp(`: verified, Outpost ${v2.replace(/\./g, '\\.')} \\(linux-x64\\), signed by release key [0-9a-f]{16}, SHA-256 [0-9a-f]{64}\\.$`, 'm'));
    writeFileSync(join(dir.path, 'other.pub'), createPublicKey(otherKey).export({ type: 'spki', format: 'pem' }));
    const wrongKey = await outpost(`update --check --from ${b2} --public-key ${join(dir.path, 'other.pub')}`);
    expect(wrongKey.code).toBe(1);
    expect(wrongKey.stderr).toMatch(/signed by another key .* \[BUNDLE_UNVERIFIED\]$/m);
    expect(installed()).toEqual(before);
    expect(await auditActions()).toEqual([]);
  });

  it('a tampered bundle is refused with one line; nothing changes but an audit record', async () => {
    const tampered = join(dir.path, 'tampered', `outpost-${v2}-linux-x64.tar.gz`);
    mkdirSync(join(dir.path, 'tampered'));
    const bytes = readFileSync(b2);
    const middle = Math.floor(bytes.length / 2);
    bytes[middle] = bytes[middle]! ^ 0xff;
    writeFileSync(tampered, bytes);
    copyFileSync(`${b2}.sig`, `${tampered}.sig`);
    const before = installed();
    const r = await outpost(`update --from ${tampered}`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^outpost: Refused .*: its SHA-256 is [0-9a-f]{64}, the signed manifest says [0-9a-f]{64}; the file is damaged or altered\. \[BUNDLE_UNVERIFIED\]$/m);
    expect(installed()).toEqual(before);
    expect(readdirSync(join(site, 'outpost')).sort()).toEqual(['bin', 'current', 'versions']);
    expect(await schema()).toBe(migrationCount - 1);
    expect(await pools()).toEqual(['kept']);
    expect(await auditActions()).toEqual(['update.refused']);
  });

  it('a bundle signed by another key is refused, naming the trusted key', async () => {
    const foreign = join(dir.path, 'foreign', `outpost-${v2}-linux-x64.tar.gz`);
    mkdirSync(join(dir.path, 'foreign'));
    copyFileSync(b2, foreign);
    writeFileSync(`${foreign}.sig`, await signBundle(foreign, otherKey, v2));
    const before = installed();
    const r = await outpost(`update --from ${foreign}`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/signed by another key \([0-9a-f]{16}\); this installation trusts release key [0-9a-f]{16} only\. \[BUNDLE_UNVERIFIED\]/);
    expect(installed()).toEqual(before);
    expect(await schema()).toBe(migrationCount - 1);
  });

  it('a correctly signed bundle whose version does not start is refused after the check; the old one keeps running', async () => {
    // A tiny signed bundle holding a version whose runtime exits 3: signature and checksum pass,
    // the start check must not.
    const broken = join(dir.path, 'broken');
    const vdir = join(broken, 'outpost', 'versions', '9.0.0');
    mkdirSync(join(vdir, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(vdir, 'BUNDLE.json'), JSON.stringify({ version: '9.0.0' }));
    writeFileSync(join(vdir, 'node'), '#!/bin/sh\necho "cannot run here" >&2\nexit 3\n');
    chmodSync(join(vdir, 'node'), 0o755);
    const tarball = join(broken, 'outpost-9.0.0-linux-x64.tar.gz');
    await run('tar', ['-czf', tarball, '-C', broken, 'outpost']);
    writeFileSync(`${tarball}.sig`, await signBundle(tarball, releaseKey, '9.0.0'));
    const before = installed();
    const r = await outpost(`update --from ${tarball}`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(`outpost: Outpost 9.0.0 does not start here: cannot run here. Outpost ${v1} keeps running; the store was not changed. [UPDATE_FAILED]`);
    expect(installed()).toEqual(before);
    expect(await schema()).toBe(migrationCount - 1);
  });

  it('a signed version that starts but cannot migrate the store is refused after the rehearsal on a copy; the store is untouched', async () => {
    // Its runtime is the installed one; its CLI answers --version and fails `db migrate`.
    const bad = join(dir.path, 'bad-migration');
    const vdir = join(bad, 'outpost', 'versions', '9.0.1');
    mkdirSync(join(vdir, 'dist', 'cli'), { recursive: true });
    writeFileSync(join(vdir, 'BUNDLE.json'), JSON.stringify({ version: '9.0.1' }));
    writeFileSync(join(vdir, 'node'), `#!/bin/sh\nexec ${join(site, 'outpost', 'versions', v1, 'node')} "$@"\n`);
    chmodSync(join(vdir, 'node'), 0o755);
    writeFileSync(
      join(vdir, 'dist', 'cli', 'main.mjs'),
      "if (process.argv.includes('--version')) console.log('9.0.1'); else { console.error('outpost: Migration 99 (broken) failed: no such table [DB_MIGRATION]'); process.exit(1); }\n",
    );
    const tarball = join(bad, 'outpost-9.0.1-linux-x64.tar.gz');
    await run('tar', ['-czf', tarball, '-C', bad, 'outpost']);
    writeFileSync(`${tarball}.sig`, await signBundle(tarball, releaseKey, '9.0.1'));
    const before = installed();
    const r = await outpost(`update --from ${tarball}`);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe(
      `outpost: Outpost 9.0.1 cannot migrate this store: Migration 99 (broken) failed: no such table [DB_MIGRATION]. Outpost ${v1} keeps running; the store was not changed. [UPDATE_FAILED]`,
    );
    expect(installed()).toEqual(before);
    expect(await schema()).toBe(migrationCount - 1);
    expect(await pools()).toEqual(['kept']);
    expect(readdirSync(join(home, '.config', 'Outpost', 'update-snapshots'))).toEqual([]);
  });

  it(`updates ${v1} -> ${v2}: migrates the store, keeps its data, switches, audits`, async () => {
    const r = await outpost(`update --from ${b2}`);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Updated ${v1.replace(/\./g, '\\.')} -> ${v2.replace(/\./g, '\\.')} in [\\d.]+s; store schema ${migrationCount - 1} -> ${migrationCount}`));
    figures.updateMs = Math.round(r.ms);
    expect((await outpost('--version')).stdout.trim()).toBe(v2);
    expect(installed()).toEqual({ current: `versions/${v2}`, versions: [v1, v2].sort() });
    expect(await schema()).toBe(migrationCount);
    expect(await pools()).toEqual(['kept']);
    expect((await auditActions())[0]).toBe('update.installed');
  });

  it(`rolls back to ${v1}: the store snapshot returns (the ${v2} store kept aside) and ${v1} runs again`, async () => {
    const r = await outpost('update --rollback');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Rolled back ${v2.replace(/\./g, '\\.')} -> ${v1.replace(/\./g, '\\.')}\\. Store restored`));
    expect((await outpost('--version')).stdout.trim()).toBe(v1);
    expect(installed().current).toBe(`versions/${v1}`);
    expect(await schema()).toBe(migrationCount - 1);
    expect(await pools()).toEqual(['kept']);
    const dataDir = join(home, '.config', 'Outpost');
    expect(readdirSync(dataDir).some((f) => f.startsWith(`outpost.db.from-${v2}-`))).toBe(true);
    expect((await auditActions())[0]).toBe('update.rollback');
  });
});
