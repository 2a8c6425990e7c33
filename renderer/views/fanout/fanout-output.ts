import { createStore } from 'zustand/vanilla';
import type { EventPayload, FanoutOutput } from '../../../core/contract';

/**
 * What the renderer keeps of each stream per host: the same bound as core (the last 2 MiB), so the pane
 * never holds more than `fanout.output` would give back and a chatty host cannot grow the page without end.
 */
export const KEPT_CHARS = 2 * 1024 * 1024;

export interface StreamText {
  text: string;
  /** Characters (or, after a fanout.output read, bytes) of the start no longer kept. */
  dropped: number;
  /** Bytes core had written to the stream when this text was last grown (a chunk's `end`, or fanout.output's endBytes). */
  end: number;
}

export interface HostOutput {
  stdout: StreamText;
  stderr: StreamText;
}

export interface FanoutOutputState {
  jobId: string | null;
  /** Kept output by row index. */
  hosts: Record<number, HostOutput>;
  /** The row whose output pane is open. */
  selected: number | null;
  reset(jobId: string | null): void;
  select(index: number | null): void;
  append(event: EventPayload<'fanout.output'>): void;
  /** A row runs again (re-run): its old output goes. */
  clear(indexes: readonly number[]): void;
  /** The whole kept output read with fanout.output, for a pane opened after output began. */
  replace(index: number, output: FanoutOutput): void;
}

const empty = (): HostOutput => ({ stdout: { text: '', dropped: 0, end: 0 }, stderr: { text: '', dropped: 0, end: 0 } });

/**
 * Appends a live chunk and keeps the tail (at most `limit` characters). A chunk that ends where the text
 * already reaches (it was batched while fanout.output was read) is in the text already and is skipped.
 */
export function appendBounded(s: StreamText, text: string, end: number, limit = KEPT_CHARS): StreamText {
  if (end <= s.end) return s;
  const all = s.text + text;
  if (all.length <= limit) return { text: all, dropped: s.dropped, end };
  const cut = all.length - limit;
  return { text: all.slice(cut), dropped: s.dropped + cut, end };
}

export function createFanoutOutputStore(limit = KEPT_CHARS) {
  return createStore<FanoutOutputState>()((set) => ({
    jobId: null,
    hosts: {},
    selected: null,
    reset: (jobId) => set({ jobId, hosts: {}, selected: null }),
    select: (selected) => set({ selected }),
    append: ({ jobId, chunks }) =>
      set((s) => {
        if (s.jobId !== jobId || chunks.length === 0) return s;
        const hosts = { ...s.hosts };
        for (const c of chunks) {
          const h = hosts[c.index] ?? empty();
          hosts[c.index] = { ...h, [c.stream]: appendBounded(h[c.stream], c.text, c.end, limit) };
        }
        return { hosts };
      }),
    clear: (indexes) =>
      set((s) => {
        const hosts = { ...s.hosts };
        for (const i of indexes) delete hosts[i];
        return { hosts };
      }),
    replace: (index, o) =>
      set((s) => ({
        hosts: {
          ...s.hosts,
          [index]: {
            stdout: { text: o.stdout, dropped: o.droppedBytes.stdout, end: o.endBytes.stdout },
            stderr: { text: o.stderr, dropped: o.droppedBytes.stderr, end: o.endBytes.stderr },
          },
        },
      })),
  }));
}

export const fanoutOutputStore = createFanoutOutputStore();

/** Lines of a stream that contain `query` (case-insensitive), numbered from 1; all lines when the query is empty. */
export function matchingLines(text: string, query: string): { line: number; text: string }[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const q = query.trim().toLowerCase();
  const out: { line: number; text: string }[] = [];
  lines.forEach((t, i) => {
    if (!q || t.toLowerCase().includes(q)) out.push({ line: i + 1, text: t });
  });
  return out;
}

/** A line split around each case-insensitive occurrence of `query`, to mark the matches. */
export function splitMatches(text: string, query: string): { text: string; match: boolean }[] {
  const q = query.trim().toLowerCase();
  if (!q) return [{ text, match: false }];
  const parts: { text: string; match: boolean }[] = [];
  const lower = text.toLowerCase();
  let at = 0;
  for (let i = lower.indexOf(q); i !== -1; i = lower.indexOf(q, at)) {
    if (i > at) parts.push({ text: text.slice(at, i), match: false });
    parts.push({ text: text.slice(i, i + q.length), match: true });
    at = i + q.length;
  }
  if (at < text.length) parts.push({ text: text.slice(at), match: false });
  return parts;
}
