import { useId, useMemo, useState, type ReactNode } from 'react';
import { VMS_LIST_MAX, type VmSummary } from '../../core/contract';
import { useVmSearch, type VmSearch } from '../data/use-vm-search';
import { DataTable, type DataColumn } from '../ui/DataTable';
import { FilterSelect } from '../ui/FilterSelect';
import { powerLabel, powerOptions, toolsLabel, toolsOptions } from '../ui/vm-labels';
import './vm-picker.css';

/** The grid's row height (px): the virtualizer places rows by it; the CSS row is the same height. */
const ROW_HEIGHT = 30;
/** A picker shows every VM of its site and filters (the grid is virtualized). */
const PICKER_LIMIT = VMS_LIST_MAX;
const SHOW_PICKED = 24;
const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** What the caller picks VMs into: one site at a time, any number of its VMs. */
export interface VmSelection {
  site: string;
  setSite(site: string): void;
  isPicked(vm: VmSummary): boolean;
  /** Everything picked (possibly hidden by the search), shown as chips with a drop button; omit when the caller lists them itself. */
  picked?: readonly { key: string; name: string; drop(): void }[];
  pickedCount: number;
  toggle(vm: VmSummary): void;
  pick(vms: readonly VmSummary[]): void;
  clear(): void;
}

/** The last column: what the caller knows about each VM (enrollment: its eligibility), and an optional filter on it. */
export interface VmPickerDetail {
  header: string;
  cell(vm: VmSummary): ReactNode;
  hide?: { label: string; keep(vm: VmSummary): boolean };
}

/** The picker's columns: the tick (a checkbox that mirrors the row's pick), name, power, OS, IP, Tools and the caller's detail. */
function pickerColumns(selection: Pick<VmSelection, 'isPicked'>, detail: VmPickerDetail): DataColumn<VmSummary>[] {
  return [
    {
      id: 'picked',
      label: 'Picked',
      hideLabel: true,
      width: 36,
      className: 'vm-picker-check-cell',
      // The row takes the click and the keys (Space ticks): the box only shows the state.
      cell: (vm) => <input type="checkbox" tabIndex={-1} checked={selection.isPicked(vm)} onChange={() => undefined} aria-label={`Pick ${vm.name}`} />,
    },
    { id: 'name', label: 'Name', rowHeader: true, width: 120, grow: 2, cell: (vm) => vm.name },
    { id: 'power', label: 'Power', width: 64, cellClassName: (vm) => `vm-power-${vm.powerState ?? 'unknown'}`, cell: powerLabel },
    { id: 'guestOs', label: 'Guest OS', width: 100, grow: 1.5, cell: (vm) => vm.guestFullName ?? vm.guestId ?? '—' },
    { id: 'ip', label: 'IP', width: 110, className: 'mono', cell: (vm) => vm.ipAddress ?? '—' },
    { id: 'tools', label: 'Tools', width: 90, cell: toolsLabel },
    { id: 'detail', label: detail.header, width: 140, grow: 1.6, className: 'vm-picker-detail', cellTestId: 'vm-picker-detail', cell: detail.cell },
  ];
}

const hostNameDetail: VmPickerDetail = { header: 'Guest host name', cell: (vm) => <span className="mono">{vm.hostName ?? '—'}</span> };

interface VmPickerProps {
  /** The vCenter sites' names. */
  sites: readonly string[];
  selection: VmSelection;
  /** What the VMs are picked for ("enroll", "run the command on"): said in the labels. */
  purpose: string;
  detail?: VmPickerDetail;
  /** The site is required and missing (the form said so). */
  invalid?: boolean;
  /** A fixed, shorter grid (a side panel). */
  compact?: boolean;
}

/**
 * The one VM picker: the inventory's VMs of one vCenter, searched by the host as the operator types
 * (renderer/data/use-vm-search, kept current by inventory.changed), filtered by power and Tools; tick
 * any number. One Tab stop for the grid: Up/Down/PageUp/PageDown/Home/End move, Space or Enter ticks.
 */
