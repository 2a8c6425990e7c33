import { useMemo, useRef } from 'react';
import { vmSearchText, vmSearchWords, vmTextMatches, type VmSummary } from '../../../core/contract';

/**
 * The Inventory table's search. The table holds every VM of its filter already (vms.list without
 * a query), so a keystroke filters those rows here with the store's own semantics
 * (core/contract/vm-search-text.ts): no round trip, no ceiling, every match in the grid. The rows
 * come in display order and keep it, so nothing is sorted per keystroke.
 */
export interface VmSearchState {
  rows: readonly VmSummary[];
  /** Each row's search text, computed once per rows array (the first search pays it). */
  texts: string[];
  words: string[];
  hits: readonly VmSummary[];
  hitTexts: readonly string[];
}

/** Whether every VM matching `next` also matches `previous` (each earlier word lies inside a new one): typing on only narrows. */
const narrows = (previous: readonly string[], next: readonly string[]): boolean => previous.length > 0 && previous.every((w) => next.some((n) => n.includes(w)));

/** The rows matching `query`, in their order; reuses the previous search's texts and, when typing narrows it, its hits. */
export function searchVmRows(rows: readonly VmSummary[], query: string, previous: VmSearchState | null): VmSearchState {
  const words = vmSearchWords(query);
  const texts = previous && previous.rows === rows ? previous.texts : [];
  if (words.length === 0) return { rows, texts, words, hits: rows, hitTexts: [] };
  if (texts.length !== rows.length) for (let i = texts.length; i < rows.length; i++) texts.push(vmSearchText(rows[i]!));
  const [pool, poolTexts] = previous && previous.rows === rows && narrows(previous.words, words) ? [previous.hits, previous.hitTexts] : [rows, texts];
  const hits: VmSummary[] = [];
  const hitTexts: string[] = [];
  for (let i = 0; i < pool.length; i++) {
    const text = poolTexts[i]!;
    if (vmTextMatches(text, words)) {
      hits.push(pool[i]!);
      hitTexts.push(text);
    }
  }
  return { rows, texts, words, hits, hitTexts };
}

/** `rows` narrowed to `query` (see searchVmRows), recomputed only when either changes. */
export function useVmSearch(rows: readonly VmSummary[], query: string): readonly VmSummary[] {
  const last = useRef<VmSearchState | null>(null);
  return useMemo(() => {
    const next = searchVmRows(rows, query, last.current);
    last.current = next;
    return next.hits;
  }, [rows, query]);
}
