// Builds better-sqlite3 for Electron's ABI into .cache/electron-native/better_sqlite3.node.
//
// node_modules/better-sqlite3 is built for Node (tests and the CLI use it) and stays untouched:
// the sources are copied to .cache/electron-native/better-sqlite3/ and node-gyp builds that
// copy against Electron's headers. electron/main.ts passes the result to better-sqlite3 as
// `nativeBinding` (electron/sqlite-binding.ts); electron-builder.yml ships the same file as
// resources/native/better_sqlite3.node in a packaged app.
//
// Usage: node scripts/electron-native.mjs [--force] [--arch x64|arm64]
//   OUTPOST_ELECTRON_NODEDIR=<dir>  build against unpacked Electron headers (offline builds)
//                                   instead of downloading them from electronjs.org.
// Exits 0 with a clear "skipped" line when the Electron binary is not installed
// (ELECTRON_SKIP_BINARY_DOWNLOAD=1): there is nothing to run the module in.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { values: args } = parseArgs({ options: { force: { type: 'boolean', default: false }, arch: { type: 'string', default: process.arch } } });

const outDir = join(root, '.cache', 'electron-native');
const outFile = join(outDir, 'better_sqlite3.node');
const stampFile = join(outDir, 'build-info.json');

/**
 * The Electron executable, or null when it was never downloaded. Deliberately not
 * `require('electron')`: since Electron 3x that call starts a download when the binary is
 * missing, which must never happen from a build script (offline machines, CI).
 */
function electronBinary() {
  const pkgDir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const candidate = join(override, relative || 'electron');
    return existsSync(candidate) ? candidate : null;
  }
  if (!relative) return null;
  const candidate = join(pkgDir, 'dist', relative);
  return existsSync(candidate) ? candidate : null;
}

const electronPath = electronBinary();
if (!electronPath) {
  console.log('electron-native: skipped — Electron binary not present (ELECTRON_SKIP_BINARY_DOWNLOAD); nothing to build better-sqlite3 for.');
  process.exit(0);
}

const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const sqliteDir = dirname(require.resolve('better-sqlite3/package.json'));
const sqliteVersion = JSON.parse(readFileSync(join(sqliteDir, 'package.json'), 'utf8')).version;
const wanted = { electron: electronVersion, betterSqlite3: sqliteVersion, platform: process.platform, arch: args.arch };

const current = existsSync(stampFile) ? readFileSync(stampFile, 'utf8') : '';
if (!args.force && existsSync(outFile) && current === JSON.stringify(wanted)) {
  console.log(`electron-native: up to date — better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${args.arch}) at .cache/electron-native/`);
  process.exit(0);
}

const buildDir = join(outDir, 'better-sqlite3');
rmSync(buildDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });
// Sources only: the Node build output must not leak into (or be confused with) this build.
cpSync(sqliteDir, buildDir, { recursive: true, filter: (src) => !src.startsWith(join(sqliteDir, 'build')) && !src.includes(`${join(sqliteDir, 'node_modules')}`) });

const gypArgs = [
  require.resolve('node-gyp/bin/node-gyp.js'),
  'rebuild',
  '--release',
  '--runtime=electron',
  `--target=${electronVersion}`,
  `--arch=${args.arch}`,
];
if (process.env.OUTPOST_ELECTRON_NODEDIR) gypArgs.push(`--nodedir=${process.env.OUTPOST_ELECTRON_NODEDIR}`);
else gypArgs.push('--dist-url=https://electronjs.org/headers');

// An npm config `nodedir` (this machine's npmrc sets one) reaches node-gyp as npm_config_nodedir
// and would silently build against Node's headers: drop every inherited npm_config_* knob.
const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.toLowerCase().startsWith('npm_config_')));
env.HOME = env.HOME ?? root;

console.log(`electron-native: building better-sqlite3 ${sqliteVersion} for Electron ${electronVersion} (${process.platform}-${args.arch}); takes about 2 minutes...`);
const started = Date.now();
const build = spawnSync(process.execPath, gypArgs, { cwd: buildDir, env, stdio: 'inherit' });
if (build.status !== 0) {
  console.error(
    `electron-native: FAILED — node-gyp exited ${build.status ?? build.signal}. Needs python3, make and a C++ compiler, and Electron's headers ` +
      '(downloaded from electronjs.org, or set OUTPOST_ELECTRON_NODEDIR to an unpacked copy).',
  );
  process.exit(1);
}
copyFileSync(join(buildDir, 'build', 'Release', 'better_sqlite3.node'), outFile);

// Prove the module loads in Electron's own Node (ABI match) before anyone relies on it.
const probe = spawnSync(
  electronPath,
  ['-e', `const D=require(${JSON.stringify(join(sqliteDir, 'lib', 'index.js'))});const db=new D(':memory:',{nativeBinding:${JSON.stringify(outFile)}});console.log(db.prepare('select sqlite_version() v').get().v);db.close()`],
  { env: { ...env, ELECTRON_RUN_AS_NODE: '1' }, encoding: 'utf8' },
);
if (probe.status !== 0) {
  console.error(`electron-native: FAILED — the built module does not load in Electron:\n${probe.stderr}`);
  rmSync(outFile, { force: true });
  process.exit(1);
}
writeFileSync(stampFile, JSON.stringify(wanted));
rmSync(buildDir, { recursive: true, force: true });
console.log(
  `electron-native: built .cache/electron-native/better_sqlite3.node for Electron ${electronVersion} in ${((Date.now() - started) / 1000).toFixed(0)}s (SQLite ${probe.stdout.trim()} loads in Electron)`,
);
