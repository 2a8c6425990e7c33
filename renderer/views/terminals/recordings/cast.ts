/** An asciicast v2 recording as the player uses it: size, and output events in time order. */
export interface Cast {
  cols: number;
  rows: number;
  /** [seconds, text] of each output event. */
  output: [number, string][];
  duration: number;
}

/** Parses asciicast v2 text (header line, then `[t, "o"|"r"|"i"|..., data]` lines); only output is kept. */
export function parseCast(text: string): Cast {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header: unknown = lines.length ? JSON.parse(lines[0]!) : null;
  const h = typeof header === 'object' && header !== null ? (header as Record<string, unknown>) : {};
  if (h.version !== 2) throw new Error('Not an asciicast v2 recording.');
  const output: [number, string][] = [];
  for (const line of lines.slice(1)) {
    const e: unknown = JSON.parse(line);
    if (Array.isArray(e) && typeof e[0] === 'number' && e[1] === 'o' && typeof e[2] === 'string') output.push([e[0], e[2]]);
  }
  return { cols: Number(h.width) || 80, rows: Number(h.height) || 24, output, duration: output.at(-1)?.[0] ?? 0 };
}

/** Index of the first event after `t` (events at or before t are on screen at t). */
export function eventsUntil(cast: Cast, t: number): number {
  let lo = 0;
  let hi = cast.output.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cast.output[mid]![0] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]/g;

/** Times at which `query` appears in the output (escape sequences ignored, case-insensitive), for jumping to each. */
export function searchCast(cast: Cast, query: string, max = 200): number[] {
  const q = query.toLowerCase();
  if (!q) return [];
  const hits: number[] = [];
  // A window over the last few events finds a match split across two chunks.
  let tail = '';
  for (const [t, text] of cast.output) {
    const plain = text.replace(ANSI, '').toLowerCase();
    const joined = tail + plain;
    if (joined.includes(q) && !tail.includes(q)) hits.push(t);
    if (hits.length >= max) break;
    tail = joined.slice(-Math.max(q.length - 1, 0));
  }
  return hits;
}
