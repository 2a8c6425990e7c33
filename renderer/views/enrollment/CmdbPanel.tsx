import { useEffect, useState } from 'react';
import type { FirewallView, SiteSummary } from '../../../core/contract';
import type { BatchStarted, CmdbRecord } from '../../../core/contract/enrollment';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { EmptyState } from '../../ui/EmptyState';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { Time } from '../../ui/Time';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { useContractQuery } from '../../data/use-contract-query';
import { useDebouncedValue } from '../../data/use-debounced-value';
import { BatchProgress } from './BatchProgress';
import { cmdbInput, initialCmdbFilter, joinBatches, offboardEffects, offboardGroups, type CmdbFilter } from './cmdb-filter';
import { downloadText } from '../../ui/download-text';
import { FilterSelect } from '../../ui/FilterSelect';

const EXPORT_LIMIT = 10_000;

interface CmdbPanelProps {
  sites: SiteSummary[];
  firewalls: FirewallView[] | null;
  offboardBatch: BatchStarted | null;
  onOffboarded(batch: BatchStarted): void;
}

/**
 * The CMDB: what Outpost enrolled, with where it lives (private/public IP, NAT, firewall) and who
 * did it when. Filter and search; export exactly the filtered rows; live on cmdb.changed. Pick
 * active rows to offboard them: a confirmation says what will be undone, then live progress.
 */
