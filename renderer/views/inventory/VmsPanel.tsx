import { useEffect, useMemo, useRef, useState } from 'react';
import { useHashParams } from '../../navigation/use-hash-params';
import { vmViewFromParams, writeVmView, type VmViewState } from './vm-view-params';
import type { SiteSummary, VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { ALL_ROWS_LIMIT, sameFilters, useVmRows, vmListInput, type VmQuery } from './use-vm-rows';
import { useVmTableFilter } from './vm-search-filter';
import { VmDetail } from './VmDetail';
import { VmTable } from './VmTable';
import { powerOptions, toolsOptions, visibleRows, vmKey, vmsCsv, type SortKey, type SortOrder } from './vm-rows';
import { FilterSelect } from '../../ui/FilterSelect';
import { downloadText } from '../../ui/download-text';

const n = (x: number): string => x.toLocaleString('en-US');

/**
 * "50,000 VMs", "12 of 50,000 VMs match" while searching, "Loading VMs: 10,000 of 50,000…" while
 * pages arrive (a search then says what it found so far: "12+ of 50,000 VMs match"), or "… of
 * more than 1,000,000 VMs: filter by site…" when the estate is bigger than the table holds.
 */
function countLine(shown: number, held: number, searching: boolean, complete: boolean, data: { capped: boolean; total: number | null; complete: boolean }): string {
  const { capped, total } = data;
  const all = total === null ? `more than ${n(held)}` : n(total);
  const found = complete && data.complete ? n(shown) : `${n(shown)}+`;
  if (!data.complete) return searching ? `${found} of ${all} VMs match · loading ${n(held)} of ${all}…` : `Loading VMs: ${n(held)} of ${all}…`;
  const line = searching ? `${found} of ${all} VMs match` : capped ? `${n(shown)} of ${all} VMs` : `${n(shown)} VM${shown === 1 ? '' : 's'}`;
  return capped ? `${line}: filter by site, power or Tools to see the rest` : line;
}

/** How long typing must pause before the search goes into the address. */
export const URL_WRITE_DELAY_MS = 300;

const stamp = (): string => new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19);

