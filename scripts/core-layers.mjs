// Prints core/'s folder-level import graph and its cycles (type-only imports included); exits 1
// on a cycle or an import the layer table (lint/core-layers.js) does not allow.
//   node scripts/core-layers.mjs [--tests] [--edges] [--verbose]
import path from 'node:path';
import { coreImportGraph } from '../lint/core-graph.js';
import { coreLayerVerdict, cycles } from '../lint/core-layers.js';

const root = path.join(import.meta.dirname, '..');
const args = new Set(process.argv.slice(2));
const { edges, graph } = coreImportGraph(root, { withTests: args.has('--tests') });

if (args.has('--edges')) {
  for (const [key, sites] of [...edges].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(`${key} (${sites.length})`);
    if (args.has('--verbose')) for (const s of sites) console.log(`    ${s}`);
  }
}
const found = cycles(graph);
const mutual = [...graph].flatMap(([a, tos]) => [...tos].filter((b) => a < b && graph.get(b)?.has(a)).map((b) => `${a} <-> ${b}`));
const refused = [...edges.keys()].map((k) => k.split(' -> ')).map(([a, b]) => [a, b, coreLayerVerdict(a, b)]).filter(([, , why]) => why);
console.log(`folders: ${graph.size}, cross-folder edges: ${edges.size}`);
console.log(`folder-level cycles (strongly connected components): ${found.length}`);
for (const c of found) console.log(`    ${c.join(', ')}`);
console.log(`two-folder cycles: ${mutual.length}${mutual.length ? ` (${mutual.join('; ')})` : ''}`);
console.log(`imports the layer table refuses: ${refused.length}`);
for (const [a, b, why] of refused) console.log(`    ${a} -> ${b}: ${why}`);
process.exitCode = found.length || (!args.has('--tests') && refused.length) ? 1 : 0;
