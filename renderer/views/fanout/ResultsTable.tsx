import { useMemo } from 'react';
import { useStore } from 'zustand';
import type { FanoutRow } from '../../../core/contract';
import { fanoutOutputStore } from './fanout-output';
import { fanoutStore, type SortKey } from './fanout-store';
import { firstLine, formatDuration, rowFailed, sortRows } from './fanout-rows';

function SortHeader({ label, sortKey }: { label: string; sortKey: SortKey }) {
  const sort = useStore(fanoutStore, (s) => s.sort);
  const active = sort.key === sortKey;
  return (
    <th scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="fanout-sort" onClick={() => fanoutStore.getState().sortBy(sortKey)}>
        {label}
        <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

function statusOf(r: FanoutRow): { text: string; className: string } {
  if (r.state === 'pending') return { text: 'pending', className: 'badge' };
  if (r.state === 'running') return { text: 'running', className: 'badge badge-running' };
  if (r.state === 'cancelled') return { text: 'cancelled', className: 'badge badge-cancelled' };
  if (r.error) return { text: r.error.code, className: 'badge badge-failed' };
  if (r.exitCode === 0) return { text: 'ok', className: 'badge badge-succeeded' };
  return { text: r.exitCode === null ? 'signal' : 'exit ≠ 0', className: 'badge badge-failed' };
}

/** The row's state, exit code and duration; its error or first output line in full (it wraps), the whole output in the pane. */
export function ResultsTable() {
  const job = useStore(fanoutStore, (s) => s.job);
  const sort = useStore(fanoutStore, (s) => s.sort);
  const failedOnly = useStore(fanoutStore, (s) => s.failedOnly);
  const selected = useStore(fanoutOutputStore, (s) => s.selected);
  const rows = useMemo(() => {
    const all = job?.rows ?? [];
    return sortRows(failedOnly ? all.filter(rowFailed) : all, sort.key, sort.descending);
  }, [job, sort, failedOnly]);
  if (!job) return null;
  if (rows.length === 0) return <p className="muted">{failedOnly ? 'No host has failed (so far).' : 'No hosts.'}</p>;
  const select = (index: number): void => fanoutOutputStore.getState().select(selected === index ? null : index);
  return (
    <div className="table-scroll">
      <table className="data-table data-table-compact fanout-table" data-testid="fanout-results">
        <caption className="visually-hidden">Results per host; select a host to see its whole output</caption>
        <thead>
          <tr>
            <SortHeader label="Host" sortKey="host" />
            <th scope="col">Status</th>
            <SortHeader label="Exit" sortKey="exit" />
            <SortHeader label="Duration" sortKey="duration" />
            <th scope="col">Error or first line</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const status = statusOf(r);
            const open = selected === r.index;
            const summary = r.error ? `${r.error.code}: ${r.error.message}` : firstLine(r.stdoutHead) || firstLine(r.stderrHead);
            return (
              <tr
                key={r.index}
                className={`fanout-row${rowFailed(r) ? ' fanout-row-failed' : ''}${open ? ' fanout-row-selected' : ''}`}
                data-testid="fanout-row"
                data-host={r.host}
                onClick={() => select(r.index)}
              >
                <th scope="row" className="row-heading mono">
                  {/* The row opens its output on a click anywhere; for the keyboard (and the accessibility tree) the host is the button. */}
                  <button
                    type="button"
                    className="fanout-row-toggle"
                    aria-pressed={open}
                    title="Show this host's whole output"
                    onClick={(e) => {
                      e.stopPropagation();
                      select(r.index);
                    }}
                  >
                    {r.host}
                  </button>
                  {r.vm && r.vm !== r.host && <span className="muted small"> {r.vm}</span>}
                  {r.jump && (
                    <span className="muted small fanout-via" data-testid="fanout-jump">
                      {' '}
                      via {r.jump}
                    </span>
                  )}
                </th>
                <td>
                  <span className={status.className} data-testid="fanout-status">
                    {status.text}
                  </span>
                </td>
                <td className="numeric mono" data-testid="fanout-exit">
                  {r.exitCode ?? '—'}
                </td>
                <td className="numeric">{formatDuration(r.durationMs)}</td>
                <td className={`mono fanout-first-line${r.error || (!r.stdoutHead && r.stderrHead) ? ' fanout-stderr' : ''}`} title={summary} data-testid="fanout-summary-line">
                  {summary}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
