import { useEffect } from 'react';
import type { ProcedureSummary } from '../../core/contract';
import { useClient } from '../app/shell-context';
import { EmptyState } from '../shell/EmptyState';
import { ViewHeader } from '../shell/ViewHeader';
import { formatTime } from './format-time';
import { useContractQuery } from './use-contract-query';

function ProceduresTable({ runs }: { runs: ProcedureSummary[] }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">Procedure runs, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Procedure</th>
          <th scope="col">Target</th>
          <th scope="col">State</th>
          <th scope="col">Started by</th>
          <th scope="col">Created</th>
          <th scope="col">Updated</th>
        </tr>
      </thead>
      <tbody>
        {runs.map((run) => (
          <tr key={run.id}>
            <td>
              {run.kind} <span className="muted mono small">{run.id}</span>
            </td>
            <td>{run.target ?? '—'}</td>
            <td>
              <span className={`badge badge-${run.state}`}>{run.state}</span>
            </td>
            <td>{run.createdBy}</td>
            <td>
              <time dateTime={run.createdAt} title={run.createdAt}>
                {formatTime(run.createdAt)}
              </time>
            </td>
            <td>
              <time dateTime={run.updatedAt} title={run.updatedAt}>
                {formatTime(run.updatedAt)}
              </time>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function ProceduresView() {
  const client = useClient();
  const runs = useContractQuery('Could not list procedures', (c) => c.invoke('procedures.list', { limit: 100 }));
  const { reload } = runs;
  // The running count in status.changed moves whenever a run starts or ends.
  useEffect(() => client.on('status.changed', () => reload()), [client, reload]);

  return (
    <>
      <ViewHeader
        title="Procedures"
        description="Durable multi-step runs: every step is journaled with run, verify and undo, so a crash resumes or rolls back."
        actions={
          <button type="button" className="button" onClick={reload}>
            Refresh
          </button>
        }
      />
      {runs.data && runs.data.length > 0 && <ProceduresTable runs={runs.data} />}
      {runs.data && runs.data.length === 0 && (
        <EmptyState
          title="No procedures have run"
          purpose="Enrollment, offboarding, NAT changes, VLAN changes and host upgrades run here as procedures. Each run shows its steps, their state, and any gate waiting for your approval."
          firstStep={<p>Add a vCenter in Inventory. Procedures act on what Outpost knows about your sites, so there is nothing to run until one is synced.</p>}
        />
      )}
      {!runs.data && runs.loading && <p className="muted">Loading procedures…</p>}
    </>
  );
}