export function VmsPanel({ sites }: { sites: SiteSummary[] }) {
  const client = useClient();
  const store = useShellStore();
  // Search, filters, sort and selection live in the address: a reload keeps them, Back/Forward step through them.
  const [params, writeParams] = useHashParams();
  const paramsKey = params.toString();
  const view = useMemo(() => vmViewFromParams(new URLSearchParams(paramsKey)), [paramsKey]);
  const { order, selected } = view;
  // The search typed goes into the address once typing pauses (URL_WRITE_DELAY_MS), not per key:
  // each address change is a same-document navigation that costs the browser more than the search
  // itself (it even reloads the favicon). Until then the typed text is `typed`; any other change
  // (a filter, the sort, a selection) writes it first, into the entry it then steps from.
  const [typed, setTyped] = useState<string | null>(null);
  const typedRef = useRef<string | null>(null);
  const typedTimer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const update = (patch: (v: VmViewState) => Partial<VmViewState>, mode: 'push' | 'replace'): void => {
    const draft = typedRef.current;
    if (typedTimer.current) clearTimeout(typedTimer.current);
    typedTimer.current = null;
    typedRef.current = null;
    // The search typed replaces the current entry, as it did key by key; then the change itself.
    if (draft !== null) {
      writeParams((p) => {
        const current = vmViewFromParams(p);
        writeVmView(p, { ...current, q: { ...current.q, query: draft } });
      }, 'replace');
    }
    writeParams((p) => {
      const current = vmViewFromParams(p);
      writeVmView(p, { ...current, ...patch(current) });
    }, mode);
    if (draft !== null) setTyped(null);
  };
  const updateRef = useRef(update);
  updateRef.current = update;
  const typeQuery = (query: string): void => {
    typedRef.current = query;
    setTyped(query);
    if (typedTimer.current) clearTimeout(typedTimer.current);
    // Typing replaces the entry (one per search, not per key).
    typedTimer.current = setTimeout(() => updateRef.current(() => ({}), 'replace'), URL_WRITE_DELAY_MS);
  };
  useEffect(
    () => () => {
      // Leaving the view within the delay: the address is another view's by now, so nothing is written there.
      if (typedTimer.current) clearTimeout(typedTimer.current);
    },
    [],
  );
  // The address changed under a pending draft (Back/Forward, a link): the address wins.
  const addressQuery = view.q.query;
  useEffect(() => {
    if (typedRef.current === null) return;
    if (typedTimer.current) clearTimeout(typedTimer.current);
    typedTimer.current = null;
    typedRef.current = null;
    setTyped(null);
  }, [addressQuery, paramsKey]);
  const q: VmQuery = typed === null ? view.q : { ...view.q, query: typed };
  // Filters, sort and selection add an entry.
  const setQ = (next: (v: VmQuery) => VmQuery, mode: 'push' | 'replace' = 'push'): void => update((v) => ({ q: next(v.q) }), mode);
  const setOrder = (next: (o: SortOrder) => SortOrder): void => update((v) => ({ order: next(v.order) }), 'push');
  const setSelected = (key: string | null): void => update(() => ({ selected: key }), 'push');
  const [exporting, setExporting] = useState(false);
  const data = useVmRows(q);

  const sorted = useMemo(() => (data.rows ? visibleRows(data.rows, order) : []), [data.rows, order]);
  const search = useVmTableFilter(sorted, q.query);
  const rows = search.rows;
  const selectedVm = selected === null ? null : (data.rows?.find((vm) => vmKey(vm) === selected) ?? null);

  const sortBy = (key: SortKey): void =>
    setOrder((o) => (o.key === key ? { key, direction: o.direction === 'ascending' ? 'descending' : 'ascending' } : { key, direction: 'ascending' }));

  const exportCsv = (): void => {
    const write = (vms: readonly VmSummary[]): void => {
      downloadText(vmsCsv(vms), `outpost-vms-${q.site || 'all-sites'}-${stamp()}.csv`, 'text/csv;charset=utf-8');
      store.getState().pushToast({ tone: 'info', title: 'CSV exported', message: `${vms.length.toLocaleString('en-US')} VMs.` });
    };
    // Every VM of these filters has arrived: the export is what the table shows, in its order and
    // narrowed by its search, with no second read of every row.
    if (data.complete && !data.capped && data.shownFor && sameFilters(data.shownFor, q)) {
      write(rows);
      return;
    }
    // Still loading: ask the store for every match of the same filters and search (its search has
    // the table's semantics), in the table's order.
    setExporting(true);
    client.invoke('vms.list', vmListInput(q, ALL_ROWS_LIMIT)).then(
      (all) => {
        setExporting(false);
        write(visibleRows(all, order));
      },
      (err: unknown) => {
        setExporting(false);
        store.getState().pushToast(errorToast('CSV export failed', err));
      },
    );
  };

  return (
    <div className="vms-panel">
      <div className="toolbar vm-filters" role="search" aria-label="Filter VMs">
        <div className="search-field">
          <label htmlFor="vm-search" className="visually-hidden">
            Search VMs
          </label>
          <input
            id="vm-search"
            type="search"
            value={q.query}
            placeholder="Search name, IP, host name, guest OS"
            onChange={(event) => typeQuery(event.target.value)}
            spellCheck={false}
            autoComplete="off"
            aria-describedby="vm-count"
          />
        </div>
        <FilterSelect label="Site" ariaLabel="Site" anyLabel="All sites" value={q.site} options={sites.map((s) => [s.name, s.name] as const)} onChange={(site) => setQ((v) => ({ ...v, site }))} />
        <FilterSelect label="Power" ariaLabel="Power state" value={q.powerState} options={powerOptions} onChange={(p) => setQ((v) => ({ ...v, powerState: p as VmQuery['powerState'] }))} />
        <FilterSelect label="Tools" ariaLabel="Tools status" value={q.toolsStatus} options={toolsOptions} onChange={(toolsStatus) => setQ((v) => ({ ...v, toolsStatus }))} />
        <FilterSelect
          label="Enrolled"
          ariaLabel="Enrolled"
          value={q.enrolled}
          options={[
            ['yes', 'Enrolled'],
            ['no', 'Not enrolled'],
          ]}
          onChange={(enrolled) => setQ((v) => ({ ...v, enrolled }))}
        />
        <button type="button" className="button" onClick={exportCsv} disabled={exporting || !data.rows}>
          {exporting ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <p className="small muted vm-count" id="vm-count" role="status" data-testid="vm-count">
        {data.rows === null ? 'Loading VMs…' : countLine(rows.length, sorted.length, q.query.trim() !== '', search.complete, data)}
        {data.loading && data.rows !== null && data.complete ? ' · updating…' : ''}
      </p>
      <div className={selectedVm ? 'vm-layout vm-layout-with-detail' : 'vm-layout'}>
        <VmTable rows={rows} order={order} onSort={sortBy} selected={selected} onSelect={(vm) => setSelected(vmKey(vm))} renderedQuery={data.rows === null ? '' : q.query} />
        {selectedVm && <VmDetail vm={selectedVm} onClose={() => setSelected(null)} onPowered={data.reload} />}
      </div>
    </div>
  );
}
