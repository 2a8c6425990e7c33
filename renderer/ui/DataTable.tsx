import { useRef, useState, type HTMLAttributes, type KeyboardEvent, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
import './data-table.css';
import { MAX_COLUMN_WIDTH, MIN_COLUMN_WIDTH, type ColumnPrefs } from './column-prefs';

export interface DataColumn<R> {
  id: string;
  label: string;
  /** The header is read by screen readers only (an actions column). */
  hideLabel?: boolean;
  cell(row: R): ReactNode;
  /** Present: the header is a button that sorts by this value. */
  sortValue?(row: R): string | number | null;
  /** On the body cells. */
  className?: string;
  /** On the header cell (e.g. `numeric` to right-align it). */
  headerClassName?: string;
  /** The cell names the row (`<th scope="row">`). */
  rowHeader?: boolean;
  /** A tooltip on the cell. */
  cellTitle?(row: R): string | undefined;
  /** data-testid of every cell of the column. */
  cellTestId?: string;
}

type RowAttributes = HTMLAttributes<HTMLTableRowElement> & { [data: `data-${string}`]: string | number | boolean | undefined };

export interface DataTableProps<R> {
  /** The rows decide the row type (NoInfer): inline column lambdas read it from them. */
  columns: readonly DataColumn<NoInfer<R>>[];
  rows: readonly R[];
  rowKey(row: R): string | number;
  /** A visually hidden caption (the table's accessible name), or use `label`. */
  caption?: string;
  label?: string;
  /** Extra classes beside `data-table` (e.g. `data-table-compact`). */
  className?: string;
  /** Wrap in a horizontally scrolling box (`table-scroll`, plus these classes). */
  scroll?: boolean | string;
  rowProps?(row: R): RowAttributes;
  /** A last column of row buttons, its header for screen readers only (`actionsLabel`, default "Actions"). */
  actions?(row: R): ReactNode;
  actionsLabel?: string;
  /** Enter on a focused row (arrow keys move the focus between rows). */
  onOpen?(row: R): void;
  /** Column order, visibility and widths (see ColumnChooser, useColumnPrefs); absent: every column, automatic widths. */
  prefs?: ColumnPrefs;
  onPrefs?(prefs: ColumnPrefs): void;
  /** The headers carry a drag handle that sets the column's width. */
  resizable?: boolean;
  testId?: string;
  describedBy?: string;
}

type Sort = { id: string; direction: 'ascending' | 'descending' } | null;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

function compare(a: string | number | null, b: string | number | null): number {
  if (a === b) return 0;
  if (a === null) return 1; // blanks last either way
  if (b === null) return -1;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return collator.compare(String(a), String(b));
}

function sortRows<R>(rows: readonly R[], value: (row: R) => string | number | null, direction: 'ascending' | 'descending'): readonly R[] {
  const sign = direction === 'ascending' ? 1 : -1;
  return rows
    .map((row, i) => ({ row, i, v: value(row) }))
    .sort((a, b) => (a.v === null || b.v === null ? compare(a.v, b.v) : sign * compare(a.v, b.v)) || a.i - b.i)
    .map((x) => x.row);
}

/** The columns prefs show, in their order; the actions column (last) is never chosen away. */
function chosenColumns<R>(columns: readonly DataColumn<R>[], prefs: ColumnPrefs, withActions: boolean): readonly DataColumn<R>[] {
  const byId = new Map(columns.map((c) => [c.id, c]));
  const chosen = prefs.order.flatMap((id) => byId.get(id) ?? []);
  const last = columns[columns.length - 1];
  return withActions && last ? [...chosen, last] : chosen;
}

/**
 * The one table of the app: headers from column definitions, optional sorting (a header button
 * per sortable column), resizing and a column chooser's order, and one Tab stop in the body:
 * Up/Down/Home/End move the focused row, Enter opens it.
 */
export function DataTable<R>(props: DataTableProps<R>) {
  const { columns: given, rows, rowKey, caption, label, className, scroll, rowProps, actions, actionsLabel = 'Actions', onOpen, prefs, onPrefs, resizable, testId, describedBy } = props;
  // Columns are usually written inline, so nothing here is memoized on them: a table sorts its rows at render (cheap at the sizes a DataTable holds).
  const columns: readonly DataColumn<R>[] = actions ? [...given, { id: 'actions', label: actionsLabel, hideLabel: true, cell: actions }] : given;
  const [sort, setSort] = useState<Sort>(null);
  const [localWidths, setLocalWidths] = useState<Record<string, number>>({});
  const [active, setActive] = useState(0);
  const rowRefs = useRef<(HTMLTableRowElement | null)[]>([]);

  const shown = prefs ? chosenColumns(columns, prefs, Boolean(actions)) : columns;
  const widths = prefs?.widths ?? localWidths;

  const sortBy = sort ? columns.find((c) => c.id === sort.id)?.sortValue : undefined;
  const sorted = sort && sortBy ? sortRows(rows, sortBy, sort.direction) : rows;

  const toggleSort = (id: string): void => setSort((s) => (s?.id === id && s.direction === 'ascending' ? { id, direction: 'descending' } : { id, direction: 'ascending' }));

  const startResize = (id: string, event: ReactPointerEvent<HTMLSpanElement>): void => {
    event.preventDefault();
    const th = event.currentTarget.parentElement;
    const startX = event.clientX;
    const startW = th?.getBoundingClientRect().width ?? 120;
    let width = startW;
    const move = (e: PointerEvent): void => {
      width = Math.max(MIN_COLUMN_WIDTH, Math.min(MAX_COLUMN_WIDTH, Math.round(startW + e.clientX - startX)));
      if (th) th.style.width = `${width}px`;
    };
    const up = (): void => {
      window.removeEventListener('pointermove', move);
      window.removeEventListener('pointerup', up);
      if (prefs && onPrefs) onPrefs({ ...prefs, widths: { ...prefs.widths, [id]: width } });
      else setLocalWidths((w) => ({ ...w, [id]: width }));
    };
    window.addEventListener('pointermove', move);
    window.addEventListener('pointerup', up);
  };

  const focusRow = (index: number): void => {
    const to = Math.max(0, Math.min(sorted.length - 1, index));
    setActive(to);
    rowRefs.current[to]?.focus();
  };
  const onRowKey = (event: KeyboardEvent<HTMLTableRowElement>, index: number, row: R): void => {
    if (event.target !== event.currentTarget) return; // keys inside a cell's button or field are theirs
    const targets: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: sorted.length - 1 };
    const target = targets[event.key];
    if (target !== undefined) {
      event.preventDefault();
      focusRow(target);
    } else if (event.key === 'Enter' && onOpen) {
      event.preventDefault();
      onOpen(row);
    }
  };
  const tabStop = Math.min(active, sorted.length - 1);

  const table = (
    <table className={className ? `data-table ${className}` : 'data-table'} aria-label={label} aria-describedby={describedBy} data-testid={testId}>
      {caption && <caption className="visually-hidden">{caption}</caption>}
      <thead>
        <tr>
          {shown.map((c) => {
            const sortedHere = sort?.id === c.id ? sort.direction : undefined;
            const width = widths[c.id];
            return (
              <th
                key={c.id}
                scope="col"
                className={[c.headerClassName, resizable ? 'resizable' : undefined].filter(Boolean).join(' ') || undefined}
                style={width ? { width } : undefined}
                aria-sort={c.sortValue ? (sortedHere ?? 'none') : undefined}
                data-column={c.id}
              >
                {c.hideLabel ? (
                  <span className="visually-hidden">{c.label}</span>
                ) : c.sortValue ? (
                  <button type="button" className="sort-button" onClick={() => toggleSort(c.id)}>
                    {c.label}
                    {/* Only a sorted header carries the mark: an unsorted one is as narrow as its text (tables fit at 200% zoom). */}
                    {sortedHere && (
                      <span aria-hidden="true" className="sort-mark">
                        {sortedHere === 'ascending' ? '▲' : '▼'}
                      </span>
                    )}
                  </button>
                ) : (
                  c.label
                )}
                {resizable && <span className="column-resize" role="separator" aria-orientation="vertical" aria-label={`Resize ${c.label}`} onPointerDown={(e) => startResize(c.id, e)} />}
              </th>
            );
          })}
        </tr>
      </thead>
      <tbody>
        {sorted.map((row, i) => {
          const extra = rowProps?.(row);
          return (
            <tr
              key={rowKey(row)}
              {...extra}
              ref={(el) => {
                rowRefs.current[i] = el;
              }}
              tabIndex={i === tabStop ? 0 : -1}
              onFocus={(e) => {
                if (e.target === e.currentTarget) setActive(i);
              }}
              onKeyDown={(e) => onRowKey(e, i, row)}
            >
              {shown.map((c) =>
                c.rowHeader ? (
                  <th key={c.id} scope="row" className={c.className ? `row-heading ${c.className}` : 'row-heading'} title={c.cellTitle?.(row)}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.id} className={c.className} title={c.cellTitle?.(row)} data-testid={c.cellTestId}>
                    {c.cell(row)}
                  </td>
                ),
              )}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
  if (!scroll) return table;
  return <div className={typeof scroll === 'string' ? `table-scroll ${scroll}` : 'table-scroll'}>{table}</div>;
}
