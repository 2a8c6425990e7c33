import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useId, useLayoutEffect, useRef, useState, type CSSProperties, type HTMLAttributes, type KeyboardEvent, type PointerEvent as ReactPointerEvent, type ReactNode } from 'react';
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
  /** The header is a sort button though the owner sorts the rows (see `sort`/`onSort`). */
  sortable?: boolean;
  /** On the body cells. */
  className?: string;
  /** On one body cell, from its row (e.g. a state's colour). */
  cellClassName?(row: R): string | undefined;
  /** On the header cell (e.g. `numeric` to right-align it). */
  headerClassName?: string;
  /** The cell names the row (`<th scope="row">`). */
  rowHeader?: boolean;
  /** A tooltip on the cell. */
  cellTitle?(row: R): string | undefined;
  /** data-testid of every cell of the column. */
  cellTestId?: string;
  /** Virtualized mode: the column's width in px (the user's width wins), its least width when it grows. */
  width?: number;
  /** Virtualized mode: the column takes this share of the room left (a CSS `fr`); absent, it keeps `width`. */
  grow?: number;
}

type DataAttributes = { [data: `data-${string}`]: string | number | boolean | undefined };
type RowAttributes = HTMLAttributes<HTMLElement> & DataAttributes;

export type SortState = { id: string; direction: 'ascending' | 'descending' } | null;

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
  /** data-* attributes on the table element (e.g. what the rows answer, for tests and benches). */
  attributes?: DataAttributes;
  /** Sorted by the owner: the header that sorts and which way (the rows come sorted); with `onSort`. */
  sort?: SortState;
  /** A sort header was pressed: the owner sorts the rows and passes `sort` back. */
  onSort?(id: string): void;
  /** A full-width row under a row (its sync progress, ...); nothing: none. */
  rowDetail?(row: R): ReactNode;
  /**
   * Virtualized: rows of a fixed height, only those in view (plus `overscan`) in the DOM, so tens
   * of thousands of rows scroll and re-sort like fifty. An ARIA grid with one Tab stop: the arrow
   * keys, Page Up/Down and Home/End move the active row (aria-activedescendant) and scroll it into
   * view, Enter opens it. The element's height comes from CSS (`.data-grid-scroll` inside `className`).
   */
  virtual?: { rowHeight: number; overscan?: number };
  /** Virtualized mode: the selected row's key (selection follows the keyboard and a click); absent, the table keeps its own active row. */
  selectedKey?: string | number | null;
  onSelect?(row: R): void;
  /**
   * Virtualized mode: rows are ticked, any number of them (a picker). aria-selected is the tick; Space
   * (and Enter, without `onOpen`) ticks the active row, a click ticks the clicked one.
   */
  picks?: { isPicked(row: R): boolean; toggle(row: R): void };
  /** Virtualized mode: row ids are `${idPrefix}-row-${index}` (default: a generated prefix). */
  idPrefix?: string;
}

type Sort = SortState;

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
 * The CSS grid tracks of the virtualized mode's columns (the user's widths win), and the least width they
 * need. `fit` (at most 1) shrinks the columns' own widths so a narrow window (200% zoom) shows every
 * column, cut with an ellipsis, instead of scrolling them sideways.
 */
function gridTracks<R>(shown: readonly DataColumn<R>[], widths: Record<string, number>, fit = 1): { template: string; minWidth: number; shrinkable: number } {
  let minWidth = 0;
  // What fitting can shrink: the columns' own widths, not the user's nor the row-naming column's
  // (a cut name is no name).
  let shrinkable = 0;
  const tracks = shown.map((c) => {
    const user = widths[c.id];
    const own = c.width ?? 100;
    const fits = user === undefined && !c.rowHeader;
    if (fits) shrinkable += own;
    const width = user ?? (fits ? Math.round(own * fit) : own);
    minWidth += width;
    return user !== undefined || !c.grow ? `${width}px` : `minmax(${width}px, ${c.grow}fr)`;
  });
  return { template: tracks.join(' '), minWidth, shrinkable };
}

const gridStyle = (tracks: { template: string; minWidth: number }): CSSProperties => ({ '--data-grid-columns': tracks.template, '--data-grid-min-width': `${tracks.minWidth}px` }) as CSSProperties;

/** A body row's state classes: the active row, or in a picker the ticked rows and the keyboard's cursor. */
const rowState = (active: boolean, picked: boolean | undefined): (string | undefined)[] =>
  picked === undefined ? [active ? 'data-grid-row-active' : undefined] : [picked ? 'data-grid-row-picked' : undefined, active ? 'data-grid-row-cursor' : undefined];

/** Columns narrower than this share of their own width are cut too much to read: the grid scrolls sideways instead. */
const LEAST_FIT = 0.6;

