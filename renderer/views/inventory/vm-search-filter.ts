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

/** Rows per block of joined search texts. */
const BLOCK_ROWS = 4096;

/**
 * The search texts of BLOCK_ROWS rows joined by NUL (which no query word holds, so a match never
 * spans two rows), with each row's start offset (and one past the last). A rare word is found by
 * one native indexOf per block instead of a JavaScript call per row: a search that must look at
 * every row of 250,000 (a word few VMs have) stays within a frame.
 */
export interface TextBlock {
  first: number;
  text: string;
  starts: Int32Array;
}

export interface VmSearchState {
  rows: readonly VmSummary[];
  /** Each row's search text, computed once per rows array (ahead, while idle; else by the first search). */
  texts: string[];
  /** The texts joined per block (built while idle once the texts are complete); complete when they cover every row. */
  blocks: TextBlock[];
  /** This search scans the blocks (every row, by indexOf) rather than the pool row by row. */
  indexed: boolean;
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

const blocksCover = (blocks: readonly TextBlock[], rows: number): boolean => {
  const last = blocks[blocks.length - 1];
  return rows === 0 || (last !== undefined && last.first + last.starts.length - 1 >= rows);
};

/** Joins the next blocks of `texts` (only while every text is computed) until `until()` says stop; whether they cover every row. */
export function fillBlocks(texts: readonly string[], rows: number, blocks: TextBlock[], until: () => boolean): boolean {
  if (texts.length < rows) return false;
  while (!blocksCover(blocks, rows)) {
    const first = blocks.length * BLOCK_ROWS;
    const part = texts.slice(first, Math.min(rows, first + BLOCK_ROWS));
    const starts = new Int32Array(part.length + 1);
    for (let i = 0, at = 0; i < part.length; i++) starts[i + 1] = at += part[i]!.length + 1;
    blocks.push({ first, text: part.join('\0') + '\0', starts });
    if (until()) return blocksCover(blocks, rows);
  }
  return true;
}

/** The last index whose start is at or before `at`. */
function rowAt(starts: Int32Array, at: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= at) lo = mid;
    else hi = mid;
  }
  return lo;
}

/** Scans on until `until()` (asked every `every` rows: 1023 for a clock check) says stop or the pool ends. */
function scan(s: VmSearchState, until: () => boolean, every = 0): void {
  if (s.indexed) {
    scanBlocks(s, until, every);
    // Still indexed: stopped by `until` or done. Else the matches proved dense: row by row from here.
    if (s.indexed) return;
  }
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

/** scan() over the blocks: indexOf of the longest word jumps to the next candidate row. */
function scanBlocks(s: VmSearchState, until: () => boolean, every: number): void {
  const { rows, texts, blocks, words, hits, hitTexts } = s;
  const key = words.reduce((a, b) => (b.length > a.length ? b : a));
  let i = s.scanned;
  let asked = 0;
  while (i < rows.length) {
    const block = blocks[(i / BLOCK_ROWS) | 0]!;
    const at = block.text.indexOf(key, block.starts[i - block.first]!);
    if (at < 0) i = block.first + block.starts.length - 1;
    else {
      const row = block.first + rowAt(block.starts, at);
      const text = texts[row]!;
      if (words.length === 1 || vmTextMatches(text, words)) {
        hits.push(rows[row]!);
        hitTexts.push(text);
      }
      i = row + 1;
    }
    // A clock check (every > 0) on every 64th step: each step may cover a whole block.
    if (every === 0 || (++asked & 63) === 0) {
      // Where most rows match, a jump per match costs more than a look at each row: the rest goes row by row (pool === rows, same index).
      if (i >= 1024 && hits.length * 4 > i) {
        s.indexed = false;
        break;
      }
      if (until()) break;
    }
  }
  s.scanned = i;
}

/** Starts a search of `rows` for `query` (reusing what `previous` computed) and runs it until the first screen of matches is found. */
export function startVmSearch(rows: readonly VmSummary[], query: string, previous: VmSearchState | null, firstScreen = FIRST_SCREEN): VmSearchState {
  const words = vmSearchWords(query);
  const same = previous !== null && previous.rows === rows;
  const texts = same ? previous.texts : [];
  const blocks = same ? previous.blocks : [];
  if (words.length === 0) return { rows, texts, blocks, indexed: false, words, pool: rows, poolTexts: [], scanned: rows.length, hits: rows as VmSummary[], hitTexts: [] };
  fillTexts(rows, texts, () => false);
  let pool: readonly VmSummary[] = rows;
  let poolTexts: readonly string[] = texts;
  const narrowing = same && previous.words.length > 0 && narrows(previous.words, words);
  const done = narrowing && searchDone(previous);
  // The blocks find a word in every row faster than a row-by-row look at more than an eighth of them.
  const indexed = blocksCover(blocks, rows.length) && !words.some((w) => w.includes('\0')) && !(done && previous.hits.length * 8 < rows.length);
  if (narrowing && !indexed) {
    // Every match lies among the previous search's matches so far or the rows it had not reached.
    pool = done ? previous.hits : previous.hits.concat(previous.pool.slice(previous.scanned));
    poolTexts = done ? previous.hitTexts : previous.hitTexts.concat(previous.poolTexts.slice(previous.scanned));
  }
  const s: VmSearchState = { rows, texts, blocks, indexed, words, pool, poolTexts, scanned: 0, hits: [], hitTexts: [] };
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
export function useVmTableFilter(rows: readonly VmSummary[], query: string): { rows: readonly VmSummary[]; complete: boolean } {
  const last = useRef<VmSearchState | null>(null);
  const [, setProgress] = useState(0);
  const state = useMemo(() => {
    const next = startVmSearch(rows, query, last.current);
    last.current = next;
    return next;
  }, [rows, query]);
  useEffect(() => {
    // Compute the rows' texts and blocks between frames, ready for the next keystrokes.
    if (blocksCover(state.blocks, state.rows.length)) return;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const slice = (): void => {
      const start = performance.now();
      const until = (): boolean => performance.now() - start > SLICE_MS;
      const ready = fillTexts(state.rows, state.texts, until) && !until() && fillBlocks(state.texts, state.rows.length, state.blocks, until);
      timer = ready ? null : setTimeout(slice, 0);
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
