import type { BatchStarted } from '../../../core/contract/enrollment';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { batchCounts, batchSummary, isTerminal } from './batch-progress';
import { useBatchProgress } from './use-batch-progress';

type BatchRow = ReturnType<typeof useBatchProgress>[number];

function BatchDetails({ row }: { row: BatchRow }) {
  if (row.error) {
    return (
      <p className="batch-error" data-testid="batch-error">
        <span className="mono">{row.error.code}</span> {row.error.step ? `at ${row.error.step}: ` : ''}
        {row.error.message}
      </p>
    );
  }
  if (row.state === 'waiting' && row.procedureId) {
    return (
      <p className="batch-waiting" data-testid="batch-waiting">
        Waiting for you: <ProcedureLink id={row.procedureId}>open the procedure</ProcedureLink> to see what to apply, then approve.
      </p>
    );
  }
  return <span className="muted small">{row.lastLog ?? ''}</span>;
}

const batchColumns: DataColumn<BatchRow>[] = [
  { id: 'vm', label: 'VM', className: 'batch-vm', cell: (row) => row.name, sortValue: (row) => row.name },
  {
    id: 'state',
    label: 'State',
    cell: (row) => (
      <span className={`badge badge-${row.state}`} data-testid="batch-state">
        {row.state === 'unknown' ? 'starting' : row.state}
      </span>
    ),
    sortValue: (row) => row.state,
  },
  { id: 'step', label: 'Step', cell: (row) => (row.step ? `${row.step.idx + 1}. ${row.step.name}` : '—') },
  { id: 'details', label: 'Details', className: 'batch-details', cell: (row) => <BatchDetails row={row} /> },
  {
    id: 'procedure',
    label: 'Procedure',
    cell: (row) => (row.procedureId ? <ProcedureLink id={row.procedureId}>{`open ${row.procedureId.slice(0, 8)}`}</ProcedureLink> : <span className="muted">not started</span>),
  },
];

/**
 * A batch's VMs, one row each, live: state, the step it is on, its last log line, and for a
 * failure the code, message and step. Every row links to its procedure (resume, abort, retry).
 * One VM's failure is its own row; the others go on and stay visible.
 */
export function BatchProgress({ batch, label }: { batch: BatchStarted; label: string }) {
  const rows = useBatchProgress(batch);
  const counts = batchCounts(rows);
  const finished = rows.every((r) => isTerminal(r.state));
  return (
    <section className="batch-progress" aria-label={label} data-testid="batch-progress">
      <p className="batch-summary" role="status" data-testid="batch-summary">
        {batchSummary(counts)}
        {finished ? '. Finished.' : '.'} <span className="muted small">Up to {batch.concurrency} at a time.</span>
      </p>
      <DataTable
        className="batch-table"
        caption={`${label}: one row per VM`}
        columns={batchColumns}
        rows={rows}
        rowKey={(row) => row.procedureId ?? row.vm}
        rowProps={(row) => ({ 'data-testid': 'batch-row', 'data-vm': row.name, 'data-state': row.state, className: row.error ? 'batch-row-failed' : undefined })}
      />
    </section>
  );
}
