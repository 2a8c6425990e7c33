import { listPackage } from '@electron/asar';
import { getCurrentFuseWire } from '@electron/fuses';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

// `npm run dist -- --dir` (scripts/dist.mjs) against a STAND-IN Electron runtime: no Electron
// binary can be downloaded here, so the runtime folder holds a small executable that carries
// Electron's fuse sentinel and a fuse wire set the insecure way (what a real Electron ships).
// electron-builder copies it as the app's executable, packs app.asar, unpacks what child
// processes read, ships the native module, and flips the fuses of electron-builder.yml.
// Run with no network at all when root (unshare -n).
const repo = join(import.meta.dirname, '..');
const run = promisify(execFile);
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
// Electron's FuseV1 order; the stand-in starts with each one opposite to what the config wants.
const FUSE_ORDER = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;
const offline = process.getuid?.() === 0 && spawnSync('unshare', ['-n', 'true']).status === 0;

describe('npm run dist --dir with a stand-in Electron runtime (no download)', () => {
  let dir: ReturnType<typeof tempDir>;
  let standIn: string;
  let app: string;
  let required: Record<string, boolean>;
  const nativeModule = join(repo, 'node_modules', 'better-sqlite3', 'build', 'Release', 'better_sqlite3.node');

  const dist = (args: string[]): Promise<{ code: number; stdout: string; stderr: string }> =>
    new Promise((resolve) => {
      const argv = [process.execPath, join(repo, 'scripts', 'dist.mjs'), ...args];
      const [cmd, ...rest] = offline ? ['unshare', '-n', ...argv] : argv;
      execFile(cmd!, rest, { cwd: repo, timeout: 300_000, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, ELECTRON_BUILDER_CACHE: join(dir.path, 'eb-cache') } }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });

  beforeAll(async () => {
    dir = tempDir('outpost-dist-');
    const fuses = (await import(join(repo, 'scripts', 'check-electron-fuses.mjs'))) as { REQUIRED_FUSES: Record<string, boolean> };
    required = fuses.REQUIRED_FUSES;
    const electronVersion = (JSON.parse(readFileSync(join(repo, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;
    standIn = join(dir.path, 'electron-runtime');
    mkdirSync(join(standIn, 'resources'), { recursive: true });
    const wire = FUSE_ORDER.map((name) => (name in required ? (required[name] ? '0' : '1') : '0')).join('');
    writeFileSync(join(standIn, 'electron'), Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n'), Buffer.from(SENTINEL), Buffer.from([1, FUSE_ORDER.length]), Buffer.from(wire), Buffer.from('\n')]), { mode: 0o755 });
    writeFileSync(join(standIn, 'version'), electronVersion);
    writeFileSync(join(standIn, 'LICENSE'), 'stand-in');

    if (!existsSync(join(repo, 'dist', 'renderer', 'index.html'))) {
      await run(process.execPath, [join(repo, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'error'], { cwd: repo });
    }
    const r = await dist(['--dir', '--skip-build', '--electron-dist', standIn, '--native-module', nativeModule, '--out', join(dir.path, 'out')]);
    if (r.code !== 0) throw new Error(`dist failed: ${r.stderr}\n${r.stdout}`);
    app = join(dir.path, 'out', 'linux-unpacked');
  }, 420_000);
  afterAll(() => dir?.remove());

  it('packs the built app into app.asar without source maps or Node builds of native modules', () => {
    const files = new Set(listPackage(join(app, 'resources', 'app.asar'), { isPack: false }).map((f) => f.replace(/\\/g, '/')));
    for (const f of ['/package.json', '/dist/electron/main.cjs', '/dist/electron/preload.cjs', '/dist/renderer/index.html', '/dist/cli/main.mjs', '/resources/enrollment/os-requirements.json', '/node_modules/ssh2/package.json']) {
      expect(files, f).toContain(f);
    }
    const leaked = [...files].filter((f) =>
        (f.startsWith('/dist/') && f.endsWith('.map')) ||
        f.startsWith('/node_modules/better-sqlite3/build/') ||
        f.includes('/ssh2/lib/protocol/crypto/build/') ||
        f.startsWith('/node_modules/cpu-features/build/'),
    );
    expect(leaked).toEqual([]);
  });

  it('unpacks what other processes read from disk and ships the Electron-ABI SQLite module outside the archive', () => {
    for (const f of ['enroll.yml', 'os-requirements.json']) expect(existsSync(join(app, 'resources', 'app.asar.unpacked', 'resources', 'enrollment', f)), f).toBe(true);
    expect(readFileSync(join(app, 'resources', 'native', 'better_sqlite3.node')).equals(readFileSync(nativeModule))).toBe(true);
    expect(existsSync(join(app, 'outpost'))).toBe(true);
  });

  it('flips every fuse electron-builder.yml asks for in the packaged executable', async () => {
    const wire = (await getCurrentFuseWire(join(app, 'outpost'))) as unknown as Record<string, number>;
    const got = Object.fromEntries(FUSE_ORDER.map((name, i) => [name, wire[String(i)] === 49]));
    for (const [name, want] of Object.entries(required)) expect(got[name], name).toBe(want);
  });

  it('refuses, with what to do, when the Electron runtime or headers are not on the machine', async () => {
    const noRuntime = await dist(['--dir', '--skip-build', '--electron-dist', join(dir.path, 'nowhere')]);
    expect(noRuntime.code).toBe(1);
    expect(noRuntime.stderr).toMatch(/^dist: no Electron [\d.]+ runtime at .*nowhere .*pass --electron-dist DIR\.$/m);
    const noHeaders = await dist(['--dir', '--skip-build', '--electron-dist', standIn, '--electron-headers', join(dir.path, 'nowhere')]);
    expect(noHeaders.code).toBe(1);
    expect(noHeaders.stderr).toMatch(/headers are needed to build better-sqlite3 for it: .*--electron-headers DIR/);
  });
});
