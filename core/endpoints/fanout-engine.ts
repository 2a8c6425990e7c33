import { OutpostError, toContractError, type ContractError } from '../contract/errors.js';
import type { SshConnectionPool } from '../ssh/ssh-connection-pool.js';
import type { SshTarget } from '../ssh/ssh-target.js';

/**
 * The last `limit` bytes of a stream (a ring): a host that floods keeps its tail, which is where
 * errors are, and memory per host stays bounded. `dropped` says how much of the start was lost.
 */
export class OutputRing {
  private chunks: Buffer[] = [];
  private held = 0;
  dropped = 0;

  constructor(readonly limit: number) {}

  append(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.held += chunk.length;
    while (this.held > this.limit && this.chunks.length) {
      const first = this.chunks[0]!;
      const over = this.held - this.limit;
      if (first.length <= over) {
        this.chunks.shift();
        this.held -= first.length;
        this.dropped += first.length;
      } else {
        this.chunks[0] = first.subarray(over);
        this.held -= over;
        this.dropped += over;
      }
    }
  }

  get bytes(): number {
    return this.held;
  }

  /** Bytes appended since the start, kept or dropped. */
  get written(): number {
    return this.dropped + this.held;
  }

  /** The kept text; a cut in the middle of a UTF-8 character at the start shows as U+FFFD. */
  text(): string {
    if (this.chunks.length > 1) this.chunks = [Buffer.concat(this.chunks)];
    return (this.chunks[0] ?? Buffer.alloc(0)).toString('utf8');
  }
}

/** Output kept per stream and host by default: the last 2 MiB (200 hosts flooding: at most 800 MiB). */
export const DEFAULT_OUTPUT_BYTES = 2 * 1024 * 1024;

export interface FanoutHost {
  target: SshTarget;
  label: string;
}

export interface FanoutHostResult {
  index: number;
  label: string;
  /** null: the command never ran (connection, auth, host key, cancel) or died by a signal. */
  exitCode: number | null;
  durationMs: number;
  stdout: OutputRing;
  stderr: OutputRing;
  error: ContractError | null;
  cancelled: boolean;
}

export interface FanoutRunOptions {
  pool: SshConnectionPool;
  concurrency: number;
  timeoutMs: number;
  signal?: AbortSignal;
  /** Bytes kept per stream and host (OutputRing). */
  outputBytes?: number;
  /** Where a host's output is kept, when the caller keeps it already (a job's rows): one copy, not two. */
  rings?(index: number): { stdout: OutputRing; stderr: OutputRing };
  onStart?(index: number): void;
  /** Each chunk as it arrives (live view). */
  onOutput?(index: number, stream: 'stdout' | 'stderr', chunk: Buffer): void;
  onResult?(result: FanoutHostResult): void;
}

export interface FanoutTally {
  total: number;
  ok: number;
  failed: number;
  cancelled: number;
}

export const tally = (results: readonly Pick<FanoutHostResult, 'exitCode' | 'error' | 'cancelled'>[]): FanoutTally => {
  const t = { total: results.length, ok: 0, failed: 0, cancelled: 0 };
  for (const r of results) {
    if (r.cancelled) t.cancelled++;
    else if (r.exitCode === 0 && !r.error) t.ok++;
    else t.failed++;
  }
  return t;
};

/** How an audit row names a run: how many hosts succeeded and failed, not just "failed". */
export const tallyText = (t: FanoutTally): string => `${t.total} hosts: ${t.ok} ok, ${t.failed} failed${t.cancelled ? `, ${t.cancelled} cancelled` : ''}`;

/** Rejects as soon as the signal fires, whatever `work` is doing (a connect that hangs included). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal | undefined, what: string): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(new OutpostError('CANCELLED', `${what} was cancelled.`));
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(new OutpostError('CANCELLED', `${what} was cancelled.`));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/**
 * The one fan-out engine (the UI's jobs, ssh.fanout and `outpost fanout` all run on it): one
 * command on every host with at most `concurrency` at once, each host's whole output streamed
 * (onOutput) and its tail kept (OutputRing). A host that fails never stops the others; an abort
 * stops the running hosts and skips the rest. Results come back in the order of `hosts`.
 */
