import type { ProcedureDetail } from '../../../core/contract';

export type JournalLine = ProcedureDetail['journal'][number];

/** A long run can log a lot; the page keeps the newest lines and says how many it dropped. */
export const JOURNAL_LIMIT = 500;

export interface BoundedJournal {
  lines: JournalLine[];
  /** Lines older than the first one shown that are no longer in memory. */
  dropped: number;
}

/**
 * Merges journal lines from a fetch and from live procedure.log events: one copy per id, in id
 * order, at most `limit` (the newest). Events may arrive before, during or after a fetch.
 */
export function mergeJournal(current: BoundedJournal, incoming: readonly JournalLine[], limit = JOURNAL_LIMIT): BoundedJournal {
  if (incoming.length === 0) return current;
  const byId = new Map<number, JournalLine>();
  for (const line of current.lines) byId.set(line.id, line);
  let added = 0;
  const oldestKept = current.dropped > 0 ? (current.lines[0]?.id ?? 0) : -Infinity;
  for (const line of incoming) {
    if (byId.has(line.id) || line.id < oldestKept) continue;
    byId.set(line.id, line);
    added++;
  }
  if (added === 0) return current;
  const all = [...byId.values()].sort((a, b) => a.id - b.id);
  const overflow = Math.max(0, all.length - limit);
  return { lines: overflow > 0 ? all.slice(overflow) : all, dropped: current.dropped + overflow };
}

export const emptyJournal: BoundedJournal = { lines: [], dropped: 0 };
