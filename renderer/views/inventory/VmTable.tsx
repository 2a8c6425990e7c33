import { useMemo } from 'react';
import type { VmSummary } from '../../../core/contract';
import { ColumnChooser } from '../../ui/ColumnChooser';
import { loadColumnPrefs } from '../../ui/column-prefs';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { useColumnPrefs } from '../../ui/use-column-prefs';
import { powerLabel, toolsLabel, vmKey, type SortKey, type SortOrder } from './vm-rows';

export const ROW_HEIGHT = 30;

type VmColumn = DataColumn<VmSummary> & { id: SortKey };

// Every column sorts (the panel sorts the rows, see vm-rows' visibleRows), so each is `sortable`.
const columns: readonly VmColumn[] = [
  { id: 'name', label: 'Name', sortable: true, rowHeader: true, width: 120, grow: 2, cell: (vm) => vm.name },
  { id: 'powerState', label: 'Power', sortable: true, width: 64, cell: powerLabel, cellClassName: (vm) => `vm-power-${vm.powerState ?? 'unknown'}` },
  { id: 'guestFullName', label: 'Guest OS', sortable: true, width: 100, grow: 1.5, cell: (vm) => vm.guestFullName ?? vm.guestId ?? '—' },
  { id: 'ipAddress', label: 'IP', sortable: true, className: 'mono', width: 110, cell: (vm) => vm.ipAddress ?? '—' },
  { id: 'host', label: 'Host', sortable: true, width: 80, grow: 1, cell: (vm) => vm.host ?? '—' },
  { id: 'numCpu', label: 'CPUs', sortable: true, className: 'numeric', headerClassName: 'numeric', width: 56, cell: (vm) => (vm.numCpu === null ? '—' : String(vm.numCpu)) },
  {
    id: 'memoryMB',
    label: 'Memory',
    sortable: true,
    className: 'numeric',
    headerClassName: 'numeric',
    width: 80,
    cell: (vm) => (vm.memoryMB === null ? '—' : vm.memoryMB >= 1024 ? `${+(vm.memoryMB / 1024).toFixed(1)} GB` : `${vm.memoryMB} MB`),
  },
  { id: 'toolsRunningStatus', label: 'Tools', sortable: true, width: 90, cell: toolsLabel },
];
const sortKey = (id: string): SortKey | undefined => columns.find((c) => c.id === id)?.id;

const PREFS_KEY = 'outpost.vms.columns';
const defaultPrefs = { order: columns.map((c) => c.id), widths: {} };
const known = new Set<string>(defaultPrefs.order);
const rowAttributes = (vm: VmSummary) => ({ 'data-testid': 'vm-row', 'data-vm': vm.name, 'data-moref': vm.moref });

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
 * The VM grid: the DataTable's virtualized mode (only the rows in view are in the DOM, so 50,000
 * rows scroll and re-sort like 50). One Tab stop; Up/Down, Page Up/Down, Home/End move the
 * selection (which opens the detail pane), the header buttons sort, the chooser picks the columns.
 */
export function VmTable({ rows, order, onSort, selected, onSelect, renderedQuery }: VmTableProps) {
  const [prefs, setPrefs] = useColumnPrefs(PREFS_KEY, () => loadColumnPrefs(PREFS_KEY, known, defaultPrefs));
  // The table renders on every keystroke of a search; the chooser only when the columns change.
  // eslint-disable-next-line react-hooks/exhaustive-deps -- setPrefs saves under the one constant key
  const chooser = useMemo(() => <ColumnChooser columns={columns} prefs={prefs} onChange={setPrefs} />, [prefs]);
  return (
    <div className="vm-table">
      <div className="vm-table-tools">{chooser}</div>
      <DataTable
        virtual={{ rowHeight: ROW_HEIGHT }}
        className="vm-grid-table"
        label="Virtual machines"
        testId="vm-grid"
        idPrefix="vm"
        columns={columns}
        rows={rows}
        rowKey={vmKey}
        rowProps={rowAttributes}
        sort={{ id: order.key, direction: order.direction }}
        onSort={(id) => {
          const key = sortKey(id);
          if (key) onSort(key);
        }}
        selectedKey={selected}
        onSelect={onSelect}
        prefs={prefs}
        onPrefs={setPrefs}
        resizable
        attributes={{ 'data-rendered-query': renderedQuery, 'data-row-count': rows.length }}
      />
    </div>
  );
}
