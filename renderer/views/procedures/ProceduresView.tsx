import { useEffect, useState } from 'react';
import { procedureStateSchema, type ProcedureState, type ProcedureSummary } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { EmptyState } from '../../ui/EmptyState';
import { ViewHeader } from '../../ui/ViewHeader';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { Time } from '../../ui/Time';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { ProcedureDetailPane } from './ProcedureDetailPane';
import { useContractQuery } from '../../data/use-contract-query';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';

const states = procedureStateSchema.options;

const procedureColumns: DataColumn<ProcedureSummary>[] = [
  {
    id: 'procedure',
    label: 'Procedure',
    cell: (run) => (
      <>
        <ProcedureLink id={run.id}>{run.kind}</ProcedureLink> <span className="muted mono small">{run.id.slice(0, 8)}</span>
      </>
    ),
    sortValue: (run) => run.kind,
  },
  { id: 'target', label: 'Target', cell: (run) => run.target ?? '—', sortValue: (run) => run.target },
  {
    id: 'state',
    label: 'State',
    cell: (run) =>
      run.interrupted ? (
        <span className="badge badge-failed" title="The process that ran it is gone. Resume it: outpost procedures resume, or restart the app.">
          interrupted
        </span>
      ) : (
        <span className={`badge badge-${run.state}`}>{run.state}</span>
      ),
    sortValue: (run) => (run.interrupted ? 'interrupted' : run.state),
  },
  { id: 'by', label: 'Started by', cell: (run) => run.createdBy, sortValue: (run) => run.createdBy },
  { id: 'created', label: 'Created', cell: (run) => <Time at={run.createdAt} />, sortValue: (run) => run.createdAt },
  { id: 'updated', label: 'Updated', cell: (run) => <Time at={run.updatedAt} />, sortValue: (run) => run.updatedAt },
];

function ProceduresTable({ runs }: { runs: ProcedureSummary[] }) {
  return (
    <DataTable
      columns={procedureColumns}
      rows={runs}
      rowKey={(run) => run.id}
      caption="Procedure runs, newest first"
      onOpen={(run) => {
        window.location.hash = hashForView('procedures', run.id);
      }}
    />
  );
}

function ProcedureList() {
  const client = useClient();
  const [filter, setFilter] = useState<ProcedureState | ''>('');
  const runs = useContractQuery('Could not list procedures', (c) => c.invoke('procedures.list', filter ? { limit: 100, state: filter } : { limit: 100 }), filter);
  const { reload } = runs;

  // Live rows: a run the list shows is updated in place from procedure.updated; a run it does not
  // show yet (just started elsewhere) refetches the page.
  const [live, setLive] = useState<ReadonlyMap<string, ProcedureSummary>>(new Map());
  const shown = runs.data;
  const [liveFor, setLiveFor] = useState(shown);
  if (liveFor !== shown) {
    // A fresh page supersedes what events said about the previous one.
    setLiveFor(shown);
    setLive(new Map());
  }
  useEffect(
    () =>
      client.on('procedure.updated', (run) => {
        if (shown?.some((r) => r.id === run.id)) {
          const { step: _step, ...summary } = run;
          setLive((m) => new Map(m).set(run.id, summary));
        } else reload();
      }),
    [client, shown, reload],
  );
  const rows = shown?.map((r) => live.get(r.id) ?? r) ?? null;

  return (
    <>
      <div className="toolbar">
        {/* Radios, not a <select>: nine short states fit in a row and each is one click away. */}
        <div className="segmented segmented-small" role="radiogroup" aria-label="Filter by state">
          {(['', ...states] as const).map((s) => (
            <label key={s || 'all'} className="segment">
              <input type="radio" name="procedure-state-filter" value={s} checked={filter === s} onChange={() => setFilter(s)} />
              <span>{s || 'all'}</span>
            </label>
          ))}
        </div>
        <button type="button" className="button" onClick={reload}>
          Refresh
        </button>
        {rows && <span className="muted small">{rows.length === 100 ? 'The newest 100 runs' : `${rows.length} run${rows.length === 1 ? '' : 's'}`}</span>}
      </div>
      {rows && rows.length > 0 && <ProceduresTable runs={rows} />}
      {rows && rows.length === 0 && filter !== '' && <p className="muted">No runs are {filter}.</p>}
      {rows && rows.length === 0 && filter === '' && (
        <EmptyState
          title="No procedures have run"
          purpose="Enrollment, offboarding, NAT changes, VLAN changes and host upgrades run here as procedures. Each run shows its steps, their state, and any gate waiting for your approval."
          firstStep={
            <p>
              Add an address pool and a firewall in <a href={hashForView('nat-ipam')}>NAT &amp; IPAM</a>, then add a NAT there: it runs as a
              procedure and appears here.
            </p>
          }
        />
      )}
      {!rows && runs.loading && <p className="muted">Loading procedures…</p>}
    </>
  );
}

export function ProceduresView() {
  const selected = useHashSubPath('procedures');
  return (
    <>
      <ViewHeader
        title="Procedures"
        description="Durable multi-step runs: every step is journaled with run, verify and undo, so a crash resumes or rolls back."
      />
      {selected ? <ProcedureDetailPane key={selected} id={selected} /> : <ProcedureList />}
    </>
  );
}
