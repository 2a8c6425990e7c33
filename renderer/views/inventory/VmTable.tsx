import { useVirtualizer } from '@tanstack/react-virtual';
import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { VmSummary } from '../../../core/contract';
import { powerLabel, toolsLabel, vmKey, type SortKey, type SortOrder } from './vm-rows';

export const ROW_HEIGHT = 30;

interface Column {
  key: SortKey;
  label: string;
  className: string;
  cell(vm: VmSummary): string;
}

const columns: Column[] = [
  { key: 'name', label: 'Name', className: 'vm-col-name', cell: (vm) => vm.name },
  { key: 'powerState', label: 'Power', className: 'vm-col-power', cell: powerLabel },
  { key: 'guestFullName', label: 'Guest OS', className: 'vm-col-os', cell: (vm) => vm.guestFullName ?? vm.guestId ?? '—' },
  { key: 'ipAddress', label: 'IP', className: 'vm-col-ip mono', cell: (vm) => vm.ipAddress ?? '—' },
  { key: 'host', label: 'Host', className: 'vm-col-host', cell: (vm) => vm.host ?? '—' },
  { key: 'numCpu', label: 'CPUs', className: 'vm-col-num', cell: (vm) => (vm.numCpu === null ? '—' : String(vm.numCpu)) },
  { key: 'memoryMB', label: 'Memory', className: 'vm-col-num', cell: (vm) => (vm.memoryMB === null ? '—' : vm.memoryMB >= 1024 ? `${+(vm.memoryMB / 1024).toFixed(1)} GB` : `${vm.memoryMB} MB`) },
  { key: 'toolsRunningStatus', label: 'Tools', className: 'vm-col-tools', cell: toolsLabel },
];

const rowId = (index: number): string => `vm-row-${index}`;

interface VmTableProps {
  rows: readonly VmSummary[];
  order: SortOrder;
  onSort(key: SortKey): void;
  selected: string | null;
  onSelect(vm: VmSummary): void;
  /** The query these rows answer (the bench and the e2e wait for it). */
  renderedQuery: string;
}

/**
 * The VM grid: only the rows in view (plus a few) are in the DOM, so 50,000 rows scroll and
 * re-sort like 50. One Tab stop; Up/Down, Page Up/Down, Home/End move the selection (which
 * opens the detail pane), and the header buttons sort.
 */
export function VmTable({ rows, order, onSort, selected, onSelect, renderedQuery }: VmTableProps) {
  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const selectedIndex = selected === null ? -1 : rows.findIndex((vm) => vmKey(vm) === selected);

  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' });
  }, [selectedIndex, virtualizer]);

  const move = (to: number): void => {
    if (rows.length === 0) return;
    const next = rows[Math.max(0, Math.min(rows.length - 1, to))];
    if (next) onSelect(next);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const at = selectedIndex;
    // Read on the key only: reading a size while rendering forces a layout on every keystroke of a search.
    const pageRows = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const targets: Record<string, number> = {
      ArrowDown: at + 1,
      ArrowUp: at < 0 ? 0 : at - 1,
      PageDown: at + pageRows,
      PageUp: at - pageRows,
      Home: 0,
      End: rows.length - 1,
    };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    move(target);
  };

  return (
    <div
      className="vm-grid"
      role="grid"
      aria-label="Virtual machines"
      aria-rowcount={rows.length + 1}
      aria-colcount={columns.length}
      tabIndex={0}
      onKeyDown={onKeyDown}
      aria-activedescendant={selectedIndex >= 0 ? rowId(selectedIndex) : undefined}
      data-testid="vm-grid"
      data-rendered-query={renderedQuery}
      data-row-count={rows.length}
    >
      <div className="vm-grid-header" role="row" aria-rowindex={1}>
        {columns.map((c) => {
          const sorted = order.key === c.key;
          return (
            <div key={c.key} role="columnheader" className={`vm-cell ${c.className}`} aria-sort={sorted ? order.direction : 'none'}>
              <button type="button" className="vm-sort" onClick={() => onSort(c.key)} aria-label={`Sort by ${c.label}`}>
                {c.label}
                <span aria-hidden="true" className="vm-sort-mark">
                  {sorted ? (order.direction === 'ascending' ? '▲' : '▼') : ''}
                </span>
              </button>
            </div>
          );
        })}
      </div>
      <div ref={scrollRef} className="vm-grid-body" role="rowgroup">
        <div className="vm-grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
          {virtualizer.getVirtualItems().map((item) => {
            const vm = rows[item.index];
            if (!vm) return null;
            const isSelected = item.index === selectedIndex;
            return (
              <div
                key={item.key} // by position: a new search reuses the rows in view instead of replacing them
                id={rowId(item.index)}
                role="row"
                aria-rowindex={item.index + 2}
                aria-selected={isSelected}
                className={isSelected ? 'vm-row vm-row-selected' : 'vm-row'}
                style={{ transform: `translateY(${item.start}px)` }}
                onClick={() => onSelect(vm)}
                data-testid="vm-row"
                data-vm={vm.name}
                data-moref={vm.moref}
              >
                {columns.map((c) => (
                  <div key={c.key} role="gridcell" className={`vm-cell ${c.className}${c.key === 'powerState' ? ` vm-power-${vm.powerState ?? 'unknown'}` : ''}`}>
                    {c.cell(vm)}
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
