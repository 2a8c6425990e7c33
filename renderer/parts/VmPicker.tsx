import { useVirtualizer } from '@tanstack/react-virtual';
import { useId, useMemo, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { VMS_LIST_MAX, type VmSummary } from '../../core/contract';
import { useVmSearch, type VmSearch } from '../data/use-vm-search';
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
  const [active, setActive] = useState(-1);
  // Typing waits for a pause; a new site, a filter or a cleared search asks at once.
  const found = useVmSearch({ site, enabled: site !== '', query, powerState, toolsStatus, limit: PICKER_LIMIT, live: true, debounceMs: query.trim() ? 150 : 0 });
  const hide = detail.hide;
  // Rows of another site can show while the answer for the new one is on its way.
  const rows = useMemo(() => {
    const ofSite = found.rows.filter((vm) => vm.site === site).sort((a, b) => collator.compare(a.name, b.name));
    return hiding && hide ? ofSite.filter(hide.keep) : ofSite;
  }, [found.rows, site, hiding, hide]);
  const loading = site !== '' && found.answered === null;

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const allShownPicked = rows.length > 0 && rows.every(selection.isPicked);
  const rowId = (index: number): string => `${id}-row-${index}`;

  const moveTo = (index: number): void => {
    if (rows.length === 0) return;
    const next = Math.max(0, Math.min(rows.length - 1, index));
    setActive(next);
    virtualizer.scrollToIndex(next, { align: 'auto' });
  };
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const page = Math.max(1, Math.floor((scrollRef.current?.clientHeight ?? ROW_HEIGHT * 10) / ROW_HEIGHT) - 1);
    const targets: Record<string, number> = { ArrowDown: active + 1, ArrowUp: Math.max(0, active - 1), PageDown: active + page, PageUp: active - page, Home: 0, End: rows.length - 1 };
    if (event.key === ' ' || event.key === 'Enter') {
      const vm = rows[active];
      if (!vm || event.target !== event.currentTarget) return;
      event.preventDefault();
      selection.toggle(vm);
      return;
    }
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    moveTo(target);
  };

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
      <div
        className="vm-grid vm-picker-grid"
        role="grid"
        aria-label={`VMs to ${purpose}`}
        aria-multiselectable="true"
        aria-rowcount={rows.length + 1}
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-activedescendant={active >= 0 && active < rows.length ? rowId(active) : undefined}
        data-testid="vm-picker-grid"
        data-row-count={rows.length}
        data-rendered-query={found.answered ?? ''}
      >
        <div className="vm-grid-header" role="row" aria-rowindex={1}>
          {['Picked', 'Name', 'Power', 'Guest OS', 'IP', 'Tools', detail.header].map((h, i) => (
            <div key={h} role="columnheader" className="vm-cell">
              {i === 0 ? <span className="visually-hidden">{h}</span> : h}
            </div>
          ))}
        </div>
        <div ref={scrollRef} className="vm-grid-body vm-picker-body" role="rowgroup">
          <div className="vm-grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const vm = rows[item.index];
              if (!vm) return null;
              const isPicked = selection.isPicked(vm);
              return (
                <div
                  key={vm.moref}
                  id={rowId(item.index)}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={isPicked}
                  className={`vm-row${isPicked ? ' vm-row-selected' : ''}${item.index === active ? ' vm-picker-row-active' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => {
                    setActive(item.index);
                    selection.toggle(vm);
                  }}
                  data-testid="vm-picker-row"
                  data-vm={vm.name}
                  data-moref={vm.moref}
                >
                  <div role="gridcell" className="vm-cell vm-picker-check-cell">
                    <input type="checkbox" tabIndex={-1} checked={isPicked} onChange={() => undefined} aria-label={`Pick ${vm.name}`} />
                  </div>
                  <div role="gridcell" className="vm-cell">
                    {vm.name}
                  </div>
                  <div role="gridcell" className={`vm-cell vm-power-${vm.powerState ?? 'unknown'}`}>
                    {powerLabel(vm)}
                  </div>
                  <div role="gridcell" className="vm-cell">
                    {vm.guestFullName ?? vm.guestId ?? '—'}
                  </div>
                  <div role="gridcell" className="vm-cell mono">
                    {vm.ipAddress ?? '—'}
                  </div>
                  <div role="gridcell" className="vm-cell">
                    {toolsLabel(vm)}
                  </div>
                  <div role="gridcell" className="vm-cell vm-picker-detail" data-testid="vm-picker-detail">
                    {detail.cell(vm)}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
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
