// `npm run dist`: the desktop installers, built from an Electron runtime and Electron headers that
// are already on this machine (README: "Desktop installers"). Nothing is downloaded for Electron:
//
//   --electron-dist DIR   (or OUTPOST_ELECTRON_DIST) an unpacked Electron for this OS/arch (the folder
//                         holding the `electron` executable) or a folder holding
//                         electron-v<version>-<platform>-<arch>.zip, e.g. node_modules/electron/dist
//                         where the binary was installed. The version must be package-lock's.
//   --electron-headers DIR (or OUTPOST_ELECTRON_NODEDIR) Electron's headers for the same version,
//                         unpacked (electron-v<version>-headers.tar.gz from the Electron release:
//                         the folder holding include/node/node_version.h). better-sqlite3 is
//                         rebuilt against them for Electron's ABI (scripts/electron-native.mjs).
//   --native-module FILE  a better_sqlite3.node already built for this Electron (e.g. on another
//                         box of the same OS/arch) instead of --electron-headers.
//   --dir                 only the unpacked app (release/<os>-unpacked), no installer.
//   --skip-build          use the existing dist/ (after `npm run build`).
//   --out DIR             where the packages go (default release/).
//
// The config is electron-builder.yml as is (files, asarUnpack, electronFuses, targets) with
// electronDist, the native module and the output folder set from the options above. Targets per
// OS: AppImage and deb on Linux, NSIS on Windows, dmg on macOS (each needs its OS's tools; the
// AppImage and deb tools come from electron-builder's cache, ELECTRON_BUILDER_CACHE).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import YAML from 'yaml';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fail = (message) => {
  console.error(`dist: ${message}`);
  process.exit(1);
};

let args;
try {
  args = parseArgs({
    options: {
      'electron-dist': { type: 'string' },
      'electron-headers': { type: 'string' },
      'native-module': { type: 'string' },
      dir: { type: 'boolean', default: false },
      'skip-build': { type: 'boolean', default: false },
      out: { type: 'string' },
    },
    strict: true,
  }).values;
} catch (err) {
  fail(`${err.message} (usage at the top of scripts/dist.mjs)`);
}

const electronVersion = JSON.parse(readFileSync(require.resolve('electron/package.json'), 'utf8')).version;
const platformName = { linux: 'linux', win32: 'win32', darwin: 'darwin' }[process.platform];
const executable = { linux: 'electron', win32: 'electron.exe', darwin: 'Electron.app' }[process.platform];
if (!platformName) fail(`no installers for ${process.platform}.`);

// --- the Electron runtime: given, or the one npm installed; never downloaded.
const electronDist = resolve(args['electron-dist'] ?? process.env.OUTPOST_ELECTRON_DIST ?? join(root, 'node_modules', 'electron', 'dist'));
const zipName = `electron-v${electronVersion}-${platformName}-${process.arch}.zip`;
const hasZip = existsSync(join(electronDist, zipName));
if (!hasZip && !existsSync(join(electronDist, executable))) {
  fail(
    `no Electron ${electronVersion} runtime at ${electronDist} (neither ${executable} nor ${zipName}). ` +
      `Copy it from a machine that has it (node_modules/electron/dist, or the release zip) and pass --electron-dist DIR.`,
  );
}
if (!hasZip && existsSync(join(electronDist, 'version'))) {
  const found = readFileSync(join(electronDist, 'version'), 'utf8').trim().replace(/^v/, '');
  if (found !== electronVersion) fail(`${electronDist} holds Electron ${found}; this checkout needs ${electronVersion} (package-lock).`);
}

// --- the native module for Electron's ABI.
let nativeModule = args['native-module'] ? resolve(args['native-module']) : null;
if (nativeModule && !existsSync(nativeModule)) fail(`--native-module ${nativeModule} does not exist.`);

if (!args['skip-build']) {
  const b = spawnSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: 'inherit' });
  if (b.status !== 0) fail('npm run build failed.');
}
for (const built of ['dist/electron/main.cjs', 'dist/electron/preload.cjs', 'dist/renderer/index.html']) {
  if (!existsSync(join(root, built))) fail(`${built} is missing: run \`npm run build\` (or drop --skip-build).`);
}

if (!nativeModule) {
  const headers = args['electron-headers'] ?? process.env.OUTPOST_ELECTRON_NODEDIR;
  if (!headers || !existsSync(join(headers, 'include', 'node', 'node_version.h'))) {
    fail(
      `Electron ${electronVersion}'s headers are needed to build better-sqlite3 for it: unpack electron-v${electronVersion}-headers.tar.gz ` +
        '(from the Electron release, copied in beforehand) and pass --electron-headers DIR (the folder holding include/node/), or pass --native-module FILE.',
    );
  }
  if (hasZip) fail('building the native module runs it in Electron to check it: give an unpacked Electron as --electron-dist, or pass --native-module FILE.');
  const native = spawnSync(process.execPath, [join(root, 'scripts', 'electron-native.mjs')], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, OUTPOST_ELECTRON_NODEDIR: resolve(headers), ELECTRON_OVERRIDE_DIST_PATH: electronDist },
  });
  if (native.status !== 0) fail('scripts/electron-native.mjs failed.');
  nativeModule = join(root, '.cache', 'electron-native', 'better_sqlite3.node');
}

// --- electron-builder with the checked-in config plus the local paths.
const config = YAML.parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8'));
config.electronDist = electronDist;
config.electronVersion = electronVersion;
config.directories = { ...config.directories, output: resolve(args.out ?? join(root, config.directories?.output ?? 'release')) };
config.extraResources = (config.extraResources ?? []).map((r) => (typeof r === 'object' && r.to === 'native/better_sqlite3.node' ? { ...r, from: nativeModule } : r));

const { build, Platform } = await import('electron-builder');
const platform = { linux: Platform.LINUX, win32: Platform.WINDOWS, darwin: Platform.MAC }[process.platform];
const started = Date.now();
const targets = platform.createTarget(args.dir ? ['dir'] : undefined);
// Given as an object, electron-builder would still load electron-builder.yml and merge it over
// these values (arrays included); a file of the effective config replaces it cleanly.
const effective = join(root, '.cache', 'dist', 'electron-builder.effective.json');
mkdirSync(dirname(effective), { recursive: true });
writeFileSync(effective, `${JSON.stringify(config, null, 2)}\n`);
const files = await build({ targets, config: effective, projectDir: root, publish: 'never' });
const outDir = config.directories.output;
console.log(
  JSON.stringify({
    out: outDir,
    electron: electronVersion,
    artifacts: args.dir ? readdirSync(outDir).filter((f) => f.endsWith('-unpacked') || f === 'mac') : files,
    seconds: Number(((Date.now() - started) / 1000).toFixed(1)),
  }),
);
