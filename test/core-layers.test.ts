import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { coreImportGraph } from '../lint/core-graph.js';
import { CORE_LAYERS, coreLayerVerdict, cycles, tableGraph } from '../lint/core-layers.js';

const root = join(import.meta.dirname, '..');

describe('layers inside core/ (lint/core-layers.js)', () => {
  it('the allowed-imports table itself has no cycle', () => {
    expect(cycles(tableGraph())).toEqual([]);
  });

  it('core/ has no folder-level import cycle, type-only imports included, and every edge is in the table', () => {
    const { graph, edges } = coreImportGraph(root);
    expect(cycles(graph)).toEqual([]);
    const refused = [...edges].filter(([key]) => coreLayerVerdict(...(key.split(' -> ') as [string, string])) !== null);
    expect(refused).toEqual([]);
    // Every core/ folder has a row (a folder without one would be refused by the lint rule anyway).
    expect([...graph.keys()].filter((folder) => !(folder in CORE_LAYERS))).toEqual([]);
  });

  it('the cycle check finds a back-edge added to the real graph', () => {
    const { graph } = coreImportGraph(root);
    graph.get('db')!.add('enrollment'); // enrollment -> db exists, so db -> enrollment closes a cycle
    expect(cycles(graph).some((c) => c.includes('db') && c.includes('enrollment'))).toBe(true);
  });

  it('sees type-only imports as edges', () => {
    const { edges } = coreImportGraph(root);
    // core/procedures/engine.ts has only `import type { EventBus }` from events/.
    expect(edges.get('procedures -> events')).toEqual(expect.arrayContaining([expect.stringContaining("core/procedures/engine.ts: '../events/event-bus.js'")]));
  });
});
