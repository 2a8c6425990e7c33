import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { DataTable, type DataColumn } from './DataTable';
import { ColumnChooser } from './ColumnChooser';
import { loadColumnPrefs, saveColumnPrefs, type ColumnPrefs } from './column-prefs';
import { useState } from 'react';

afterEach(cleanup);

interface Host {
  name: string;
  cpus: number | null;
}
const hosts: Host[] = [
  { name: 'esx-10', cpus: 8 },
  { name: 'esx-2', cpus: null },
  { name: 'esx-1', cpus: 32 },
];
const columns: DataColumn<Host>[] = [
  { id: 'name', label: 'Name', rowHeader: true, cell: (h) => h.name, sortValue: (h) => h.name },
  { id: 'cpus', label: 'CPUs', className: 'numeric', cell: (h) => String(h.cpus ?? '—'), sortValue: (h) => h.cpus },
  { id: 'actions', label: 'Actions', hideLabel: true, cell: (h) => <button type="button">Remove {h.name}</button> },
];
const names = (): string[] => screen.getAllByRole('row').slice(1).map((r) => within(r).getByRole('rowheader').textContent ?? '');

describe('DataTable', () => {
  it('sorts by a header button (natural order, blanks last), both ways, and marks the header', () => {
    render(<DataTable columns={columns} rows={hosts} rowKey={(h) => h.name} caption="Hosts" />);
    expect(names()).toEqual(['esx-10', 'esx-2', 'esx-1']);
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()).toEqual(['esx-1', 'esx-2', 'esx-10']);
    expect(screen.getByRole('columnheader', { name: 'Name' }).getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(names()).toEqual(['esx-10', 'esx-2', 'esx-1']);
    fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
    expect(names()).toEqual(['esx-10', 'esx-1', 'esx-2']);
    fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
    expect(names()).toEqual(['esx-1', 'esx-10', 'esx-2']);
    expect(screen.getByRole('table', { name: 'Hosts' })).toBeTruthy();
  });

  it('has one Tab stop in the body: arrows move the row focus, Enter opens the row, keys in a cell button stay there', () => {
    const onOpen = vi.fn();
    render(<DataTable columns={columns} rows={hosts} rowKey={(h) => h.name} caption="Hosts" onOpen={onOpen} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows.map((r) => r.tabIndex)).toEqual([0, -1, -1]);
    rows[0]!.focus();
    fireEvent.keyDown(rows[0]!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[1]);
    fireEvent.keyDown(rows[1]!, { key: 'End' });
    expect(document.activeElement).toBe(rows[2]);
    expect(rows.map((r) => r.tabIndex)).toEqual([-1, -1, 0]);
    fireEvent.keyDown(rows[2]!, { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledWith(hosts[2]);
    fireEvent.keyDown(within(rows[0]!).getByRole('button'), { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledTimes(1);
    fireEvent.keyDown(rows[2]!, { key: 'Home' });
    expect(document.activeElement).toBe(rows[0]);
  });

  it('shows the chosen columns in the chosen order, and the chooser changes them', () => {
    let prefs: ColumnPrefs = { order: ['cpus', 'name'], widths: { name: 200 } };
    const { rerender } = render(<DataTable columns={columns} rows={hosts} rowKey={(h) => h.name} caption="Hosts" prefs={prefs} resizable />);
    expect(screen.getAllByRole('columnheader').map((h) => h.dataset.column)).toEqual(['cpus', 'name']);
    expect(screen.getByRole('separator', { name: 'Resize Name' })).toBeTruthy();
    render(<ColumnChooser columns={columns} prefs={prefs} onChange={(p) => (prefs = p)} />);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Actions' }));
    rerender(<DataTable columns={columns} rows={hosts} rowKey={(h) => h.name} caption="Hosts" prefs={prefs} />);
    expect(screen.getAllByRole('columnheader').map((h) => h.dataset.column)).toEqual(['cpus', 'name', 'actions']);
  });

  it('persists prefs per key and drops columns that no longer exist', () => {
    const store = new Map<string, string>();
    const storage = { getItem: (k: string) => store.get(k) ?? null, setItem: (k: string, v: string) => void store.set(k, v) };
    const fallback = { order: ['name'], widths: {} };
    saveColumnPrefs('t', { order: ['gone', 'cpus'], widths: { cpus: 90, gone: 90, name: 5 } }, storage);
    expect(loadColumnPrefs('t', new Set(['name', 'cpus']), fallback, storage)).toEqual({ order: ['cpus'], widths: { cpus: 90 } });
    expect(loadColumnPrefs('other', new Set(['name']), fallback, storage)).toBe(fallback);
  });
});

describe('DataTable, a row detail', () => {
  it('puts a full-width row under a row that has one, outside the keyboard\'s rows', () => {
    render(<DataTable columns={columns} rows={hosts} rowKey={(h) => h.name} caption="Hosts" rowDetail={(h) => (h.cpus === null ? <p>no CPU count yet</p> : null)} />);
    const rows = screen.getAllByRole('row').slice(1);
    expect(rows).toHaveLength(4);
    const detail = rows[2]!;
    expect(detail.textContent).toBe('no CPU count yet');
    expect(within(detail).getByRole('cell').getAttribute('colspan')).toBe('3');
    expect(detail.tabIndex).toBe(-1);
    rows[1]!.focus();
    fireEvent.keyDown(rows[1]!, { key: 'ArrowDown' });
    expect(document.activeElement).toBe(rows[3]); // esx-1, past the detail row
  });
});

// jsdom lays nothing out and scrolls nothing: the box's height comes from clientHeight/offsetHeight
// here, its content's from the spacer's style height, and scrollTo sets scrollTop and fires the
// scroll event, as a browser does.
describe('DataTable, virtualized', () => {
  const VIEW = 300; // 10 rows of 30 px
  const saved = ['clientHeight', 'offsetHeight', 'clientWidth', 'offsetWidth'].map((k) => [k, Object.getOwnPropertyDescriptor(HTMLElement.prototype, k)] as const);
  const savedScrollTo = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollTo');
  const savedScrollHeight = Object.getOwnPropertyDescriptor(Element.prototype, 'scrollHeight');
  beforeAll(() => {
    Object.defineProperty(Element.prototype, 'scrollHeight', {
      configurable: true,
      get(this: Element) {
        const inner = this.firstElementChild;
        return inner instanceof HTMLElement ? Number.parseFloat(inner.style.height) || 0 : 0;
      },
    });
    for (const [k] of saved) Object.defineProperty(HTMLElement.prototype, k, { configurable: true, get: () => (k.endsWith('Height') ? VIEW : 800) });
    Object.defineProperty(Element.prototype, 'scrollTo', {
      configurable: true,
      value(this: Element, options: ScrollToOptions) {
        if (options.top !== undefined) this.scrollTop = options.top;
        this.dispatchEvent(new Event('scroll'));
      },
    });
  });
  afterAll(() => {
    for (const [k, d] of saved) if (d) Object.defineProperty(HTMLElement.prototype, k, d);
    if (savedScrollHeight) Object.defineProperty(Element.prototype, 'scrollHeight', savedScrollHeight);
    if (savedScrollTo) Object.defineProperty(Element.prototype, 'scrollTo', savedScrollTo);
    else Reflect.deleteProperty(Element.prototype, 'scrollTo');
  });

  const many: Host[] = Array.from({ length: 50_000 }, (_, i) => ({ name: `vm-${i}`, cpus: i % 7 }));
  const gridColumns: DataColumn<Host>[] = [
    { id: 'name', label: 'Name', rowHeader: true, width: 120, grow: 2, cell: (h) => h.name, sortValue: (h) => h.name },
    { id: 'cpus', label: 'CPUs', width: 60, className: 'numeric', cell: (h) => String(h.cpus), cellClassName: (h) => (h.cpus === 0 ? 'zero' : undefined), sortValue: (h) => h.cpus },
  ];
  const bodyRows = (): HTMLElement[] => screen.getAllByRole('row').slice(1);
  const shownNames = (): string[] => bodyRows().map((r) => within(r).getByRole('rowheader').textContent ?? '');

  it('renders only the rows in view (plus overscan) of 50,000, as an ARIA grid with the column tracks', () => {
    render(<DataTable virtual={{ rowHeight: 30, overscan: 2 }} columns={gridColumns} rows={many} rowKey={(h) => h.name} label="Machines" attributes={{ 'data-row-count': many.length }} />);
    const grid = screen.getByRole('grid', { name: 'Machines' });
    expect(grid.getAttribute('aria-rowcount')).toBe('50001');
    expect(grid.getAttribute('data-row-count')).toBe('50000');
    expect(grid.style.getPropertyValue('--data-grid-columns')).toBe('minmax(120px, 2fr) 60px');
    expect(bodyRows().length).toBeLessThan(20);
    expect(shownNames()[0]).toBe('vm-0');
    expect(bodyRows()[0]!.getAttribute('aria-rowindex')).toBe('2');
    expect(within(bodyRows()[0]!).getAllByRole('gridcell')[0]!.className).toBe('data-grid-cell numeric zero');
  });

  it('keys move the active row (aria-activedescendant), scroll it into view and Enter opens it; a click selects', async () => {
    const onOpen = vi.fn();
    const onSelect = vi.fn();
    render(<DataTable virtual={{ rowHeight: 30 }} columns={gridColumns} rows={many} rowKey={(h) => h.name} label="Machines" idPrefix="m" onOpen={onOpen} onSelect={onSelect} />);
    const grid = screen.getByRole('grid', { name: 'Machines' });
    expect(grid.tabIndex).toBe(0);
    expect(bodyRows().every((r) => !r.hasAttribute('tabindex'))).toBe(true); // one Tab stop: the grid
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('m-row-0');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('m-row-1');
    expect(document.getElementById('m-row-1')?.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(grid, { key: 'PageDown' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('m-row-10'); // a box of 10 rows moves 9
    await act(async () => {
      fireEvent.keyDown(grid, { key: 'End' });
      await new Promise((resolve) => requestAnimationFrame(resolve));
    });
    expect(grid.getAttribute('aria-activedescendant')).toBe('m-row-49999');
    // The last row was scrolled to: it is in the DOM now, the first is not.
    expect(document.getElementById('m-row-49999')?.textContent).toContain('vm-49999');
    expect(document.getElementById('m-row-0')).toBeNull();
    expect(screen.getByRole('grid').querySelector('.data-grid-scroll')!.scrollTop).toBeGreaterThan(49_000 * 30);
    fireEvent.keyDown(grid, { key: 'Enter' });
    expect(onOpen).toHaveBeenCalledWith(many[49_999]);
    fireEvent.keyDown(grid, { key: 'Home' });
    expect(grid.getAttribute('aria-activedescendant')).toBe('m-row-0');
    fireEvent.click(document.getElementById('m-row-3')!);
    expect(grid.getAttribute('aria-activedescendant')).toBe('m-row-3');
    expect(onSelect).toHaveBeenLastCalledWith(many[3]);
  });

  it('picks: any number of rows ticked (aria-multiselectable, aria-selected is the tick); Space and Enter tick the active row, a click ticks its row', () => {
    function Picker() {
      const [picked, setPicked] = useState<ReadonlySet<string>>(new Set());
      const toggle = (h: Host): void =>
        setPicked((p) => {
          const next = new Set(p);
          if (!next.delete(h.name)) next.add(h.name);
          return next;
        });
      return <DataTable virtual={{ rowHeight: 30 }} columns={gridColumns} rows={many} rowKey={(h) => h.name} label="Machines" idPrefix="p" picks={{ isPicked: (h) => picked.has(h.name), toggle }} />;
    }
    render(<Picker />);
    const grid = screen.getByRole('grid', { name: 'Machines' });
    expect(grid.getAttribute('aria-multiselectable')).toBe('true');
    const row = (i: number): HTMLElement => document.getElementById(`p-row-${i}`)!;
    expect(row(0).getAttribute('aria-selected')).toBe('false');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: ' ' });
    expect(row(0).getAttribute('aria-selected')).toBe('true');
    expect(row(0).className).toContain('data-grid-row-picked');
    expect(row(0).className).toContain('data-grid-row-cursor');
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: 'Enter' });
    // Moving on leaves the first ticked; the second is ticked too.
    expect([row(0), row(1), row(2)].map((r) => r.getAttribute('aria-selected'))).toEqual(['true', 'true', 'false']);
    fireEvent.click(row(0));
    expect([row(0), row(1)].map((r) => r.getAttribute('aria-selected'))).toEqual(['false', 'true']);
    expect(grid.getAttribute('aria-activedescendant')).toBe('p-row-0');
  });

  it('sorts by its headers itself, or leaves it to the owner (sort/onSort)', () => {
    const few = many.slice(0, 5);
    const { unmount } = render(<DataTable virtual={{ rowHeight: 30 }} columns={gridColumns} rows={few} rowKey={(h) => h.name} label="Machines" />);
    fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
    fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
    expect(shownNames()).toEqual(['vm-4', 'vm-3', 'vm-2', 'vm-1', 'vm-0']);
    expect(screen.getByRole('columnheader', { name: /CPUs/ }).getAttribute('aria-sort')).toBe('descending');
    unmount();

    const owned: DataColumn<Host>[] = gridColumns.map(({ sortValue: _, ...c }) => ({ ...c, sortable: true }));
    const asked: string[] = [];
    function Owner() {
      const [desc, setDesc] = useState(false);
      const rows = desc ? [...few].reverse() : few;
      return <DataTable virtual={{ rowHeight: 30 }} columns={owned} rows={rows} rowKey={(h) => h.name} label="Machines" sort={{ id: 'name', direction: desc ? 'descending' : 'ascending' }} onSort={(id) => (asked.push(id), setDesc((d) => !d))} />;
    }
    render(<Owner />);
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('ascending');
    expect(screen.getByRole('columnheader', { name: /CPUs/ }).getAttribute('aria-sort')).toBe('none');
    fireEvent.click(screen.getByRole('button', { name: 'Name' }));
    expect(asked).toEqual(['name']);
    expect(shownNames()).toEqual(['vm-4', 'vm-3', 'vm-2', 'vm-1', 'vm-0']);
    expect(screen.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('descending');
  });

  it('a box narrower than its columns fits them at the first render, before any ResizeObserver (jsdom: widths stubbed at 800 px)', () => {
    expect(typeof ResizeObserver).toBe('undefined');
    // 1,000 px of columns in 800: the name keeps its 200, the other 800 shrink by 200 (to 75%).
    const wide: DataColumn<Host>[] = [
      { id: 'name', label: 'Name', rowHeader: true, width: 200, cell: (h) => h.name },
      { id: 'cpus', label: 'CPUs', width: 400, cell: (h) => String(h.cpus) },
      { id: 'notes', label: 'Notes', width: 400, grow: 1, cell: () => '' },
    ];
    render(<DataTable virtual={{ rowHeight: 30 }} columns={wide} rows={many} rowKey={(h) => h.name} label="Machines" />);
    const grid = screen.getByRole('grid');
    expect(grid.style.getPropertyValue('--data-grid-columns')).toBe('200px 300px minmax(300px, 1fr)');
    expect(grid.style.getPropertyValue('--data-grid-min-width')).toBe('800px');
  });

  it('shows the chosen columns in order with their widths, and a resize handle that keeps the new width', () => {
    let prefs: ColumnPrefs = { order: ['cpus', 'name'], widths: { cpus: 90 } };
    const onPrefs = (p: ColumnPrefs): void => void (prefs = p);
    const { rerender } = render(<DataTable virtual={{ rowHeight: 30 }} columns={gridColumns} rows={many} rowKey={(h) => h.name} label="Machines" prefs={prefs} onPrefs={onPrefs} resizable />);
    expect(screen.getAllByRole('columnheader').map((h) => h.dataset.column)).toEqual(['cpus', 'name']);
    expect([...bodyRows()[0]!.children].map((c) => c.textContent)).toEqual(['0', 'vm-0']);
    const grid = screen.getByRole('grid');
    expect(grid.style.getPropertyValue('--data-grid-columns')).toBe('90px minmax(120px, 2fr)');
    expect(grid.style.getPropertyValue('--data-grid-min-width')).toBe('210px');
    const handle = screen.getByRole('separator', { name: 'Resize Name' });
    fireEvent.pointerDown(handle, { clientX: 100 });
    fireEvent.pointerMove(window, { clientX: 180 });
    fireEvent.pointerUp(window);
    expect(prefs.widths).toEqual({ cpus: 90, name: 80 }); // jsdom: the header measured 0 wide, so its new width is the drag
    rerender(<DataTable virtual={{ rowHeight: 30 }} columns={gridColumns} rows={many} rowKey={(h) => h.name} label="Machines" prefs={prefs} onPrefs={onPrefs} resizable />);
    expect(grid.style.getPropertyValue('--data-grid-columns')).toBe('90px 80px');
  });
});
