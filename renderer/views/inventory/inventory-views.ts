import { inventoryViews, type InventoryViewId, type ViewCell } from '../../../core/contract';

/**
 * The column model of the RVTools-style views, kept apart from the VM table (VmTable/VmsPanel):
 * which columns each view shows, in which order and how wide, persisted per view in localStorage.
 */
export interface ColumnPrefs {
  /** Visible columns, in display order. */
  order: string[];
  /** Widths in px by column id (absent: automatic). */
  widths: Record<string, number>;
}

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
  const known = new Set(inventoryViews[view].columns.map((c) => c.id));
  try {
    const raw: unknown = JSON.parse(storage.getItem(storageKey(view)) ?? 'null');
    if (typeof raw !== 'object' || raw === null) return defaultPrefs(view);
    const order = 'order' in raw && Array.isArray(raw.order) ? raw.order.filter((c): c is string => typeof c === 'string' && known.has(c)) : [];
    const widths: Record<string, number> = {};
    if ('widths' in raw && typeof raw.widths === 'object' && raw.widths !== null) {
      for (const [k, v] of Object.entries(raw.widths)) if (known.has(k) && typeof v === 'number' && v >= 40 && v <= 2000) widths[k] = v;
    }
    return order.length ? { order, widths } : { ...defaultPrefs(view), widths };
  } catch {
    return defaultPrefs(view);
  }
}

export function savePrefs(view: InventoryViewId, prefs: ColumnPrefs, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(storageKey(view), JSON.stringify(prefs));
}

/** Shows or hides a column (a shown one goes last). At least one column stays. */
export function toggleColumn(prefs: ColumnPrefs, id: string): ColumnPrefs {
  if (prefs.order.includes(id)) return prefs.order.length === 1 ? prefs : { ...prefs, order: prefs.order.filter((c) => c !== id) };
  return { ...prefs, order: [...prefs.order, id] };
}

/** Moves a visible column one place left (-1) or right (+1). */
export function moveColumn(prefs: ColumnPrefs, id: string, by: -1 | 1): ColumnPrefs {
  const at = prefs.order.indexOf(id);
  const to = at + by;
  if (at === -1 || to < 0 || to >= prefs.order.length) return prefs;
  const order = [...prefs.order];
  [order[at], order[to]] = [order[to]!, order[at]!];
  return { ...prefs, order };
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
