import { useMemo } from 'react';
import { useStore } from 'zustand';
import type { FanoutRow } from '../../../core/contract';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { fanoutOutputStore } from './fanout-output';
import { fanoutStore, type SortKey } from './fanout-store';
import { firstLine, formatDuration, rowFailed, sortRows } from './fanout-rows';

function statusOf(r: FanoutRow): { text: string; className: string } {
  if (r.state === 'pending') return { text: 'pending', className: 'badge' };
  if (r.state === 'running') return { text: 'running', className: 'badge badge-running' };
  if (r.state === 'cancelled') return { text: 'cancelled', className: 'badge badge-cancelled' };
  if (r.error) return { text: r.error.code, className: 'badge badge-failed' };
  if (r.exitCode === 0) return { text: 'ok', className: 'badge badge-succeeded' };
  return { text: r.exitCode === null ? 'signal' : 'exit ≠ 0', className: 'badge badge-failed' };
}

const isSortKey = (id: string): id is SortKey => id === 'host' || id === 'exit' || id === 'duration';

const summaryOf = (r: FanoutRow): string => (r.error ? `${r.error.code}: ${r.error.message}` : firstLine(r.stdoutHead) || firstLine(r.stderrHead));

/** Opens the row's output in the pane, or closes it when it is already open. */
const toggle = (index: number): void => {
  const { selected, select } = fanoutOutputStore.getState();
  select(selected === index ? null : index);
};

const columns = (selected: number | null): DataColumn<FanoutRow>[] => [
  {
    id: 'host',
    label: 'Host',
    sortable: true,
    rowHeader: true,
    className: 'mono',
    cell: (r) => (
      <>
        {/* The row opens its output on a click anywhere; for the keyboard (and the accessibility tree) the host is the button. */}
        <button
          type="button"
          className="fanout-row-toggle"
          aria-pressed={selected === r.index}
          title="Show this host's whole output"
          onClick={(e) => {
            e.stopPropagation();
            toggle(r.index);
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
      </>
    ),
  },
  {
    id: 'status',
    label: 'Status',
    cell: (r) => {
      const status = statusOf(r);
      return (
        <span className={status.className} data-testid="fanout-status">
          {status.text}
        </span>
      );
    },
  },
  { id: 'exit', label: 'Exit', sortable: true, className: 'numeric mono', headerClassName: 'numeric', cellTestId: 'fanout-exit', cell: (r) => r.exitCode ?? '—' },
  { id: 'duration', label: 'Duration', sortable: true, className: 'numeric', headerClassName: 'numeric', cell: (r) => formatDuration(r.durationMs) },
  {
    id: 'summary',
    label: 'Error or first line',
    className: 'mono fanout-first-line',
    cellClassName: (r) => (r.error || (!r.stdoutHead && r.stderrHead) ? 'fanout-stderr' : undefined),
    cellTitle: summaryOf,
    cellTestId: 'fanout-summary-line',
    cell: summaryOf,
  },
];

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
  const cols = useMemo(() => columns(selected), [selected]);
  if (!job) return null;
  if (rows.length === 0) return <p className="muted">{failedOnly ? 'No host has failed (so far).' : 'No hosts.'}</p>;
  return (
    <DataTable
      columns={cols}
      rows={rows}
      rowKey={(r) => r.index}
      caption="Results per host; select a host to see its whole output"
      className="data-table-compact fanout-table"
      scroll
      testId="fanout-results"
      sort={sort.key === 'index' ? null : { id: sort.key, direction: sort.descending ? 'descending' : 'ascending' }}
      onSort={(id) => {
        if (isSortKey(id)) fanoutStore.getState().sortBy(id);
      }}
      onOpen={(r) => toggle(r.index)}
      rowProps={(r) => ({
        className: `fanout-row${rowFailed(r) ? ' fanout-row-failed' : ''}${selected === r.index ? ' fanout-row-selected' : ''}`,
        'data-testid': 'fanout-row',
        'data-host': r.host,
        onClick: () => toggle(r.index),
      })}
    />
  );
}
