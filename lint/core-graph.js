// The folder-level import graph of core/, from every import the TypeScript scanner sees in the
// source (`import type`, `export … from`, `import('…')` types and dynamic imports included).
// Used by test/core-layers.test.ts and scripts/core-layers.mjs.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { coreFolderOf, isTestFile } from './core-layers.js';

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(full);
    return /\.tsx?$/.test(e.name) ? [full] : [];
  });
}

/**
 * Every cross-folder import in core/: Map<"from -> to", ["core/x/file.ts: './spec.js'", ...]>, and
 * the folder graph Map<from, Set<to>>. Tests are left out unless `withTests` (see core-layers.js).
 */
export function coreImportGraph(root, { withTests = false } = {}) {
  const edges = new Map();
  const graph = new Map();
  for (const file of sourceFiles(path.join(root, 'core'))) {
    const rel = path.relative(root, file).split(path.sep).join('/');
    if (!withTests && isTestFile(rel)) continue;
    const from = coreFolderOf(rel);
    if (!from) continue;
    if (!graph.has(from)) graph.set(from, new Set());
    for (const { fileName } of ts.preProcessFile(readFileSync(file, 'utf8'), true, true).importedFiles) {
      if (!fileName.startsWith('.')) continue;
      const target = path.relative(root, path.resolve(path.dirname(file), fileName)).split(path.sep).join('/');
      const to = coreFolderOf(target);
      if (!to || to === from) continue;
      graph.get(from).add(to);
      const key = `${from} -> ${to}`;
      if (!edges.has(key)) edges.set(key, []);
      edges.get(key).push(`${rel}: '${fileName}'`);
    }
  }
  return { edges, graph };
}
