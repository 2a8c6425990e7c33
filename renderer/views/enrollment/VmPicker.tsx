import { useVirtualizer } from '@tanstack/react-virtual';
import { useMemo, useRef, useState, type Dispatch, type KeyboardEvent } from 'react';
import type { SiteSummary, VmSummary } from '../../../core/contract';
import type { OsRule } from '../../../core/contract/enrollment';
import { ROW_HEIGHT } from '../inventory/VmTable';
import { useVmRows, type VmQuery } from '../inventory/use-vm-rows';
import { useVmSearch } from '../inventory/vm-search-filter';
import { powerLabel, powerOptions, toolsLabel, toolsOptions, visibleRows } from '../inventory/vm-rows';
import { FilterSelect } from '../../ui/FilterSelect';
import { eligibilityHints, pickedVms, type EnrollDraft, type WizardAction } from './wizard-state';

const rowId = (index: number): string => `enroll-vm-row-${index}`;
const NAME_ORDER = { key: 'name', direction: 'ascending' } as const;

interface VmPickerProps {
  sites: SiteSummary[];
  draft: EnrollDraft;
  dispatch: Dispatch<WizardAction>;
  /** Morefs the CMDB holds as enrolled in the draft's site. */
  enrolled: ReadonlySet<string>;
  /** The OS rules, once read: VMs whose OS no rule covers are marked. */
  rules: readonly OsRule[] | null;
  error: string | undefined;
  /**
   * What the VMs are picked for ("enroll" by default). Other uses (hosts entries, a playbook) say so
   * in the labels and show the guest host name where enrollment shows its eligibility hints.
   */
  purpose?: string;
}

/**
 * Step 1: the inventory's VMs of one vCenter with its search and filters; tick any number.
 * Each row says what the inventory already knows against it (powered off, Tools not running,
 * already enrolled). One Tab stop for the grid: Up/Down move, Space ticks.
 */
