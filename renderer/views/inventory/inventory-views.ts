import { inventoryViews, type InventoryViewId, type ViewCell } from '../../../core/contract';
import { loadColumnPrefs, saveColumnPrefs, type ColumnPrefs } from '../../ui/column-prefs';

/**
 * The column model of the RVTools-style views (ui/column-prefs per view), kept apart from the VM
 * table (VmTable/VmsPanel): which columns each view starts with, and which identify a row.
 */
const storageKey = (view: InventoryViewId): string => `outpost.inventory.columns.${view}`;

/**
 * Views whose default columns (what an export writes) are too many to read beside the tree at
 * 1280 px: the table starts with these, and the column chooser adds the rest.
 */
const ON_SCREEN: Partial<Record<InventoryViewId, readonly string[]>> = {
  vinfo: ['vm', 'powerState', 'host', 'guestOs', 'ipAddress', 'cpus', 'memoryMB'],
};

export function defaultPrefs(view: InventoryViewId): ColumnPrefs {
  const known = new Set(inventoryViews[view].columns.map((c) => c.id));
  const onScreen = ON_SCREEN[view]?.filter((id) => known.has(id));
  return { order: onScreen?.length ? [...onScreen] : inventoryViews[view].columns.filter((c) => c.default).map((c) => c.id), widths: {} };
}

/** The stored prefs of a view, cleaned against its columns (a column that no longer exists is dropped). */
export function loadPrefs(view: InventoryViewId, storage: Pick<Storage, 'getItem'> = localStorage): ColumnPrefs {
  return loadColumnPrefs(storageKey(view), new Set(inventoryViews[view].columns.map((c) => c.id)), defaultPrefs(view), storage);
}

export function savePrefs(view: InventoryViewId, prefs: ColumnPrefs, storage: Pick<Storage, 'setItem'> = localStorage): void {
  saveColumnPrefs(storageKey(view), prefs, storage);
}

/** Columns that identify a row of each view (to tell a changed row from a new one). */
const KEY_COLUMNS: Record<InventoryViewId, readonly string[]> = {
  vinfo: ['site', 'moref'],
  vcpu: ['site', 'vm'],
  vmemory: ['site', 'vm'],
  vdisk: ['site', 'vm', 'disk'],
  vnetwork: ['site', 'vm', 'nic'],
  vsnapshot: ['site', 'vm', 'snapshot', 'createdAt'],
  vhost: ['site', 'host'],
  vdatastore: ['site', 'datastore'],
};

export function rowKey(view: InventoryViewId, columns: readonly string[], row: readonly ViewCell[]): string {
  return KEY_COLUMNS[view].map((k) => String(row[columns.indexOf(k)] ?? '')).join('\u0000');
}

/** Keys of rows that are new or differ from the previous answer (highlighted briefly after a live change). */
export function changedRows(view: InventoryViewId, before: { columns: readonly string[]; rows: readonly ViewCell[][] } | null, after: { columns: readonly string[]; rows: readonly ViewCell[][] }): Set<string> {
  const out = new Set<string>();
  if (!before) return out;
  const old = new Map(before.rows.map((r) => [rowKey(view, before.columns, r), JSON.stringify(r)]));
  for (const r of after.rows) {
    const key = rowKey(view, after.columns, r);
    if (old.get(key) !== JSON.stringify(r)) out.add(key);
  }
  return out;
}

/** A cell as shown: numbers grouped, booleans as yes/no, null as a dash. */
export function cellText(v: ViewCell): string {
  if (v === null || v === '') return '—';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (typeof v === 'number') return v.toLocaleString('en-US');
  return v;
}
