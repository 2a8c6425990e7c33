import { useState, type FormEvent } from 'react';
import type { AllocationView, PoolView } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { FilterSelect } from '../../ui/FilterSelect';
import { Time } from '../../ui/Time';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { useContractQuery } from '../../data/use-contract-query';
import { SubmitButton } from '../../ui/SubmitButton';
import { useContractAction } from '../../data/use-contract-action';

const poolOptions = (pools: readonly PoolView[]): [string, string][] => pools.map((p) => [p.name, p.name]);

function When({ iso, who }: { iso: string | null; who: string | null }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <>
      <Time at={iso} />
      {who && <span className="muted"> {who}</span>}
    </>
  );
}

function AllocationsTable({ rows, onRelease }: { rows: AllocationView[]; onRelease(a: AllocationView): void }) {
  // Addresses a procedure holds are released by undoing it (removing the NAT, offboarding), not here:
  // the Release column is there only when a row can use it (eight columns do not fit at 200% zoom).
  const releasable = (a: AllocationView): boolean => !a.releasedAt && !a.procedureId;
  const withActions = rows.some(releasable);
  const columns: DataColumn<AllocationView>[] = [
    { id: 'address', label: 'Address', rowHeader: true, className: 'mono', cell: (a) => a.address, sortValue: (a) => a.address },
    { id: 'pool', label: 'Pool', cell: (a) => a.pool, sortValue: (a) => a.pool },
    { id: 'owner', label: 'Owner', className: 'mono small', cell: (a) => a.owner, sortValue: (a) => a.owner },
    { id: 'purpose', label: 'Purpose', cell: (a) => a.purpose, sortValue: (a) => a.purpose },
    { id: 'procedure', label: 'Procedure', cell: (a) => (a.procedureId ? <ProcedureLink id={a.procedureId} /> : '—') },
    { id: 'allocated', label: 'Allocated', className: 'small', cell: (a) => <When iso={a.allocatedAt} who={a.allocatedBy} />, sortValue: (a) => a.allocatedAt },
    { id: 'released', label: 'Released', className: 'small', cell: (a) => <When iso={a.releasedAt} who={a.releasedBy} />, sortValue: (a) => a.releasedAt },
  ];
  return (
    <DataTable
      columns={columns}
      rows={rows} rowKey={(a) => a.id} caption="Address allocations" rowProps={(a) => ({ className: a.releasedAt ? 'row-released' : undefined })}
      actions={
        withActions
          ? (a) =>
              releasable(a) ? (
                <button type="button" className="button button-small" onClick={() => onRelease(a)} aria-label={`Release ${a.address}`}>
                  Release
                </button>
              ) : null
          : undefined
      }
    />
  );
}

/** Hands an address of a pool to an owner by hand (the same owner and purpose get the same address back). */
function AllocateForm({ pools, onDone }: { pools: PoolView[]; onDone(): void }) {
  const client = useClient();
  const store = useShellStore();
  const [pool, setPool] = useState('');
  const [owner, setOwner] = useState('');
  const [purpose, setPurpose] = useState('manual');
  const [busy, setBusy] = useState(false);
  const chosen = pool || pools[0]?.name || '';
  const submit = (event: FormEvent): void => {
    event.preventDefault();
    if (busy || !chosen) return;
    setBusy(true);
    client.invoke('ipam.allocate', { pool: chosen, owner, purpose }).then(
      (a) => {
        setBusy(false);
        setOwner('');
        store.getState().pushToast({ tone: 'info', title: `${a.address} allocated`, message: `to ${a.owner} in ${a.pool}` });
        onDone();
      },
      (err: unknown) => {
        setBusy(false);
        store.getState().pushToast(errorToast('Could not allocate', err));
      },
    );
  };
  return (
    <form className="toolbar" onSubmit={submit} aria-label="Allocate an address">
      <FilterSelect label="Pool" ariaLabel="Pool to allocate from" value={chosen} options={poolOptions(pools)} onChange={setPool} anyLabel={null} />
      <label className="inline-field">
        <span>Owner</span>
        <input value={owner} onChange={(event) => setOwner(event.target.value)} placeholder="vm:web-01" aria-label="Owner" required />
      </label>
      <label className="inline-field">
        <span>Purpose</span>
        <input value={purpose} onChange={(event) => setPurpose(event.target.value)} aria-label="Purpose" className="narrow" required />
      </label>
      <SubmitButton busy={busy} label="Allocate" busyLabel="Allocating…" disabled={!chosen || owner.trim() === ''} primary={false} />
    </form>
  );
}

/** Who holds which address; `refresh` changes when something elsewhere may have moved them. */
export function AllocationsPanel({ pools, refresh }: { pools: PoolView[]; refresh: number }) {
  const action = useContractAction();
  const store = useShellStore();
  const [pool, setPool] = useState('');
  const [includeReleased, setIncludeReleased] = useState(false);
  const [changed, setChanged] = useState(0);
  const rows = useContractQuery(
    'Could not list allocations',
    (c) => c.invoke('ipam.allocations.list', { ...(pool ? { pool } : {}), includeReleased }),
    `${pool}|${includeReleased}|${refresh}|${changed}`,
  );
  const release = (a: AllocationView): void => {
    action.run('ipam.release', { address: a.address, pool: a.pool }, {
      failure: `Could not release ${a.address}`,
      done: () => {
        store.getState().pushToast({ tone: 'info', title: `${a.address} released`, message: `${a.owner} no longer holds it` });
        setChanged((n) => n + 1);
      },
    });
  };

  return (
    <>
      {pools.length > 0 && <AllocateForm pools={pools} onDone={() => setChanged((n) => n + 1)} />}
      <div className="toolbar">
        <FilterSelect label="Pool" ariaLabel="Filter by pool" value={pool} options={poolOptions(pools)} onChange={setPool} anyLabel="All pools" />
        <label className="inline-field">
          <input type="checkbox" checked={includeReleased} onChange={(event) => setIncludeReleased(event.target.checked)} />
          <span>Include released</span>
        </label>
      </div>
      {rows.data && rows.data.length > 0 && <AllocationsTable rows={rows.data} onRelease={release} />}
      {rows.data && rows.data.length === 0 && (
        <p className="muted">
          {pools.length === 0
            ? 'No pools yet, so nothing is allocated. Add a pool first.'
            : `No ${includeReleased ? '' : 'current '}allocations${pool ? ` in ${pool}` : ''}. Adding a NAT from a pool allocates its public address here.`}
        </p>
      )}
      {!rows.data && rows.loading && <p className="muted">Loading allocations…</p>}
    </>
  );
}