export async function runFanout(hosts: readonly (FanoutHost & { index?: number })[], command: string, o: FanoutRunOptions): Promise<FanoutHostResult[]> {
  const results = new Array<FanoutHostResult>(hosts.length);
  const limit = o.outputBytes ?? DEFAULT_OUTPUT_BYTES;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const position = next++;
      const host = hosts[position]!;
      const index = host.index ?? position;
      const { stdout, stderr } = o.rings?.(index) ?? { stdout: new OutputRing(limit), stderr: new OutputRing(limit) };
      const started = performance.now();
      let result: FanoutHostResult;
      if (o.signal?.aborted) {
        result = { index, label: host.label, exitCode: null, durationMs: 0, stdout, stderr, error: { code: 'CANCELLED', message: 'Cancelled before it started.' }, cancelled: true };
      } else {
        o.onStart?.(index);
        try {
          const r = await untilAborted(
            o.pool.exec(host.target, command, {
              timeoutMs: o.timeoutMs,
              ...(o.signal ? { signal: o.signal } : {}),
              keepOutput: false,
              onStdout: (c) => {
                stdout.append(c);
                o.onOutput?.(index, 'stdout', c);
              },
              onStderr: (c) => {
                stderr.append(c);
                o.onOutput?.(index, 'stderr', c);
              },
            }),
            o.signal,
            `The command on ${host.label}`,
          );
          result = { index, label: host.label, exitCode: r.exitCode, durationMs: Math.round(r.durationMs), stdout, stderr, error: null, cancelled: false };
        } catch (err) {
          const error = toContractError(err);
          const cancelled = !!o.signal?.aborted || error.code === 'CANCELLED';
          result = { index, label: host.label, exitCode: null, durationMs: Math.round(performance.now() - started), stdout, stderr, error: cancelled ? { code: 'CANCELLED', message: `Cancelled while running on ${host.label}.` } : error, cancelled };
        }
      }
      results[position] = result;
      o.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(o.concurrency, hosts.length)) }, worker));
  return results;
}

/**
 * The first `lines` lines (at most `chars` characters) of a text, for a results table; `cut` when
 * more followed. Reads only as far as the head (and the first non-blank character after it), not
 * the whole output: a host that printed 2 MiB costs as much as one that printed a line.
 */
export function headOf(all: string, lines: number, chars = 4000): { text: string; cut: boolean } {
  if (lines <= 0) return { text: '', cut: /\S/.test(all) };
  // The index of the `lines`-th line break, if there is one.
  let at = -1;
  for (let n = 0; n < lines; n++) {
    at = all.indexOf('\n', at + 1);
    if (at < 0) break;
  }
  let text = at < 0 ? all : all.slice(0, at);
  let cut = false;
  if (at >= 0) {
    const rest = /\S/g;
    rest.lastIndex = at + 1;
    cut = rest.test(all);
  }
  if (text.length > chars) {
    text = text.slice(0, chars);
    cut = true;
  }
  return { text: text.trimEnd(), cut };
}

/** A host's result for a results table or the CLI (ssh.fanout's output): heads, not the whole output. */
export interface FanOutResult {
  host: string;
  exitCode: number | null;
  durationMs: number;
  stdoutHead: string;
  stderrHead: string;
  error: ContractError | null;
}

export const resultRow = (r: FanoutHostResult, lines: number): FanOutResult => ({
  host: r.label,
  exitCode: r.exitCode,
  durationMs: r.durationMs,
  stdoutHead: headOf(r.stdout.text(), lines).text,
  stderrHead: headOf(r.stderr.text(), lines).text,
  error: r.error,
});
