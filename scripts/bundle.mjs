// `npm run bundle`: the offline bundle for Linux x64 sites (docs: README, "At a site with no internet").
//
// Writes <out>/outpost-<version>-linux-x64.tar.gz, its .sha256 (sha256sum format) and, when a
// signing key is given, its .sig (ed25519 over a small manifest that names the tarball's SHA-256;
// core/update/bundle-signature.ts verifies it). The tarball extracts to:
//
//   outpost/bin/outpost, outpost/bin/outpost-host   launchers (POSIX sh) that run `current`
//   outpost/current -> versions/<version>           switched atomically by `outpost update`
//   outpost/versions/<version>/                     node (the runtime), dist/{cli,host,renderer},
//                                                   node_modules (production, native parts built),
//                                                   resources/ (enrollment, keys, systemd), BUNDLE.json
//
// Nothing here reaches the network: the CLI and host are built with esbuild, the renderer with
// Vite (or taken from --renderer), production dependencies are COPIED from this checkout's
// node_modules (better-sqlite3, ssh2 and cpu-features with the native builds `npm ci` made), and
// the Node runtime is the one running this script (or OUTPOST_BUNDLE_NODE), stripped of debug info.
// Build on the oldest glibc you deploy to: the runtime and native modules link against it.
//
// Usage: node scripts/bundle.mjs [--out DIR] [--sign-key PEM] [--public-key PEM] [--renderer DIR]
//   --sign-key PEM      ed25519 private key (PKCS#8 PEM, `npm run release:keygen`); or OUTPOST_RELEASE_KEY.
//                       It must match the public key pinned in the bundle, or the build stops.
//   --public-key PEM    the release public key pinned into the bundle (default resources/keys/release-ed25519.pub).
//   --renderer DIR      an already built renderer (skips `vite build`).
//   --fast-compression  gzip -1 instead of -6 (tests and CI: about 2x faster, a few MiB larger).
// Rehearsal/test only (never for a release):
//   --version-override V   stamp another version into the CLI and host (update tests build a "v2").
//   --rehearsal-migration  add one harmless migration (table update_rehearsal) after the real ones,
//                          so an update test's "v2" migrates the store its "v1" wrote.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const started = Date.now();
const fail = (message) => {
  console.error(`bundle: ${message}`);
  process.exit(1);
};

let args;
try {
  args = parseArgs({
    options: {
      out: { type: 'string', default: join(root, 'release') },
      'sign-key': { type: 'string' },
      'public-key': { type: 'string' },
      renderer: { type: 'string' },
      'version-override': { type: 'string' },
      'rehearsal-migration': { type: 'boolean', default: false },
      'fast-compression': { type: 'boolean', default: false },
    },
    strict: true,
  }).values;
} catch (err) {
  fail(`${err.message} (see the usage at the top of scripts/bundle.mjs)`);
}

if (process.platform !== 'linux' || process.arch !== 'x64') fail(`builds linux-x64 bundles on a linux-x64 machine only (this is ${process.platform}-${process.arch}).`);

const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const version = args['version-override'] ?? pkg.version;
if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/.test(version)) fail(`version "${version}" is not x.y.z[-tag].`);
const platform = 'linux-x64';
const name = `outpost-${version}-${platform}`;

// --- keys: the public key is pinned in the bundle; the private key signs it and never enters it.
const publicKeyPath = resolve(args['public-key'] ?? join(root, 'resources', 'keys', 'release-ed25519.pub'));
if (!existsSync(publicKeyPath)) {
  fail(`no release public key at ${publicKeyPath}: create the release key pair with \`npm run release:keygen -- --out DIR\` and pass --public-key DIR/release-ed25519.pub (or put it there).`);
}
let publicKey;
try {
  publicKey = createPublicKey(readFileSync(publicKeyPath));
} catch (err) {
  fail(`${publicKeyPath} is not a PEM public key: ${err.message}`);
}
if (publicKey.asymmetricKeyType !== 'ed25519') fail(`${publicKeyPath} is a ${publicKey.asymmetricKeyType} key; release keys are ed25519.`);
const keyId = createHash('sha256').update(publicKey.export({ type: 'spki', format: 'der' })).digest('hex').slice(0, 16);

