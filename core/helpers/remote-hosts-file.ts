import { createHash } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';
import type { CommandRunner } from '../exec/command-runner.js';
import { unifiedDiff } from './hosts-diff.js';
import { mergeHostsFile, type HostEntry } from './hosts-entries.js';

export const sha256 = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const TIMEOUT_MS = 30_000;

/** Prints the file (through a symlink) or exits 3 when there is none; `$1` is the path. */
const READ = 'f=$(readlink -f -- "$1" 2>/dev/null || printf %s "$1"); [ -e "$f" ] || exit 3; exec cat -- "$f"';

/**
 * Writes stdin over the file ($1, through a symlink) only when it arrived whole: it goes to a temp
 * file in the same folder, its sha256 must be $2 (a connection lost mid-push gives the shell an
 * early EOF, and without this check a truncated file would be renamed into place), the file must
 * still be the one previewed ($3, sha256; empty: not checked), then it takes the old file's mode
 * and owner and is renamed over it (atomic: a reader sees the old file or the new one). Any failure
 * removes the temp file and leaves the old file as it was.
 */
const WRITE = [
  'set -u',
  'f=$(readlink -f -- "$1" 2>/dev/null || printf %s "$1")',
  'dir=$(dirname -- "$f"); base=$(basename -- "$f")',
  'tmp=$(mktemp -- "$dir/.$base.outpost-XXXXXX") || { echo "cannot create a temp file in $dir" >&2; exit 70; }',
  "trap 'rm -f -- \"$tmp\"' EXIT HUP INT TERM PIPE",
  'cat > "$tmp" || exit 71',
  'got=$(sha256sum < "$tmp" | cut -c1-64)',
  '[ "$got" = "$2" ] || { echo "the new file arrived incomplete; nothing was changed" >&2; exit 72; }',
  'if [ -n "$3" ]; then now=$( (cat -- "$f" 2>/dev/null || :) | sha256sum | cut -c1-64); [ "$now" = "$3" ] || { echo "changed since the preview" >&2; exit 73; }; fi',
  'if [ -e "$f" ]; then chmod "$(stat -c %a -- "$f")" "$tmp" && { chown "$(stat -c %u:%g -- "$f")" "$tmp" 2>/dev/null || :; }; else chmod 644 "$tmp"; fi || exit 74',
  'sync -- "$tmp" 2>/dev/null || :',
  'mv -f -- "$tmp" "$f" || exit 75',
].join('\n');

/** The hosts file's text on the node ('' when it has none). */
export async function readRemoteHosts(runner: CommandRunner, path: string, signal?: AbortSignal): Promise<string> {
  const r = await runner.run(['sh', '-c', READ, 'outpost-hosts', path], { timeoutMs: TIMEOUT_MS, ...(signal ? { signal } : {}) });
  if (r.code === 3) return '';
  if (r.code !== 0) throw new OutpostError('REMOTE_COMMAND', `Cannot read ${path} (${runner.where}): ${r.stderr.trim() || `exit ${r.code}`}`);
  // Outpost rewrites the file from this text: bytes that are not UTF-8 would not survive the round trip.
  if (r.stdout.includes('\uFFFD')) throw new OutpostError('VALIDATION', `${path} (${runner.where}) is not UTF-8 text; Outpost leaves it alone. Fix its encoding first.`);
  return r.stdout;
}

export interface HostsPlan {
  path: string;
  before: string;
  after: string;
  /** sha256 of `before`: a push with it refuses a file that changed since. */
  baseSha256: string;
  changed: boolean;
  diff: string;
}

/** What pushing `entries` would change in the node's hosts file (nothing is written). */
export async function planRemoteHosts(runner: CommandRunner, path: string, entries: HostEntry[], signal?: AbortSignal): Promise<HostsPlan> {
  const before = await readRemoteHosts(runner, path, signal);
  const after = mergeHostsFile(before, entries);
  return { path, before, after, baseSha256: sha256(before), changed: before !== after, diff: unifiedDiff(before, after, path) };
}

const WRITE_ERRORS: Record<number, string> = {
  70: 'cannot create a temporary file beside it (is the user root, or allowed to write that folder?)',
  71: 'the new text could not be written to the temporary file',
  72: 'the new text arrived incomplete (connection lost?)',
  73: 'it changed since the preview; preview again',
  74: "the old file's mode could not be copied",
  75: 'the temporary file could not be renamed over it',
};

/**
 * Writes `plan.after` over the node's hosts file atomically, or leaves it as it was. A plan with
 * nothing to change writes nothing. `expectSha256` (from a preview) refuses a file edited since.
 */
export async function applyRemoteHosts(runner: CommandRunner, plan: HostsPlan, options: { expectSha256?: string | undefined; signal?: AbortSignal } = {}): Promise<void> {
  if (!plan.changed) return;
  const r = await runner.run(['sh', '-c', WRITE, 'outpost-hosts', plan.path, sha256(plan.after), options.expectSha256 ?? ''], {
    input: plan.after,
    timeoutMs: TIMEOUT_MS,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  if (r.code === 0) return;
  const why = WRITE_ERRORS[r.code] ?? r.stderr.trim() ?? `exit ${r.code}`;
  throw new OutpostError(r.code === 73 ? 'CONFLICT' : 'REMOTE_COMMAND', `${plan.path} was not changed (${runner.where}): ${why}.`, { exitCode: r.code });
}
