// `npm run bench`: bundles each bench/*.ts with esbuild and runs it; every benchmark prints
// one JSON line of figures. Benchmarks are measurements, not tests: nothing here fails on a number.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2);
const entries = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)));

let failed = 0;
for (const file of entries) {
  const outfile = join(root, 'dist', 'bench', file.replace(/\.ts$/, '.mjs'));
  await build({ entryPoints: [join(root, 'bench', file)], outfile, bundle: true, platform: 'node', target: 'node20', format: 'esm', packages: 'external', logLevel: 'warning' });
  const r = spawnSync(process.execPath, [outfile], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) failed++;
}
process.exit(failed ? 1 : 0);
