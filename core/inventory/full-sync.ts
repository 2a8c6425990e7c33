import { createContainerView, destroyView, retrieveAll, type ObjectContent } from '../vsphere/property-collector.js';
import type { VsphereSession } from '../vsphere/session.js';
import { STRUCTURE_SPECS, STRUCTURE_TYPES, toRow, updateTree, VM_SPECS } from './inventory-properties.js';
import type { InventoryCounts, InventoryStore } from './inventory-store.js';
import { InventoryTree } from './inventory-tree.js';

export interface FullSyncResult {
  counts: InventoryCounts;
  /** Objects the DB had live that vCenter no longer has (now marked removed). */
  removed: number;
  pages: number;
  elapsedMs: number;
}

export interface FullSyncOptions {
  pageSize?: number;
  onProgress?: (p: { phase: 'structure' | 'vms'; objects: number; pages: number }) => void;
}

/**
 * Reads the whole inventory of one site into the DB: containers, hosts, networks and datastores
 * first (so VM folder paths are known), then VMs page by page, one transaction per page. Only a
 * sync that read everything marks what it did not see as removed, so a failure part-way leaves
 * every stored row true (just not yet refreshed) and never loses one.
 */
export async function fullSync(session: VsphereSession, store: InventoryStore, siteId: number, options: FullSyncOptions = {}): Promise<FullSyncResult> {
  const started = performance.now();
  const tree = new InventoryTree();
  const run = store.beginRun(siteId);
  let pages = 0;

  const structure: ObjectContent[] = [];
  const structureView = await createContainerView(session, session.content.rootFolder, STRUCTURE_TYPES);
  try {
    const r = await retrieveAll(session, structureView, STRUCTURE_SPECS, {
      pageSize: options.pageSize ?? 1000,
      onPage: (objects) => {
        for (const o of objects) updateTree(tree, o);
        structure.push(...objects);
      },
    });
    pages += r.pages;
  } finally {
    await destroyView(session, structureView).catch(() => undefined);
  }
  writePage(store, siteId, run, structure, tree);
  options.onProgress?.({ phase: 'structure', objects: structure.length, pages });

  const vmView = await createContainerView(session, session.content.rootFolder, ['VirtualMachine']);
  let vms = 0;
  try {
    await retrieveAll(session, vmView, VM_SPECS, {
      pageSize: options.pageSize ?? 1000,
      onPage: (objects) => {
        writePage(store, siteId, run, objects, tree);
        vms += objects.length;
        options.onProgress?.({ phase: 'vms', objects: vms, pages: pages + 1 });
        pages++;
      },
    });
  } finally {
    await destroyView(session, vmView).catch(() => undefined);
  }

  const now = new Date().toISOString();
  const elapsedMs = performance.now() - started;
  const removed = store.db.transaction(() => {
    const n = store.sweep(siteId, run, now);
    store.finishSync(siteId, elapsedMs, now);
    return n;
  })();
  return { counts: store.counts(siteId), removed, pages, elapsedMs: Math.round(elapsedMs) };
}

/** One page in one transaction. */
export function writePage(store: InventoryStore, siteId: number, run: number, objects: readonly ObjectContent[], tree: InventoryTree): number {
  const now = new Date().toISOString();
  let changed = 0;
  store.db.transaction(() => {
    for (const o of objects) {
      const mapped = toRow(o, tree);
      if (mapped && store.upsert(siteId, run, mapped.kind, mapped.row, now)) changed++;
    }
  })();
  return changed;
}
