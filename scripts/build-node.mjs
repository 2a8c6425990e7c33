// Builds the Node-side entry points (CLI, headless host, Electron main and preload) with esbuild.
// Runs on `npm ci` (prepare) so `npx outpost` works straight after install.
import { build } from 'esbuild';
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const versionFile = readFileSync(join(root, 'core/server/version.ts'), 'utf8');
if (!versionFile.includes(`'${pkg.version}'`)) {
  console.error(`core/server/version.ts does not match package.json version ${pkg.version}`);
  process.exit(1);
}

const common = { bundle: true, platform: 'node', target: 'node20', sourcemap: true, logLevel: 'warning', absWorkingDir: root };

const jobs = [
  // Split: main.mjs loads the light `exec` program or the full CLI on demand (core/cli/main.ts).
  { entryPoints: ['core/cli/main.ts'], outdir: 'dist/cli', splitting: true, outExtension: { '.js': '.mjs' }, chunkNames: 'chunks/[name]-[hash]', format: 'esm', external: Object.keys(pkg.dependencies).filter((d) => d !== 'zod') },
  { entryPoints: ['core/host/main.ts'], outfile: 'dist/host/main.mjs', format: 'esm', packages: 'external' },
];
if (existsSync(join(root, 'electron/main.ts'))) {
  jobs.push({ entryPoints: ['electron/main.ts'], outfile: 'dist/electron/main.cjs', format: 'cjs', packages: 'external' });
}
if (existsSync(join(root, 'electron/preload.ts'))) {
  // A sandboxed preload may require only 'electron': bundle everything else into it.
  jobs.push({ entryPoints: ['electron/preload.ts'], outfile: 'dist/electron/preload.cjs', format: 'cjs', external: ['electron'] });
}

const results = await Promise.all(jobs.filter((j) => existsSync(join(root, j.entryPoints[0]))).map((j) => build({ ...common, ...j, metafile: true })));

// Chunks of earlier builds would pile up (their names carry a hash): remove those this build did
// not write. Not the folder first: tests build while other tests run the CLI from it.
const written = new Set(results.flatMap((r) => Object.keys(r.metafile.outputs)).map((f) => join(root, f)));
const chunks = join(root, 'dist', 'cli', 'chunks');
if (existsSync(chunks)) {
  for (const f of readdirSync(chunks)) if (!written.has(join(chunks, f))) rmSync(join(chunks, f));
}