const signKeyPath = args['sign-key'] ?? process.env.OUTPOST_RELEASE_KEY;
let privateKey = null;
if (signKeyPath) {
  try {
    privateKey = createPrivateKey(readFileSync(signKeyPath));
  } catch (err) {
    fail(`cannot read the signing key ${signKeyPath}: ${err.message}`);
  }
  const derived = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  if (!derived.equals(publicKey.export({ type: 'spki', format: 'der' }))) {
    fail(`the signing key ${signKeyPath} does not match the pinned public key ${publicKeyPath}: installed copies would refuse this bundle.`);
  }
}

const out = resolve(args.out);
mkdirSync(out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'outpost-bundle-'));
const top = join(stage, 'outpost');
const vdir = join(top, 'versions', version);
const step = (label, since) => console.log(`bundle: ${label} (${((Date.now() - since) / 1000).toFixed(1)}s)`);

try {
  // --- CLI and headless host. Dependencies stay external (copied below); the metafile says which.
  let t = Date.now();
  const plugins = [];
  if (args['version-override']) {
    plugins.push({
      name: 'version-override',
      setup(b) {
        b.onLoad({ filter: /core[\\/][^\\/]+[\\/]version\.ts$/ }, () => ({ contents: `export const version = ${JSON.stringify(version)};`, loader: 'ts' }));
      },
    });
  }
  if (args['rehearsal-migration']) {
    // One more, harmless migration than this source has: an update test's "v2" then really migrates
    // the store that "v1" (this very source) wrote.
    plugins.push({
      name: 'rehearsal-migration',
      setup(b) {
        b.onLoad({ filter: /core[\\/]db[\\/]migrations[\\/]index\.ts$/ }, (a) => {
          const source = readFileSync(a.path, 'utf8').replace('export const migrations:', 'const sourceMigrations:');
          const extra = "{ version: sourceMigrations.length + 1, name: 'update-rehearsal', sql: 'CREATE TABLE update_rehearsal (id INTEGER PRIMARY KEY, note TEXT NOT NULL)' }";
          return { contents: `${source}\nexport const migrations: readonly Migration[] = [...sourceMigrations, ${extra}];\n`, loader: 'ts', resolveDir: dirname(a.path) };
        });
      },
    });
  }
  const common = { bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning', absWorkingDir: root, metafile: true, plugins, legalComments: 'none' };
  const results = await Promise.all([
    build({ ...common, entryPoints: ['core/cli/main.ts'], outfile: join(vdir, 'dist', 'cli', 'main.mjs') }),
    build({ ...common, entryPoints: ['core/host/main.ts'], outfile: join(vdir, 'dist', 'host', 'main.mjs') }),
  ]);
  const external = new Set();
  for (const r of results) {
    for (const o of Object.values(r.metafile.outputs)) {
      for (const i of o.imports) if (i.external && !i.path.startsWith('node:')) external.add(i.path.startsWith('@') ? i.path.split('/').slice(0, 2).join('/') : i.path.split('/')[0]);
    }
  }
  step(`CLI and host built (imports ${[...external].sort().join(', ')})`, t);

  // --- renderer
  t = Date.now();
  const rendererOut = join(vdir, 'dist', 'renderer');
  if (args.renderer) {
    if (!existsSync(join(args.renderer, 'index.html'))) fail(`--renderer ${args.renderer} has no index.html.`);
    cpSync(args.renderer, rendererOut, { recursive: true, filter: (src) => !src.endsWith('.map') });
  } else {
    const vite = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--outDir', rendererOut, '--emptyOutDir', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
    if (vite.status !== 0) fail('vite build failed.');
    for (const f of readdirSync(join(rendererOut, 'assets'))) if (f.endsWith('.map')) rmSync(join(rendererOut, 'assets', f));
  }
  step('renderer', t);

  // --- production dependencies: the closure of what the CLI and host import, copied as installed.
  t = Date.now();
  // Install-time only: prebuild-install fetches prebuilt binaries (we ship the build), nan is C++ headers.
  const buildOnly = new Set(['prebuild-install', 'nan', 'node-gyp', 'node-addon-api']);
  const findPackage = (pkgName, fromDir) => {
    for (let dir = fromDir; ; dir = dirname(dir)) {
      const candidate = join(dir, 'node_modules', pkgName);
      if (existsSync(join(candidate, 'package.json'))) return candidate;
      if (dir === root || dir === dirname(dir)) return null;
    }
  };
  const copied = new Map();
  const visit = (pkgName, fromDir, optional) => {
    if (buildOnly.has(pkgName)) return;
    const dir = findPackage(pkgName, fromDir);
    if (!dir) {
      if (optional) return;
      fail(`production dependency ${pkgName} is not installed in node_modules: run \`npm ci\` first.`);
    }
    const rel = relative(root, dir);
    if (copied.has(rel)) return;
    const meta = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    copied.set(rel, meta.version);
    const native = existsSync(join(dir, 'binding.gyp'));
    cpSync(dir, join(vdir, rel), {
      recursive: true,
      dereference: true,
      filter: (src) => {
        const r = relative(dir, src);
        if (r === '') return true;
        const first = r.split(/[\\/]/)[0];
        if (first === 'node_modules') return false; // nested packages are visited on their own
        // Only top-level folders: a package may keep code in e.g. dist/doc (yaml does).
        if (['test', 'tests', 'doc', 'docs', 'example', 'examples', 'benchmark', '.github'].includes(first)) return false;
        // Documentation, type declarations, TypeScript sources and source maps: nothing loads them at run time.
        if (/\.(md|markdown|map|ts|mts|cts)$/i.test(r) && !/LICEN[CS]E/i.test(r)) return false;
        if (native && (first === 'deps' || first === 'src')) return false; // C/C++ sources and vendored libraries
        // A node-gyp build/ folder (beside a binding.gyp; ssh2's is in lib/protocol/crypto): only the built .node files.
        const parts = r.split(/[\\/]/);
        const inBuild = parts.indexOf('build');
        if (inBuild >= 0 && existsSync(join(dir, ...parts.slice(0, inBuild), 'binding.gyp'))) {
          const rest = parts.slice(inBuild + 1);
          if (rest.length === 0) return true;
          if (rest[0] !== 'Release') return false;
          return rest.length === 1 || (rest.length === 2 && rest[1].endsWith('.node') && !rest[1].includes('test_extension'));
        }
        return true;
      },
    });
    if (native && !readdirSync(join(vdir, rel, 'build', 'Release'), { withFileTypes: true }).some((e) => e.name.endsWith('.node'))) {
      if (!optional) fail(`${pkgName} has no built native module in ${rel}/build/Release: run \`npm rebuild ${pkgName}\` first.`);
    }
    for (const dep of Object.keys(meta.dependencies ?? {})) visit(dep, dir, false);
    for (const dep of Object.keys(meta.optionalDependencies ?? {})) visit(dep, dir, true);
  };
  for (const dep of external) visit(dep, root, false);
  step(`${copied.size} production packages copied from node_modules`, t);

  // --- resources, the pinned key, service units, package.json, the Node runtime.
  t = Date.now();
  cpSync(join(root, 'resources', 'enrollment'), join(vdir, 'resources', 'enrollment'), { recursive: true });
  cpSync(join(root, 'resources', 'systemd'), join(vdir, 'resources', 'systemd'), { recursive: true });
  mkdirSync(join(vdir, 'resources', 'keys'), { recursive: true });
  copyFileSync(publicKeyPath, join(vdir, 'resources', 'keys', 'release-ed25519.pub'));
  writeFileSync(join(vdir, 'package.json'), `${JSON.stringify({ name: 'outpost', version, private: true, type: 'module' }, null, 2)}\n`);

  const nodeSource = process.env.OUTPOST_BUNDLE_NODE ?? process.execPath;
  const nodeTarget = join(vdir, 'node');
  // The Debian/NodeSource binary carries ~50 MB of debug info nobody at a site needs.
  const stripped = spawnSync('strip', ['--strip-debug', '-o', nodeTarget, nodeSource], { stdio: 'ignore' });
  if (stripped.status !== 0) copyFileSync(nodeSource, nodeTarget);
  chmodSync(nodeTarget, 0o755);
  // Node's licence travels with its binary (Debian and NodeSource put it under /usr/share/doc).
  const nodeLicense = [join(dirname(nodeSource), '..', 'LICENSE'), '/usr/share/doc/nodejs/LICENSE'].find((f) => existsSync(f));
  if (nodeLicense) copyFileSync(nodeLicense, join(vdir, 'node.LICENSE'));
  const nodeVersion = spawnSync(nodeTarget, ['--version'], { encoding: 'utf8' }).stdout.trim();
  if (!nodeVersion.startsWith('v')) fail(`the Node runtime ${nodeSource} does not run after copying.`);
  const major = Number(nodeVersion.slice(1).split('.')[0]);
  if (major !== Number(process.versions.node.split('.')[0])) fail(`OUTPOST_BUNDLE_NODE is Node ${nodeVersion}, but node_modules was built by Node ${process.version}: native modules would not load.`);
  writeFileSync(
    join(vdir, 'BUNDLE.json'),
    `${JSON.stringify({ name: 'outpost', version, platform, node: nodeVersion, keyId, builtAt: new Date().toISOString(), packages: Object.fromEntries([...copied].sort()) }, null, 2)}\n`,
  );

  mkdirSync(join(top, 'bin'), { recursive: true });
  const launcher = (entry, label) => `#!/bin/sh
# ${label}: runs the version \`current\` points at, with its own Node runtime (nothing from PATH).
# Resolves symlinks, so /usr/local/bin/${basename(entry)} -> /opt/outpost/bin/${basename(entry)} works.
set -e
here=$(dirname "$(readlink -f "$0")")
root=$(dirname "$here")
export OUTPOST_BUNDLE_ROOT="$root"
exec "$root/current/node" "$root/current/${entry}" "$@"
`;
  writeFileSync(join(top, 'bin', 'outpost'), launcher('dist/cli/main.mjs', 'outpost'), { mode: 0o755 });
  writeFileSync(join(top, 'bin', 'outpost-host'), launcher('dist/host/main.mjs', 'outpost-host'), { mode: 0o755 });
  symlinkSync(join('versions', version), join(top, 'current'));
  step('resources and runtime', t);

  // --- smoke test the staged tree with its own runtime before anything is written to --out.
  const smoke = spawnSync(join(top, 'bin', 'outpost'), ['--version'], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin', HOME: stage } });
  if (smoke.status !== 0 || smoke.stdout.trim() !== version) fail(`the staged bundle does not start: ${smoke.stderr || smoke.stdout}`);

  // --- archive, checksum, signature.
  t = Date.now();
  const tarball = join(out, `${name}.tar.gz`);
  const tar = spawnSync(
    'tar',
    ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', `--mtime=@${Math.floor(started / 1000)}`, '-I', args['fast-compression'] ? 'gzip -1' : 'gzip -6', '-cf', tarball, '-C', stage, 'outpost'],
    { stdio: 'inherit' },
  );
  if (tar.status !== 0) fail('tar failed.');
  const bytes = readFileSync(tarball);
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  writeFileSync(`${tarball}.sha256`, `${sha256}  ${basename(tarball)}\n`);
  step(`archived ${(bytes.length / 1048576).toFixed(1)} MiB`, t);
  if (privateKey) {
    // One definition of the signature format, shared with the verifier (core/update/bundle-signature.ts).
    const signer = join(root, '.cache', 'bundle', 'bundle-signature.mjs');
    await build({ entryPoints: ['core/update/bundle-signature.ts'], outfile: signer, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning', absWorkingDir: root });
    const { signBundle } = await import(`${pathToFileURL(signer).href}?t=${Date.now()}`);
    writeFileSync(`${tarball}.sig`, await signBundle(tarball, privateKey, version));
  } else {
    console.log('bundle: NOT SIGNED (no --sign-key / OUTPOST_RELEASE_KEY): `outpost update` will refuse it.');
  }
  console.log(
    JSON.stringify({ bundle: tarball, version, sha256, bytes: bytes.length, signed: Boolean(privateKey), keyId, packages: copied.size, seconds: Number(((Date.now() - started) / 1000).toFixed(1)) }),
  );
} finally {
  rmSync(stage, { recursive: true, force: true });
}