export function VmPicker({ sites, selection, purpose, detail = hostNameDetail, invalid = false, compact = false }: VmPickerProps) {
  const id = useId();
  const { site } = selection;
  const [query, setQuery] = useState('');
  const [powerState, setPowerState] = useState<NonNullable<VmSearch['powerState']>>('');
  const [toolsStatus, setToolsStatus] = useState<NonNullable<VmSearch['toolsStatus']>>('');
  const [hiding, setHiding] = useState(false);
  // Typing waits for a pause; a new site, a filter or a cleared search asks at once.
  const found = useVmSearch({ site, enabled: site !== '', query, powerState, toolsStatus, limit: PICKER_LIMIT, live: true, debounceMs: query.trim() ? 150 : 0 });
  const hide = detail.hide;
  // Rows of another site can show while the answer for the new one is on its way.
  const rows = useMemo(() => {
    const ofSite = found.rows.filter((vm) => vm.site === site).sort((a, b) => collator.compare(a.name, b.name));
    return hiding && hide ? ofSite.filter(hide.keep) : ofSite;
  }, [found.rows, site, hiding, hide]);
  const loading = site !== '' && found.answered === null;

  const allShownPicked = rows.length > 0 && rows.every(selection.isPicked);
  const columns = useMemo(() => pickerColumns(selection, detail), [selection, detail]);

  const count = selection.pickedCount;
  return (
    <div className={`vm-picker${compact ? ' vm-picker-compact' : ''}`}>
      <div className="toolbar vm-filters" role="search" aria-label={`Filter VMs to ${purpose}`}>
        <label className="inline-field">
          <span>vCenter</span>
          <select value={site} onChange={(e) => selection.setSite(e.target.value)} aria-label="vCenter" aria-invalid={invalid && !site ? true : undefined}>
            {!site && <option value="">Pick a vCenter</option>}
            {sites.map((name) => (
              <option key={name} value={name}>
                {name}
              </option>
            ))}
          </select>
        </label>
        <div className="search-field">
          <label htmlFor={`${id}-search`} className="visually-hidden">
            Search VMs to {purpose}
          </label>
          <input id={`${id}-search`} type="search" value={query} placeholder="Search name, IP, host name, guest OS" onChange={(e) => setQuery(e.target.value)} spellCheck={false} autoComplete="off" />
        </div>
        <FilterSelect label="Power" ariaLabel="Power state" value={powerState} options={powerOptions} onChange={(p) => setPowerState(p as typeof powerState)} />
        <FilterSelect label="Tools" ariaLabel="Tools status" value={toolsStatus} options={toolsOptions} onChange={(t) => setToolsStatus(t as typeof toolsStatus)} />
        {hide && (
          <label className="checkbox-field">
            <input type="checkbox" checked={hiding} onChange={(e) => setHiding(e.target.checked)} />
            <span>{hide.label}</span>
          </label>
        )}
      </div>
      <div className="toolbar vm-picker-selection-bar">
        <span role="status" data-testid="vm-picker-selected-count">
          {count === 0 ? 'No VMs picked' : `${count} VM${count === 1 ? '' : 's'} picked`}
        </span>
        <span className="muted small" data-testid="vm-picker-shown-count">
          {loading ? 'Loading VMs…' : `${rows.length.toLocaleString('en-US')} shown${found.capped ? ' (the first VMs of the site: filter by power or Tools)' : ''}`}
        </span>
        <button type="button" className="button button-small" disabled={rows.length === 0 || allShownPicked} onClick={() => selection.pick(rows)}>
          Pick all shown
        </button>
        <button type="button" className="button button-small" disabled={count === 0} onClick={selection.clear}>
          Clear picks
        </button>
      </div>
      <DataTable
        virtual={{ rowHeight: ROW_HEIGHT }}
        columns={columns}
        rows={rows}
        rowKey={(vm) => vm.moref}
        label={`VMs to ${purpose}`}
        className="vm-picker-grid"
        testId="vm-picker-grid"
        idPrefix={id.replace(/:/g, '')}
        attributes={{ 'data-row-count': rows.length, 'data-rendered-query': found.answered ?? '' }}
        picks={{ isPicked: selection.isPicked, toggle: selection.toggle }}
        rowProps={(vm) => ({ 'data-testid': 'vm-picker-row', 'data-vm': vm.name, 'data-moref': vm.moref })}
      />
      {selection.picked && selection.picked.length > 0 && <PickedList picked={selection.picked} />}
    </div>
  );
}

/** What is picked, including VMs the current search hides; each can be dropped here. */
function PickedList({ picked }: { picked: NonNullable<VmSelection['picked']> }) {
  const shown = picked.slice(0, SHOW_PICKED);
  return (
    <div className="vm-picker-picked" aria-label="Picked VMs" role="group">
      {shown.map((vm) => (
        <span key={vm.key} className="vm-picker-chip">
          {vm.name}
          <button type="button" className="vm-picker-chip-remove" aria-label={`Drop ${vm.name}`} onClick={vm.drop}>
            ×
          </button>
        </span>
      ))}
      {picked.length > SHOW_PICKED && <span className="muted small">and {picked.length - SHOW_PICKED} more</span>}
    </div>
  );
}
