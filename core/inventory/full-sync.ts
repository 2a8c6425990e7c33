import { createContainerView, destroyView, readProperties, retrieveAll, type ObjectContent, type PropertySpec } from '../vsphere/property-collector.js';
import type { VsphereSession } from '../vsphere/session.js';
import { customFieldNames, STRUCTURE_SPECS, STRUCTURE_TYPES, toRow, updateTree, VM_SPECS, type InventoryKind, type InventoryRow } from './inventory-properties.js';
import { COUNT_KEYS, type InventoryCounts, type InventoryStore } from './inventory-store.js';
import { InventoryTree } from './inventory-tree.js';

export interface FullSyncResult {
  counts: InventoryCounts;
  /** Objects the DB had live that vCenter no longer has (now marked removed). */
  removed: number;
  pages: number;
  elapsedMs: number;
}

/** Where a running full sync stands: rows stored so far this run, per kind, and pages read. */
export interface FullSyncProgress {
  phase: 'structure' | 'vms' | 'done';
  counts: InventoryCounts;
  pages: number;
  /** The VM count of the previous complete sync (an estimate of the total), null on a first sync. */
  expectedVms: number | null;
  elapsedMs: number;
}

export interface FullSyncOptions {
  pageSize?: number;
  onProgress?: (p: FullSyncProgress) => void;
}


/**
 * Reads the whole inventory of one site into the DB: containers, hosts, networks and datastores
 * first (so VM folder paths are known), then VMs page by page, one transaction per page, with a
 * progress report after each. Only a sync that read everything marks what it did not see as
 * removed, so a failure part-way leaves every stored row true (just not yet refreshed) and never
 * loses one. (Reading structure and VMs at once was measured: no gain against vcsim, whose first
 * VM page dominates.)
 */
export async function fullSync(session: VsphereSession, store: InventoryStore, siteId: number, options: FullSyncOptions = {}): Promise<FullSyncResult> {
  const started = performance.now();
  const tree = new InventoryTree();
  const expectedVms = await store.lastSyncedVms(siteId);
  const run = await store.beginRun(siteId);
  const pageSize = options.pageSize ?? 1000;
  const counts: InventoryCounts = { datacenters: 0, clusters: 0, hosts: 0, networks: 0, datastores: 0, vms: 0 };
  let pages = 0;
  const progress = (phase: FullSyncProgress['phase']): void =>
    options.onProgress?.({ phase, counts: { ...counts }, pages, expectedVms, elapsedMs: Math.round(performance.now() - started) });
  const store1 = async (objects: readonly ObjectContent[]): Promise<void> => {
    for (const kind of (await writePage(store, siteId, run, objects, tree)).kinds) counts[COUNT_KEYS[kind]]++;
    pages++;
  };

  const read = async (types: readonly string[], specs: readonly PropertySpec[], onPage: (objects: ObjectContent[]) => void | Promise<void>): Promise<void> => {
    const view = await createContainerView(session, session.content.rootFolder, types);
    try {
      await retrieveAll(session, view, specs, { pageSize, onPage });
    } finally {
      await destroyView(session, view).catch(() => undefined);
    }
  };
  // The structure may take several pages and a host's datacenter may come on a later page than the
  // host: it is stored in one transaction once all of it is in the tree.
  const containers: ObjectContent[] = [];
  tree.customFields = await readCustomFields(session);
  await read(STRUCTURE_TYPES, STRUCTURE_SPECS, (objects) => {
    for (const o of objects) updateTree(tree, o);
    containers.push(...objects);
  });
  await store1(containers);
  progress('structure');
  await read(['VirtualMachine'], VM_SPECS, async (objects) => {
    await store1(objects);
    progress('vms');
  });

  const now = new Date().toISOString();
  const elapsedMs = performance.now() - started;
  const removed = await store.batch(async () => {
    const n = await store.sweep(siteId, run, now);
    await store.finishSync(siteId, elapsedMs, now);
    return n;
  });
  const result = { counts: await store.counts(siteId), removed, pages, elapsedMs: Math.round(elapsedMs) };
  Object.assign(counts, result.counts);
  progress('done');
  return result;
}

/** One page in one transaction: how many rows changed, and the kind of each stored row. */
export async function writePage(store: InventoryStore, siteId: number, run: number, objects: readonly ObjectContent[], tree: InventoryTree): Promise<{ changed: number; kinds: InventoryKind[] }> {
  const now = new Date().toISOString();
  let changed = 0;
  const kinds: InventoryKind[] = [];
  const byKind = new Map<InventoryKind, InventoryRow[]>();
  for (const o of objects) {
    const mapped = toRow(o, tree);
    if (!mapped) continue;
    kinds.push(mapped.kind);
    const rows = byKind.get(mapped.kind) ?? [];
    rows.push(mapped.row);
    byKind.set(mapped.kind, rows);
  }
  await store.batch(async () => {
    for (const [kind, rows] of byKind) changed += await store.upsertMany(siteId, run, kind, rows, now);
  });
  return { changed, kinds };
}

/** The custom attribute names of a vCenter (empty when it has no CustomFieldsManager). */
export async function readCustomFields(session: VsphereSession): Promise<Map<string, string>> {
  const manager = session.content.customFieldsManager;
  if (!manager) return new Map();
  return customFieldNames((await readProperties(session, manager, ['field'])).get('field'));
}
