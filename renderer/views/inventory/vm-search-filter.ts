import { useEffect, useMemo, useRef, useState } from 'react';
import { vmSearchText, vmSearchWords, vmTextMatches, type VmSummary } from '../../../core/contract';

/**
 * The Inventory table's search. The table holds every VM of its filter already (vms.list without
 * a query), so a keystroke filters those rows here with the store's own semantics
 * (core/contract/vm-search-text.ts): no round trip, no ceiling, every match in the grid. The rows
 * come in display order and keep it, so nothing is sorted per keystroke.
 *
 * A scan stops once it has FIRST_SCREEN matches, enough for the rows in view, and goes on in
 * short slices between frames: "e" over 250,000 VMs shows its first screen at once instead of
 * after a scan of every row. Typing on that only narrows the previous search scans its matches
 * so far plus the rows it had not reached yet, not every row, finished or not.
 *
 * The grid re-renders when a background scan ends, and at most every PROGRESS_MS while it runs:
 * a re-render per slice costs more than the slice (the grid's size and the count line change)
 * and would hold the frame of the next keystroke. The rows' search texts are computed in idle
 * slices as soon as the rows arrive, so the first keystroke does not pay for them.
 */
export const FIRST_SCREEN = 200;
/** How long one background slice of a scan may hold the main thread. */
const SLICE_MS = 4;
/** How often a long background scan shows the matches found so far. */
const PROGRESS_MS = 250;

export interface VmSearchState {
  rows: readonly VmSummary[];
  /** Each row's search text, computed once per rows array (the first search pays it). */
  texts: string[];
  words: string[];
  /** What this search scans (every row, or a finished search's matches it narrows) and how far it got. */
  pool: readonly VmSummary[];
  poolTexts: readonly string[];
  scanned: number;
  hits: VmSummary[];
  hitTexts: string[];
}

export const searchDone = (s: VmSearchState): boolean => s.scanned >= s.pool.length;

/** Whether every VM matching `next` also matches `previous` (each earlier word lies inside a new one): typing on only narrows. */
const narrows = (previous: readonly string[], next: readonly string[]): boolean => previous.length > 0 && previous.every((w) => next.some((n) => n.includes(w)));

/** Scans on until `until()` (asked every `every` rows: 1023 for a clock check) says stop or the pool ends. */
function scan(s: VmSearchState, until: () => boolean, every = 0): void {
  const { pool, poolTexts, words, hits, hitTexts } = s;
  let i = s.scanned;
  while (i < pool.length) {
    const text = poolTexts[i]!;
    if (vmTextMatches(text, words)) {
      hits.push(pool[i]!);
      hitTexts.push(text);
    }
    i++;
    if ((i & every) === 0 && until()) break;
  }
  s.scanned = i;
}

/** Starts a search of `rows` for `query` (reusing what `previous` computed) and runs it until the first screen of matches is found. */
export function startVmSearch(rows: readonly VmSummary[], query: string, previous: VmSearchState | null, firstScreen = FIRST_SCREEN): VmSearchState {
  const words = vmSearchWords(query);
  const texts = previous && previous.rows === rows ? previous.texts : [];
  if (words.length === 0) return { rows, texts, words, pool: rows, poolTexts: [], scanned: rows.length, hits: rows as VmSummary[], hitTexts: [] };
  fillTexts(rows, texts, () => false);
  let pool: readonly VmSummary[] = rows;
  let poolTexts: readonly string[] = texts;
  if (previous && previous.rows === rows && previous.words.length > 0 && narrows(previous.words, words)) {
    // Every match lies among the previous search's matches so far or the rows it had not reached.
    const done = searchDone(previous);
    pool = done ? previous.hits : previous.hits.concat(previous.pool.slice(previous.scanned));
    poolTexts = done ? previous.hitTexts : previous.hitTexts.concat(previous.poolTexts.slice(previous.scanned));
  }
  const s: VmSearchState = { rows, texts, words, pool, poolTexts, scanned: 0, hits: [], hitTexts: [] };
  scan(s, () => s.hits.length >= firstScreen);
  return s;
}

/** Computes the search texts of `rows` not yet in `texts` (in order) until `until()` (asked every 1024 rows) says stop; whether all are done. */
export function fillTexts(rows: readonly VmSummary[], texts: string[], until: () => boolean): boolean {
  for (let i = texts.length; i < rows.length; i++) {
    texts.push(vmSearchText(rows[i]!));
    if ((i & 1023) === 1023 && until()) return texts.length >= rows.length;
  }
  return true;
}

/** Runs a started search to its end (tests, and callers that need every match at once). */
export function finishVmSearch(s: VmSearchState): VmSearchState {
  scan(s, () => false);
  return s;
}

/**
 * `rows` narrowed to `query` (see startVmSearch): the first screen at once, the rest in slices
 * (each a re-render with more rows); `complete` once every row is scanned.
 */
export function useVmSearch(rows: readonly VmSummary[], query: string): { rows: readonly VmSummary[]; complete: boolean } {
  const last = useRef<VmSearchState | null>(null);
  const [, setProgress] = useState(0);
  const state = useMemo(() => {
    const next = startVmSearch(rows, query, last.current);
    last.current = next;
    return next;
  }, [rows, query]);
  useEffect(() => {
    // Rows without a search: compute their texts between frames, ready for the first keystroke.
    if (state.words.length > 0 || state.texts.length >= state.rows.length) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const slice = (): void => {
      const start = performance.now();
      timer = fillTexts(state.rows, state.texts, () => performance.now() - start > SLICE_MS) ? null : setTimeout(slice, 0);
    };
    timer = setTimeout(slice, 0);
    return () => {
      if (timer !== null) clearTimeout(timer);
    };
  }, [state]);
  useEffect(() => {
    if (searchDone(state)) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    let shown = performance.now();
    const slice = (): void => {
      const start = performance.now();
      scan(state, () => performance.now() - start > SLICE_MS, 1023);
      const done = searchDone(state);
      if (done || start - shown > PROGRESS_MS) {
        shown = start;
        setProgress((p) => p + 1); // a new value: the grid re-renders with the rows found
      }
      timer = done ? null : setTimeout(slice, 0);
    };
    timer = setTimeout(slice, 0);
    return () => {
      if (timer !== null) clearTimeout(timer);
    };
  }, [state]);
  // A new array per render while the scan grows it, so the grid sees the new length.
  const done = searchDone(state);
  return { rows: done ? state.hits : state.hits.slice(), complete: done };
}