/**
 * How much the columns' own widths shrink to fit the element's width (1: they fit). Measured when the
 * columns change (in a layout effect, so the first frame the operator sees is already fitted) and
 * then by a ResizeObserver; never while rendering, so a search keystroke costs no layout.
 */
function useFitToWidth(ref: { current: HTMLElement | null } | null, needed: number, shrinkable: number): number {
  const [fit, setFit] = useState(1);
  useLayoutEffect(() => {
    const el = ref?.current;
    if (!el) return;
    const measure = (): void => {
      // The rows' box, less its scrollbar, is the room the columns have.
      const rows = el.querySelector<HTMLElement>('.data-grid-scroll');
      const width = rows ? rows.clientWidth : el.clientWidth;
      const short = needed - width;
      const next = width <= 0 || short <= 0 || shrinkable <= 0 ? 1 : Math.max(LEAST_FIT, Math.floor(((shrinkable - short) / shrinkable) * 100) / 100);
      setFit((f) => (f === next ? f : next));
    };
    measure();
    if (typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(measure);
    observer.observe(el);
    return () => observer.disconnect();
  }, [ref, needed, shrinkable]);
  return fit;
}

/**
 * The one table of the app: headers from column definitions, optional sorting (a header button
 * per sortable column; the table sorts, or the owner with `sort`/`onSort`), resizing and a column
 * chooser's order, and one Tab stop in the body: Up/Down/Home/End move the focused row, Enter
 * opens it. With `virtual`, an ARIA grid that renders only the rows in view (see `virtual`).
 */
export function DataTable<R>(props: DataTableProps<R>) {
  const { columns: given, rows, caption, label, className, rowProps, actions, actionsLabel = 'Actions', prefs, onPrefs, resizable, testId, describedBy, attributes, onSort } = props;
  // Columns are usually written inline, so nothing here is memoized on them: a table sorts its rows at render (cheap at the sizes a DataTable holds).
  const columns: readonly DataColumn<R>[] = actions ? [...given, { id: 'actions', label: actionsLabel, hideLabel: true, cell: actions }] : given;
  const [ownSort, setSort] = useState<Sort>(null);
  const [localWidths, setLocalWidths] = useState<Record<string, number>>({});
  const rootRef = useRef<HTMLElement | null>(null);

  const shown = prefs ? chosenColumns(columns, prefs, Boolean(actions)) : columns;
  const widths = prefs?.widths ?? localWidths;
  const unfitted = props.virtual ? gridTracks(shown, widths) : null;
  const fit = useFitToWidth(unfitted ? rootRef : null, unfitted?.minWidth ?? 0, unfitted?.shrinkable ?? 0);

  // The owner sorts (a store query, 50,000 rows sorted once, ...) when it listens for the headers.
  const sort = onSort ? (props.sort ?? null) : ownSort;
  const sortBy = !onSort && sort ? columns.find((c) => c.id === sort.id)?.sortValue : undefined;
  const sorted = sort && sortBy ? sortRows(rows, sortBy, sort.direction) : rows;

  const toggleSort = (id: string): void => {
    if (onSort) onSort(id);
    else setSort((s) => (s?.id === id && s.direction === 'ascending' ? { id, direction: 'descending' } : { id, direction: 'ascending' }));
  };

  const startResize = (id: string, event: ReactPointerEvent<HTMLSpanElement>): void => {
    event.preventDefault();
    const th = event.currentTarget.parentElement;
    const startX = event.clientX;
    const startW = th?.getBoundingClientRect().width ?? 120;
    let width = startW;
    const move = (e: PointerEvent): void => {
      width = Math.max(MIN_COLUMN_WIDTH, Math.min(MAX_COLUMN_WIDTH, Math.round(startW + e.clientX - startX)));
      // While dragging only the style changes; the new width is kept on release.
      if (props.virtual) {
        const tracks = gridTracks(shown, { ...widths, [id]: width }, fit);
        rootRef.current?.style.setProperty('--data-grid-columns', tracks.template);
        rootRef.current?.style.setProperty('--data-grid-min-width', `${tracks.minWidth}px`);
      } else if (th) th.style.width = `${width}px`;
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

  /** The table sorts by its value, or the owner sorts when the header is pressed. */
  const sortable = (c: DataColumn<R>): boolean => Boolean(c.sortValue || (onSort && c.sortable));
  const headerContent = (c: DataColumn<R>): ReactNode => {
    const sortedHere = sort?.id === c.id ? sort.direction : undefined;
    return (
      <>
        {c.hideLabel ? (
          <span className="visually-hidden">{c.label}</span>
        ) : sortable(c) ? (
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
      </>
    );
  };
  const ariaSort = (c: DataColumn<R>): 'ascending' | 'descending' | 'none' | undefined => (sortable(c) ? (sort?.id === c.id ? sort.direction : 'none') : undefined);
  const headerClass = (c: DataColumn<R>, base?: string): string | undefined => [base, c.headerClassName, resizable ? 'resizable' : undefined].filter(Boolean).join(' ') || undefined;
  const cellClass = (c: DataColumn<R>, row: R, base?: string): string | undefined => [base, c.className, c.cellClassName?.(row)].filter(Boolean).join(' ') || undefined;

  if (props.virtual) {
    return (
      <VirtualGrid
        table={props}
        rows={sorted}
        shown={shown}
        tracks={gridTracks(shown, widths, fit)}
        rootRef={(el) => {
          rootRef.current = el;
        }}
        header={shown.map((c) => (
          <div key={c.id} role="columnheader" className={headerClass(c, 'data-grid-cell')} aria-sort={ariaSort(c)} data-column={c.id}>
            {headerContent(c)}
          </div>
        ))}
        cellClass={cellClass}
        rowProps={rowProps}
        testId={testId}
        label={label ?? caption}
        describedBy={describedBy}
        className={className}
        attributes={attributes}
      />
    );
  }
  return (
    <PlainTable
      table={props}
      rows={sorted}
      shown={shown}
      header={(c) => (
        <th key={c.id} scope="col" className={headerClass(c)} style={widths[c.id] ? { width: widths[c.id] } : undefined} aria-sort={ariaSort(c)} data-column={c.id}>
          {headerContent(c)}
        </th>
      )}
      cellClass={cellClass}
    />
  );
}

interface PartProps<R> {
  table: DataTableProps<R>;
  rows: readonly R[];
  shown: readonly DataColumn<R>[];
  cellClass(c: DataColumn<R>, row: R, base?: string): string | undefined;
}

/** The plain mode: a <table>, every row in the DOM, roving focus over the rows. */
function PlainTable<R>({ table, rows, shown, header, cellClass }: PartProps<R> & { header(c: DataColumn<R>): ReactNode }) {
  const { rowKey, caption, label, className, scroll, rowProps, onOpen, testId, describedBy, attributes, rowDetail } = table;
  const [active, setActive] = useState(0);
  const rowRefs = useRef<(HTMLTableRowElement | null)[]>([]);

  const focusRow = (index: number): void => {
    const to = Math.max(0, Math.min(rows.length - 1, index));
    setActive(to);
    rowRefs.current[to]?.focus();
  };
  const onRowKey = (event: KeyboardEvent<HTMLTableRowElement>, index: number, row: R): void => {
    if (event.target !== event.currentTarget) return; // keys inside a cell's button or field are theirs
    const targets: Record<string, number> = { ArrowDown: index + 1, ArrowUp: index - 1, Home: 0, End: rows.length - 1 };
    const target = targets[event.key];
    if (target !== undefined) {
      event.preventDefault();
      focusRow(target);
    } else if (event.key === 'Enter' && onOpen) {
      event.preventDefault();
      onOpen(row);
    }
  };
  const tabStop = Math.min(active, rows.length - 1);

  const t = (
    <table className={className ? `data-table ${className}` : 'data-table'} aria-label={label} aria-describedby={describedBy} data-testid={testId} {...attributes}>
      {caption && <caption className="visually-hidden">{caption}</caption>}
      <thead>
        <tr>{shown.map(header)}</tr>
      </thead>
      <tbody>
        {rows.map((row, i) => {
          const extra = rowProps?.(row);
          const key = rowKey(row);
          const detail = rowDetail?.(row);
          const tr = (
            <tr
              key={key}
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
                  <th key={c.id} scope="row" className={cellClass(c, row, 'row-heading')} title={c.cellTitle?.(row)}>
                    {c.cell(row)}
                  </th>
                ) : (
                  <td key={c.id} className={cellClass(c, row)} title={c.cellTitle?.(row)} data-testid={c.cellTestId}>
                    {c.cell(row)}
                  </td>
                ),
              )}
            </tr>
          );
          if (detail === undefined || detail === null || detail === false) return tr;
          // A row of its own, the table's full width (a cell this wide would widen its column instead).
          return [
            tr,
            <tr key={`${key}\u0000detail`} className="data-table-detail">
              <td colSpan={shown.length}>{detail}</td>
            </tr>,
          ];
        })}
      </tbody>
    </table>
  );
  if (!scroll) return t;
  return <div className={typeof scroll === 'string' ? `table-scroll ${scroll}` : 'table-scroll'}>{t}</div>;
}

interface VirtualGridProps<R> extends PartProps<R> {
  tracks: { template: string; minWidth: number };
  rootRef(el: HTMLDivElement | null): void;
  header: ReactNode;
  rowProps?(row: R): RowAttributes;
  testId?: string;
  label?: string;
  describedBy?: string;
  className?: string;
  attributes?: DataAttributes;
}

/**
 * The virtualized mode: an ARIA grid of divs, the header row above the scrolling box of the rows
 * (as the hand-written VM grid had it: a keystroke's new rows lay out and paint in that box alone).
 */
function VirtualGrid<R>({ table, rows, shown, tracks, rootRef, header, cellClass, rowProps, testId, label, describedBy, className, attributes }: VirtualGridProps<R>) {
  const { rowKey, onOpen, selectedKey, onSelect, virtual, picks } = table;
  const rowHeight = virtual?.rowHeight ?? 30;
  const generated = useId();
  const idPrefix = table.idPrefix ?? `data-grid${generated.replace(/:/g, '')}`;
  const scrollRef = useRef<HTMLDivElement>(null);
  const [ownActive, setOwnActive] = useState<string | number | null>(null);
  const controlled = selectedKey !== undefined;
  const activeKey = controlled ? selectedKey : ownActive;
  const headRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => rowHeight, overscan: virtual?.overscan ?? 12 });
  const activeIndex = activeKey === null ? -1 : rows.findIndex((row) => rowKey(row) === activeKey);

  useEffect(() => {
    if (activeIndex >= 0) virtualizer.scrollToIndex(activeIndex, { align: 'auto' });
  }, [activeIndex, virtualizer]);

  const select = (row: R): void => {
    if (!controlled) setOwnActive(rowKey(row));
    onSelect?.(row);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.target !== event.currentTarget) return; // keys on a header's sort button are the button's
    const at = activeIndex;
    if (picks && (event.key === ' ' || (event.key === 'Enter' && !onOpen))) {
      const row = rows[at];
      if (row !== undefined) {
        event.preventDefault();
        picks.toggle(row);
      }
      return;
    }
    if (event.key === 'Enter') {
      const row = rows[at];
      if (row !== undefined && onOpen) {
        event.preventDefault();
        onOpen(row);
      }
      return;
    }
    // Read on the key only: reading a size while rendering forces a layout on every keystroke of a search.
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? rowHeight * 10) / rowHeight) - 1);
    const targets: Record<string, number> = { ArrowDown: at + 1, ArrowUp: at < 0 ? 0 : at - 1, PageDown: at + pageRows, PageUp: at - pageRows, Home: 0, End: rows.length - 1 };
    const target = targets[event.key];
    if (target === undefined || rows.length === 0) return;
    event.preventDefault();
    const row = rows[Math.max(0, Math.min(rows.length - 1, target))];
    if (row !== undefined) select(row);
  };

  const rowId = (index: number): string => `${idPrefix}-row-${index}`;
  return (
    <div
      ref={rootRef}
      className={className ? `data-grid ${className}` : 'data-grid'}
      role="grid"
      aria-label={label}
      aria-describedby={describedBy}
      aria-rowcount={rows.length + 1}
      aria-colcount={shown.length}
      aria-multiselectable={picks ? true : onSelect ? false : undefined}
      tabIndex={0}
      onKeyDown={onKeyDown}
      aria-activedescendant={activeIndex >= 0 ? rowId(activeIndex) : undefined}
      data-testid={testId}
      style={gridStyle(tracks)}
      {...attributes}
    >
      <div ref={headRef} role="rowgroup" className="data-grid-head">
        <div role="row" aria-rowindex={1} className="data-grid-row" style={{ height: rowHeight }}>
          {header}
        </div>
      </div>
      <div
        ref={scrollRef}
        role="rowgroup"
        className="data-grid-scroll"
        onScroll={(e) => {
          // The header sits outside the scrolling box (a box of its own, kept out of the rows' layout and paint): it follows sideways.
          if (headRef.current) headRef.current.scrollLeft = e.currentTarget.scrollLeft;
        }}
      >
        <div className="data-grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const row = rows[item.index];
            if (row === undefined) return null;
            const isActive = item.index === activeIndex;
            const picked = picks?.isPicked(row);
            const extra = rowProps?.(row);
            return (
              <div
                key={item.key} // by position: new rows (a search) reuse the elements in view instead of replacing them
                {...extra}
                id={rowId(item.index)}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={picked ?? (onSelect ? isActive : undefined)}
                className={[extra?.className, 'data-grid-row data-grid-body-row', ...rowState(isActive, picked)].filter(Boolean).join(' ')}
                style={{ height: rowHeight, transform: `translateY(${item.start}px)` }}
                onClick={() => {
                  select(row);
                  picks?.toggle(row);
                }}
              >
                {shown.map((c) => (
                  <div key={c.id} role={c.rowHeader ? 'rowheader' : 'gridcell'} className={cellClass(c, row, 'data-grid-cell')} title={c.cellTitle?.(row)} data-testid={c.cellTestId}>
                    {c.cell(row)}
                  </div>
                ))}
              </div>
            );
          })}
        </div>
      </div>
    </div>
  );
}