export function VmPicker({ sites, draft, dispatch, enrolled, rules, error, purpose = 'enroll' }: VmPickerProps) {
  const enrolling = purpose === 'enroll';
  const [q, setQ] = useState<Omit<VmQuery, 'site'>>({ powerState: '', toolsStatus: '', enrolled: '', query: '' });
  const [likelyOnly, setLikelyOnly] = useState(false);
  const [active, setActive] = useState(-1);
  const data = useVmRows({ ...q, site: draft.site });
  // Rows of another site can show while the answer for the new one is on its way.
  const sorted = useMemo(() => visibleRows((data.rows ?? []).filter((vm) => vm.site === draft.site), NAME_ORDER), [data.rows, draft.site]);
  const found = useVmSearch(sorted, q.query).rows;
  const rows = useMemo(() => (likelyOnly ? found.filter((vm) => eligibilityHints(vm, enrolled, rules).every((h) => !h.blocking)) : found), [found, likelyOnly, enrolled, rules]);

  const scrollRef = useRef<HTMLDivElement>(null);
  const virtualizer = useVirtualizer({ count: rows.length, getScrollElement: () => scrollRef.current, estimateSize: () => ROW_HEIGHT, overscan: 12 });
  const picked = pickedVms(draft);
  const allShownPicked = rows.length > 0 && rows.every((vm) => draft.selected.has(vm.moref));

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
      dispatch({ type: 'toggle', vm });
      return;
    }
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    moveTo(target);
  };

  return (
    <div className="enroll-picker">
      <div className="toolbar vm-filters" role="search" aria-label={`Filter VMs to ${purpose}`}>
        <label className="inline-field">
          <span>vCenter</span>
          <select value={draft.site} onChange={(e) => dispatch({ type: 'site', site: e.target.value })} aria-label="vCenter" aria-invalid={error && !draft.site ? true : undefined}>
            {!draft.site && <option value="">Pick a vCenter</option>}
            {sites.map((s) => (
              <option key={s.id} value={s.name}>
                {s.name}
              </option>
            ))}
          </select>
        </label>
        <div className="search-field">
          <label htmlFor="enroll-vm-search" className="visually-hidden">
            Search VMs to {purpose}
          </label>
          <input
            id="enroll-vm-search"
            type="search"
            value={q.query}
            placeholder="Search name, IP, host name, guest OS"
            onChange={(e) => setQ((v) => ({ ...v, query: e.target.value }))}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <FilterSelect label="Power" ariaLabel="Power state" value={q.powerState} options={powerOptions} onChange={(p) => setQ((v) => ({ ...v, powerState: p as VmQuery['powerState'] }))} />
        <FilterSelect label="Tools" ariaLabel="Tools status" value={q.toolsStatus} options={toolsOptions} onChange={(toolsStatus) => setQ((v) => ({ ...v, toolsStatus }))} />
        {enrolling && (
          <label className="checkbox-field">
            <input type="checkbox" checked={likelyOnly} onChange={(e) => setLikelyOnly(e.target.checked)} />
            <span>Hide VMs that cannot enroll</span>
          </label>
        )}
      </div>
      <div className="toolbar enroll-selection-bar">
        <span role="status" data-testid="enroll-selected-count">
          {picked.length === 0 ? 'No VMs picked' : `${picked.length} VM${picked.length === 1 ? '' : 's'} picked`}
        </span>
        <span className="muted small" data-testid="enroll-shown-count">
          {data.rows === null ? 'Loading VMs…' : `${rows.length.toLocaleString('en-US')} shown${data.capped ? ' (the first VMs of the site: filter by power or Tools)' : ''}`}
        </span>
        <button type="button" className="button button-small" disabled={rows.length === 0 || allShownPicked} onClick={() => dispatch({ type: 'select', vms: rows, on: true })}>
          Pick all shown
        </button>
        <button type="button" className="button button-small" disabled={picked.length === 0} onClick={() => dispatch({ type: 'clear' })}>
          Clear picks
        </button>
      </div>
      <div
        className="vm-grid enroll-grid"
        role="grid"
        aria-label={`VMs to ${purpose}`}
        aria-multiselectable="true"
        aria-rowcount={rows.length + 1}
        tabIndex={0}
        onKeyDown={onKeyDown}
        aria-activedescendant={active >= 0 && active < rows.length ? rowId(active) : undefined}
        data-testid="enroll-vm-grid"
        data-row-count={rows.length}
        data-rendered-query={data.rows === null ? '' : q.query}
      >
        <div className="vm-grid-header" role="row" aria-rowindex={1}>
          <div role="columnheader" className="vm-cell">
            <span className="visually-hidden">Picked</span>
          </div>
          <div role="columnheader" className="vm-cell">
            Name
          </div>
          <div role="columnheader" className="vm-cell">
            Power
          </div>
          <div role="columnheader" className="vm-cell">
            Guest OS
          </div>
          <div role="columnheader" className="vm-cell">
            IP
          </div>
          <div role="columnheader" className="vm-cell">
            Tools
          </div>
          <div role="columnheader" className="vm-cell">
            {enrolling ? 'Eligibility' : 'Guest host name'}
          </div>
        </div>
        <div ref={scrollRef} className="vm-grid-body enroll-grid-body" role="rowgroup">
          <div className="vm-grid-spacer" style={{ height: virtualizer.getTotalSize() }}>
            {virtualizer.getVirtualItems().map((item) => {
              const vm = rows[item.index];
              if (!vm) return null;
              const isPicked = draft.selected.has(vm.moref);
              const hints = eligibilityHints(vm, enrolled, rules);
              return (
                <div
                  key={vm.moref}
                  id={rowId(item.index)}
                  role="row"
                  aria-rowindex={item.index + 2}
                  aria-selected={isPicked}
                  className={`vm-row${isPicked ? ' vm-row-selected' : ''}${item.index === active ? ' enroll-row-active' : ''}`}
                  style={{ transform: `translateY(${item.start}px)` }}
                  onClick={() => {
                    setActive(item.index);
                    dispatch({ type: 'toggle', vm });
                  }}
                  data-testid="enroll-vm-row"
                  data-vm={vm.name}
                  data-moref={vm.moref}
                >
                  <div role="gridcell" className="vm-cell enroll-check-cell">
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
                  <div role="gridcell" className="vm-cell enroll-hints" data-testid="enroll-hints">
                    {!enrolling ? (
                      <span className="mono">{vm.hostName ?? '—'}</span>
                    ) : hints.length === 0 ? (
                      <span className="enroll-hint enroll-hint-ok">Looks eligible</span>
                    ) : (
                      hints.map((h) => (
                        <span key={h.id} className={`enroll-hint${h.blocking ? ' enroll-hint-block' : ''}`} data-hint={h.id}>
                          {h.label}
                        </span>
                      ))
                    )}
                  </div>
                </div>
              );
            })}
          </div>
        </div>
      </div>
      {picked.length > 0 && <PickedList picked={picked} dispatch={dispatch} />}
    </div>
  );
}

const SHOW_PICKED = 24;

/** What is picked, including VMs the current search hides; each can be dropped here. */
function PickedList({ picked, dispatch }: { picked: VmSummary[]; dispatch: Dispatch<WizardAction> }) {
  const shown = picked.slice(0, SHOW_PICKED);
  return (
    <div className="enroll-picked" aria-label="Picked VMs" role="group">
      {shown.map((vm) => (
        <span key={vm.moref} className="enroll-chip">
          {vm.name}
          <button type="button" className="enroll-chip-remove" aria-label={`Drop ${vm.name}`} onClick={() => dispatch({ type: 'toggle', vm })}>
            ×
          </button>
        </span>
      ))}
      {picked.length > SHOW_PICKED && <span className="muted small">and {picked.length - SHOW_PICKED} more</span>}
    </div>
  );
}
