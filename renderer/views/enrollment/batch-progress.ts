import type { EventPayload, ProcedureState } from '../../../core/contract';
import type { BatchStarted } from '../../../core/contract/enrollment';

export type RunUpdate = EventPayload<'procedure.updated'>;
export interface RunError {
  code: string;
  message: string;
  /** The step that failed, by title, when the run names one. */
  step: string | null;
}

export type RowState = ProcedureState | 'not-started' | 'unknown';

/** One VM of a batch as the progress list shows it. */
export interface BatchRow {
  vm: string;
  name: string;
  procedureId: string | null;
  state: RowState;
  step: RunUpdate['step'];
  error: RunError | null;
  /** The newest journal line of the run (live). */
  lastLog: string | null;
}

const terminal: ReadonlySet<RowState> = new Set(['succeeded', 'failed', 'rolled-back', 'cancelled', 'not-started']);
export const isTerminal = (state: RowState): boolean => terminal.has(state);
/** States whose run has an error worth reading from procedures.get. */
export const needsError = (state: RowState): boolean => state === 'failed' || state === 'rolled-back' || state === 'rolling-back' || state === 'cancelled';

/**
 * Keeps the newer of two updates for a run (an answer to procedures.list may arrive after a
 * newer event). Equal times: the event wins, since it carries the step.
 */
export function newer(prev: RunUpdate | undefined, next: RunUpdate): RunUpdate {
  if (!prev) return next;
  // By instant, not by text: "…:01Z" and "…:01.500Z" sort the wrong way round as strings.
  const was = Date.parse(prev.updatedAt);
  const now = Date.parse(next.updatedAt);
  if (now < was) return prev;
  return next.step === null && prev.step !== null && now === was ? { ...next, step: prev.step } : next;
}

export function batchRows(
  batch: BatchStarted,
  live: ReadonlyMap<string, RunUpdate>,
  errors: ReadonlyMap<string, RunError>,
  logs: ReadonlyMap<string, string>,
): BatchRow[] {
  return batch.items.map((item) => {
    const name = item.name ?? item.vm;
    if (!item.procedureId) {
      // Refused before a run existed (e.g. NOT_FOUND): the item carries the error.
      return { vm: item.vm, name, procedureId: null, state: 'not-started', step: null, error: item.error ? { ...item.error, step: null } : null, lastLog: null };
    }
    const run = live.get(item.procedureId);
    return {
      vm: item.vm,
      name,
      procedureId: item.procedureId,
      state: run?.state ?? 'unknown',
      step: run?.step ?? null,
      error: errors.get(item.procedureId) ?? null,
      lastLog: logs.get(item.procedureId) ?? null,
    };
  });
}

export interface BatchCounts {
  total: number;
  succeeded: number;
  failed: number;
  active: number;
  waiting: number;
}

export function batchCounts(rows: readonly BatchRow[]): BatchCounts {
  const counts: BatchCounts = { total: rows.length, succeeded: 0, failed: 0, active: 0, waiting: 0 };
  for (const row of rows) {
    if (row.state === 'succeeded') counts.succeeded += 1;
    else if (row.state === 'waiting') counts.waiting += 1;
    else if (isTerminal(row.state)) counts.failed += 1;
    else counts.active += 1;
  }
  return counts;
}

/** One line for the whole batch ("3 of 5 done, 1 failed, 1 running"). */
export function batchSummary(counts: BatchCounts): string {
  const parts = [`${counts.succeeded} of ${counts.total} done`];
  if (counts.failed) parts.push(`${counts.failed} failed`);
  if (counts.waiting) parts.push(`${counts.waiting} waiting for you`);
  if (counts.active) parts.push(`${counts.active} running or queued`);
  return parts.join(', ');
}
