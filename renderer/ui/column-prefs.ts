/**
 * The column model of every DataTable that lets the operator choose columns: which columns show,
 * in which order and how wide, persisted per table in localStorage under the table's own key.
 */
export interface ColumnPrefs {
  /** Visible columns, in display order. */
  order: string[];
  /** Widths in px by column id (absent: automatic). */
  widths: Record<string, number>;
}

export const MIN_COLUMN_WIDTH = 40;
export const MAX_COLUMN_WIDTH = 2000;

/** Stored prefs cleaned against the table's columns (a column that no longer exists is dropped); `fallback` when none are stored. */
export function loadColumnPrefs(key: string, known: ReadonlySet<string>, fallback: ColumnPrefs, storage: Pick<Storage, 'getItem'> = localStorage): ColumnPrefs {
  try {
    const raw: unknown = JSON.parse(storage.getItem(key) ?? 'null');
    if (typeof raw !== 'object' || raw === null) return fallback;
    const order = 'order' in raw && Array.isArray(raw.order) ? raw.order.filter((c): c is string => typeof c === 'string' && known.has(c)) : [];
    const widths: Record<string, number> = {};
    if ('widths' in raw && typeof raw.widths === 'object' && raw.widths !== null) {
      for (const [k, v] of Object.entries(raw.widths)) if (known.has(k) && typeof v === 'number' && v >= MIN_COLUMN_WIDTH && v <= MAX_COLUMN_WIDTH) widths[k] = v;
    }
    return order.length ? { order, widths } : { ...fallback, widths };
  } catch {
    return fallback;
  }
}

export function saveColumnPrefs(key: string, prefs: ColumnPrefs, storage: Pick<Storage, 'setItem'> = localStorage): void {
  storage.setItem(key, JSON.stringify(prefs));
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
