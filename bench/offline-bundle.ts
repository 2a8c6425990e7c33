// Offline bundle figures: build time and size (release compression), install (tar xzf) time,
// `outpost --version` cold start from the bundle (median of 5), and update time v1 -> v2 on a
// store with data. Prints one JSON line; not a timed test. Needs a built renderer (dist/renderer,
// `npm run build`) or builds one into a temp folder. Keys are generated here and thrown away.
import { execFileSync, spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const repo = process.cwd();
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-bundle-'));
const ms = (t: number): number => Math.round(performance.now() - t);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
try {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'k'), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
  writeFileSync(join(dir, 'k.pub'), publicKey.export({ type: 'spki', format: 'pem' }));
  let renderer = join(repo, 'dist', 'renderer');
  if (!existsSync(join(renderer, 'index.html'))) {
    renderer = join(dir, 'renderer');
    execFileSync(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', renderer, '--logLevel', 'error'], { cwd: repo });
  }
  const common = ['scripts/bundle.mjs', '--sign-key', join(dir, 'k'), '--public-key', join(dir, 'k.pub'), '--renderer', renderer];
  let t = performance.now();
  execFileSync(process.execPath, [...common, '--out', join(dir, 'v1')], { cwd: repo, stdio: 'ignore' });
  const buildMs = ms(t);
  execFileSync(process.execPath, [...common, '--out', join(dir, 'v2'), '--version-override', '99.0.0', '--rehearsal-migration'], { cwd: repo, stdio: 'ignore' });
  const v1 = spawnSync('sh', ['-c', `ls ${join(dir, 'v1')}/*.tar.gz`], { encoding: 'utf8' }).stdout.trim();
  const v2 = join(dir, 'v2', 'outpost-99.0.0-linux-x64.tar.gz');

  const site = join(dir, 'site');
  const home = join(dir, 'home');
  mkdirSync(site);
  mkdirSync(home);
  const env = { HOME: home, PATH: '/usr/bin:/bin' };
  t = performance.now();
  execFileSync('tar', ['xzf', v1], { cwd: site });
  const installMs = ms(t);
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    t = performance.now();
    execFileSync(join(site, 'outpost', 'bin', 'outpost'), ['--version'], { env });
    cold.push(ms(t));
  }
  execFileSync(join(site, 'outpost', 'bin', 'outpost'), ['ipam', 'pool', 'add', '--name', 'p', '--cidr', '198.51.100.0/24', '--kind', 'public'], { env });
  t = performance.now();
  execFileSync(join(site, 'outpost', 'bin', 'outpost'), ['update', '--from', v2], { env });
  const updateMs = ms(t);
  t = performance.now();
  execFileSync(join(site, 'outpost', 'bin', 'outpost'), ['update', '--rollback'], { env });
  const rollbackMs = ms(t);
  console.log(
    JSON.stringify({
      bench: 'offline-bundle',
      bundleMiB: Number((statSync(v1).size / 1048576).toFixed(1)),
      buildMs,
      installMs,
      coldVersionMsMedian: median(cold),
      coldVersionMs: cold,
      updateMs,
      rollbackMs,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
