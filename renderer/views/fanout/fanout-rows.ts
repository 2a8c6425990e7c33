import { parseHostPort, type FanoutRow } from '../../../core/contract';
import type { SortKey } from './fanout-store';

/** The pasted target list: one host[:port] per line (or separated by spaces/commas); # starts a comment. */
export function parseTargets(text: string): { hosts: string[]; invalid: { line: number; text: string }[] } {
  const hosts: string[] = [];
  const invalid: { line: number; text: string }[] = [];
  const seen = new Set<string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    for (const word of line.split(/[\s,]+/).filter(Boolean)) {
      const parsed = parseHostPort(word);
      if (!parsed) invalid.push({ line: i + 1, text: word });
      else if (!seen.has(word)) {
        seen.add(word);
        hosts.push(word);
      }
    }
  });
  return { hosts, invalid };
}

export const rowFailed = (r: FanoutRow): boolean => r.state === 'cancelled' || (r.state === 'done' && (r.exitCode !== 0 || r.error !== null));

/** Sorted for the table; exit codes and durations not known yet sort last either way. */
export function sortRows(rows: readonly FanoutRow[], key: SortKey, descending: boolean): FanoutRow[] {
  const dir = descending ? -1 : 1;
  const missingLast = (a: number | null, b: number | null): number => (a === null && b === null ? 0 : a === null ? 1 : b === null ? -1 : (a - b) * dir);
  const compare = (a: FanoutRow, b: FanoutRow): number => {
    if (key === 'host') return a.host.localeCompare(b.host, undefined, { numeric: true }) * dir;
    if (key === 'exit') return missingLast(a.exitCode ?? (a.state === 'done' || a.state === 'cancelled' ? -1 : null), b.exitCode ?? (b.state === 'done' || b.state === 'cancelled' ? -1 : null));
    if (key === 'duration') return missingLast(a.durationMs, b.durationMs);
    return (a.index - b.index) * dir;
  };
  return rows.slice().sort((a, b) => compare(a, b) || a.index - b.index);
}

export const firstLine = (text: string): string => text.split('\n')[0] ?? '';

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}
