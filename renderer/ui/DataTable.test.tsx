import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DataTable, type DataColumn } from './DataTable';
import { ColumnChooser } from './ColumnChooser';
import { loadColumnPrefs, saveColumnPrefs, type ColumnPrefs } from './column-prefs';

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
