import { useId } from 'react';
import { useStore } from 'zustand';
import { fanoutStore } from './fanout-store';
import { HostOutputPane } from './HostOutputPane';
import { ResultsTable } from './ResultsTable';
import { UnknownKeys } from './UnknownKeys';
import { rowFailedToRerun, type FanoutJobActions } from './use-fanout-job';

/** The job on screen: its line, the totals, unknown host keys, one row per host and the chosen host's output. */
export function FanoutResults({ cancel, rerun }: Pick<FanoutJobActions, 'cancel' | 'rerun'>) {
  const id = useId();
  const job = useStore(fanoutStore, (s) => s.job);
  const failedOnly = useStore(fanoutStore, (s) => s.failedOnly);
  const t = job?.totals;
  return (
    <section className="fanout-results" aria-labelledby={`${id}-results`}>
      <div className="panel-heading-row">
        <h2 id={`${id}-results`}>Results</h2>
        {job && (
          <div className="toolbar fanout-toolbar">
            <label className="checkbox-field">
              <input type="checkbox" checked={failedOnly} onChange={(e) => fanoutStore.getState().set({ failedOnly: e.target.checked })} />
              Failed only
            </label>
            {job.state !== 'running' && job.rows.some(rowFailedToRerun) && (
              <button type="button" className="button" onClick={() => rerun({ failed: true })} data-testid="fanout-rerun-failed" title="Run the command again on every host that failed (non-zero exit or an error)">
                Re-run failed hosts ({job.rows.filter(rowFailedToRerun).length})
              </button>
            )}
            {job.state === 'running' && (
              <button type="button" className="button button-danger" onClick={cancel} data-testid="fanout-cancel">
                Cancel
              </button>
            )}
          </div>
        )}
      </div>
      {!job ? (
        <p className="muted">No run yet. Results appear here host by host as they finish.</p>
      ) : (
        <>
          <p className="fanout-job-line small">
            <code className="mono">{job.command.length > 120 ? `${job.command.slice(0, 120)}…` : job.command}</code> as <strong>{job.credential}</strong> · concurrency {job.concurrency} ·{' '}
            {job.state === 'running' ? 'running' : job.state === 'cancelled' ? 'cancelled' : 'finished'}
          </p>
          {t && (
            <div className="fanout-summary" data-testid="fanout-summary" aria-live="polite">
              <span>
                <strong>{t.total - t.pending - t.running}</strong>/{t.total} done
              </span>
              <span className="badge badge-succeeded">{t.ok} ok</span>
              <span className={`badge${t.failed ? ' badge-failed' : ''}`}>{t.failed} failed</span>
              {t.running > 0 && <span className="badge badge-running">{t.running} running</span>}
              {t.cancelled > 0 && <span className="badge badge-cancelled">{t.cancelled} cancelled</span>}
              <progress max={t.total} value={t.total - t.pending - t.running} aria-label="Hosts finished" />
            </div>
          )}
          <UnknownKeys onTrusted={(hosts) => rerun({ hosts })} />
          <ResultsTable />
          <HostOutputPane />
        </>
      )}
    </section>
  );
}