export function CmdbPanel({ sites, firewalls, offboardBatch, onOffboarded }: CmdbPanelProps) {
  const client = useClient();
  const store = useShellStore();
  const [filter, setFilter] = useState<CmdbFilter>(initialCmdbFilter);
  const settledQuery = useDebouncedValue(filter.query, 200);
  const input = cmdbInput({ ...filter, query: settledQuery });
  const records = useContractQuery('Could not read the CMDB', (c) => c.invoke('cmdb.list', input), JSON.stringify(input));
  const { reload } = records;
  useEffect(() => client.on('cmdb.changed', () => reload()), [client, reload]);

  const [picked, setPicked] = useState<ReadonlySet<number>>(new Set());
  const [removeAccount, setRemoveAccount] = useState(true);
  const [busy, setBusy] = useState<'export' | 'offboard' | null>(null);
  const { confirm, dialog } = useConfirmDestructive();

  const rows = records.data ?? [];
  const active = rows.filter((r) => r.status === 'active');
  const pickedRows = active.filter((r) => picked.has(r.id));
  const toggle = (id: number): void =>
    setPicked((p) => {
      const next = new Set(p);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  const exportCsv = (): void => {
    setBusy('export');
    client.invoke('cmdb.exportCsv', cmdbInput({ ...filter, query: settledQuery }, EXPORT_LIMIT)).then(
      (file) => {
        setBusy(null);
        downloadText(file.csv, file.filename, 'text/csv;charset=utf-8');
        store.getState().pushToast({ tone: 'info', title: 'CSV exported', message: `${file.rows.toLocaleString('en-US')} CMDB records.` });
      },
      (err: unknown) => {
        setBusy(null);
        store.getState().pushToast(errorToast('CSV export failed', err));
      },
    );
  };

  const offboard = (): void => {
    const chosen = pickedRows;
    if (chosen.length === 0) return;
    confirm(
      {
        title: `Offboard ${chosen.length} VM${chosen.length === 1 ? '' : 's'}?`,
        confirmLabel: `Offboard ${chosen.length} VM${chosen.length === 1 ? '' : 's'}`,
        body: <OffboardEffects records={chosen} removeAccount={removeAccount} />,
      },
      () => {
        setBusy('offboard');
        // One call per site; a site that refuses does not hide the batches the others started.
        const groups = offboardGroups(chosen);
        void Promise.allSettled(groups.map((g) => client.invoke('enrollment.offboard', { site: g.site, vms: g.vms, removeAccount }))).then((outcomes) => {
          setBusy(null);
          setPicked(new Set());
          const started = outcomes.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
          const joined = joinBatches(started);
          if (joined) {
            onOffboarded(joined);
            const count = joined.items.length;
            store.getState().pushToast({ tone: 'info', title: 'Offboarding started', message: `${count} VM${count === 1 ? '' : 's'}: follow each below or in Procedures.` });
          }
          outcomes.forEach((o, i) => {
            if (o.status === 'rejected') store.getState().pushToast(errorToast(`Offboarding was not started for site ${groups[i]!.site}`, o.reason));
          });
        });
      },
    );
  };

  const filtered = filter.query.trim() !== '' || filter.site !== '' || filter.firewall !== '' || filter.status !== 'active';

  return (
    <div className="cmdb-panel">
      <div className="toolbar vm-filters" role="search" aria-label="Filter the CMDB">
        <div className="search-field">
          <label htmlFor="cmdb-search" className="visually-hidden">
            Search the CMDB
          </label>
          <input
            id="cmdb-search"
            type="search"
            value={filter.query}
            placeholder="Search VM, OS, private or public IP"
            onChange={(e) => setFilter((f) => ({ ...f, query: e.target.value }))}
            spellCheck={false}
            autoComplete="off"
          />
        </div>
        <FilterSelect label="Site" ariaLabel="Site" anyLabel="All sites" value={filter.site} options={sites.map((s) => [s.name, s.name] as const)} onChange={(site) => setFilter((f) => ({ ...f, site }))} />
        <FilterSelect label="Firewall" ariaLabel="Firewall" value={filter.firewall} options={(firewalls ?? []).map((fw) => [fw.name, fw.name] as const)} onChange={(firewall) => setFilter((f) => ({ ...f, firewall }))} />
        <FilterSelect
          label="Status"
          ariaLabel="Record status"
          anyLabel={null}
          value={filter.status}
          options={[
            ['active', 'Enrolled'],
            ['offboarded', 'Offboarded'],
            ['all', 'All'],
          ]}
          onChange={(status) => setFilter((f) => ({ ...f, status: status as CmdbFilter['status'] }))}
        />
        <button type="button" className="button" onClick={exportCsv} disabled={busy !== null || !records.data}>
          {busy === 'export' ? 'Exporting…' : 'Export CSV'}
        </button>
      </div>
      <div className="toolbar">
        <span className="muted small" role="status" data-testid="cmdb-count">
          {records.data === null ? (records.failed ? 'The CMDB could not be read.' : 'Loading the CMDB…') : `${rows.length.toLocaleString('en-US')} record${rows.length === 1 ? '' : 's'}`}
          {records.loading && records.data !== null ? ' · updating…' : ''}
        </span>
        <label className="checkbox-field">
          <input type="checkbox" checked={removeAccount} onChange={(e) => setRemoveAccount(e.target.checked)} />
          <span>Offboarding also deletes the service account in the guest</span>
        </label>
        <button type="button" className="button button-danger" onClick={offboard} disabled={busy !== null || pickedRows.length === 0}>
          {busy === 'offboard' ? 'Starting…' : pickedRows.length ? `Offboard ${pickedRows.length} VM${pickedRows.length === 1 ? '' : 's'}…` : 'Offboard…'}
        </button>
      </div>
      {records.data && rows.length > 0 && <CmdbTable rows={rows} picked={picked} onToggle={toggle} />}
      {records.data && rows.length === 0 && filtered && <p className="muted">No CMDB records match these filters.</p>}
      {records.data && rows.length === 0 && !filtered && (
        <EmptyState
          title="Nothing is enrolled yet"
          purpose="Every VM Outpost enrolls is recorded here: its OS, private and public address, the NAT and firewall, and who enrolled it when. Offboarding keeps the record as history."
          firstStep={
            <p>
              Enroll VMs with the <a href={hashForView('enrollment')}>Enroll tab</a>: pick them from the inventory, choose a credential, firewall and pool, check, run.
            </p>
          }
        />
      )}
      {offboardBatch && (
        <>
          <h2 className="section-heading">Offboarding</h2>
          <BatchProgress batch={offboardBatch} label="Offboarding progress" />
        </>
      )}
      {dialog}
    </div>
  );
}

function OffboardEffects({ records, removeAccount }: { records: CmdbRecord[]; removeAccount: boolean }) {
  return (
    <div className="offboard-effects" data-testid="offboard-effects">
      <p>Each VM runs as its own procedure that undoes, in order:</p>
      <ul>
        {records.slice(0, 12).map((r) => (
          <li key={r.id}>
            <strong>{r.vmName}</strong> ({r.site}): {offboardEffects(r, removeAccount).join('; ')}.
          </li>
        ))}
      </ul>
      {records.length > 12 && <p className="muted">…and the same for {records.length - 12} more.</p>}
      {!removeAccount && <p className="muted">The service account stays in the guest (you unticked its removal).</p>}
    </div>
  );
}

function CmdbVm({ r }: { r: CmdbRecord }) {
  return (
    <>
      {r.vmName}
      {r.status === 'active' && r.vcenterDeletedAt && (
        <a className="badge badge-failed" href={hashForView('nat-ipam', 'orphans')} title={`vCenter deleted this VM on ${r.vcenterDeletedAt}: its NAT and addresses are orphans until it is offboarded`}>
          deleted in vCenter
        </a>
      )}
      {r.status === 'active' && r.guestIpSeen && (
        <a className="badge badge-waiting" href={hashForView('nat-ipam', 'orphans')} title={`The guest reports ${r.guestIpSeen}; the NAT points at ${r.privateIp}`}>
          NAT drift
        </a>
      )}
    </>
  );
}

function Enrolled({ r }: { r: CmdbRecord }) {
  return (
    <>
      <Time at={r.enrolledAt} />
      <div className="muted small">
        by {r.enrolledBy}
        {r.enrollProcedureId && (
          <>
            {' · '}
            <ProcedureLink id={r.enrollProcedureId} />
          </>
        )}
      </div>
    </>
  );
}

function Offboarded({ r }: { r: CmdbRecord }) {
  if (r.offboardedAt) {
    return (
      <>
        <Time at={r.offboardedAt} />
        <div className="muted small">by {r.offboardedBy ?? '?'}</div>
      </>
    );
  }
  return r.offboardProcedureId ? <span className="badge badge-running">offboarding</span> : <>—</>;
}

const cmdbColumns: DataColumn<CmdbRecord>[] = [
  { id: 'vm', label: 'VM', className: 'cmdb-vm', cell: (r) => <CmdbVm r={r} />, sortValue: (r) => r.vmName },
  { id: 'site', label: 'Site', cell: (r) => r.site, sortValue: (r) => r.site },
  {
    id: 'os',
    label: 'OS',
    cell: (r) => (
      <>
        {r.os ?? '—'}
        {r.osRule && <span className="muted small"> ({r.osRule})</span>}
      </>
    ),
    sortValue: (r) => r.os,
  },
  { id: 'private', label: 'Private IP', className: 'mono', cell: (r) => r.privateIp, sortValue: (r) => r.privateIp },
  { id: 'public', label: 'Public IP', className: 'mono', cellTestId: 'cmdb-public-ip', cell: (r) => r.publicIp ?? '—', sortValue: (r) => r.publicIp },
  { id: 'nat', label: 'NAT', cell: (r) => (r.natRecordId !== null ? <a href={hashForView('nat-ipam', 'nat')}>record {r.natRecordId}</a> : '—') },
  { id: 'firewall', label: 'Firewall', cell: (r) => r.firewall, sortValue: (r) => r.firewall },
  { id: 'enrolled', label: 'Enrolled', cell: (r) => <Enrolled r={r} />, sortValue: (r) => r.enrolledAt },
  { id: 'offboarded', label: 'Offboarded', cellTestId: 'cmdb-offboarded', cell: (r) => <Offboarded r={r} />, sortValue: (r) => r.offboardedAt },
];

function CmdbTable({ rows, picked, onToggle }: { rows: CmdbRecord[]; picked: ReadonlySet<number>; onToggle(id: number): void }) {
  const pick: DataColumn<CmdbRecord> = {
    id: 'pick',
    label: 'Pick to offboard',
    hideLabel: true,
    cell: (r) => (r.status === 'active' ? <input type="checkbox" checked={picked.has(r.id)} onChange={() => onToggle(r.id)} aria-label={`Pick ${r.vmName} to offboard`} /> : null),
  };
  return (
    <DataTable
      scroll
      className="cmdb-table"
      testId="cmdb-table"
      caption="CMDB records, newest first"
      columns={[pick, ...cmdbColumns]}
      rows={rows}
      rowKey={(r) => r.id}
      rowProps={(r) => ({ 'data-testid': 'cmdb-row', 'data-vm': r.vmName, 'data-status': r.status })}
    />
  );
}
