import type { BatchStarted } from '../../../core/contract/enrollment';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { batchCounts, batchSummary, isTerminal } from './batch-progress';
import { useBatchProgress } from './use-batch-progress';

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
      <table className="data-table batch-table">
        <caption className="visually-hidden">{label}: one row per VM</caption>
        <thead>
          <tr>
            <th scope="col">VM</th>
            <th scope="col">State</th>
            <th scope="col">Step</th>
            <th scope="col">Details</th>
            <th scope="col">Procedure</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.procedureId ?? row.vm} data-testid="batch-row" data-vm={row.name} data-state={row.state} className={row.error ? 'batch-row-failed' : undefined}>
              <td className="batch-vm">{row.name}</td>
              <td>
                <span className={`badge badge-${row.state}`} data-testid="batch-state">
                  {row.state === 'unknown' ? 'starting' : row.state}
                </span>
              </td>
              <td>{row.step ? `${row.step.idx + 1}. ${row.step.name}` : '—'}</td>
              <td className="batch-details">
                {row.error ? (
                  <p className="batch-error" data-testid="batch-error">
                    <span className="mono">{row.error.code}</span> {row.error.step ? `at ${row.error.step}: ` : ''}
                    {row.error.message}
                  </p>
                ) : row.state === 'waiting' && row.procedureId ? (
                  <p className="batch-waiting" data-testid="batch-waiting">
                    Waiting for you: <ProcedureLink id={row.procedureId}>open the procedure</ProcedureLink> to see what to apply, then approve.
                  </p>
                ) : (
                  <span className="muted small">{row.lastLog ?? ''}</span>
                )}
              </td>
              <td>{row.procedureId ? <ProcedureLink id={row.procedureId}>{`open ${row.procedureId.slice(0, 8)}`}</ProcedureLink> : <span className="muted">not started</span>}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
