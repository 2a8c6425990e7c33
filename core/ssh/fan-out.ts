import { toContractError, type ContractError } from '../contract/errors.js';
import type { ExecResult } from './ssh-connection.js';

export interface FanOutResult {
  host: string;
  /** null when the command never ran (connection, auth, host key) or died by a signal. */
  exitCode: number | null;
  durationMs: number;
  /** The first lines of stdout and stderr, for a results table. */
  stdoutHead: string;
  stderrHead: string;
  error: ContractError | null;
}

export interface FanOutOptions {
  concurrency: number;
  /** Lines of output kept per host. */
  headLines?: number;
  onResult?: (result: FanOutResult) => void;
}

const head = (buf: Buffer, lines: number): string => buf.toString('utf8').split('\n').slice(0, lines).join('\n').trimEnd();

/**
 * Runs one operation per host with at most `concurrency` at once. A host that fails (cannot be
 * reached, refuses the key, times out) gives a result with its error; it never stops the others.
 * Results come back in the order of `hosts`.
 */
export async function fanOut<H extends { label: string }>(hosts: readonly H[], run: (host: H) => Promise<ExecResult>, options: FanOutOptions): Promise<FanOutResult[]> {
  const results: FanOutResult[] = new Array<FanOutResult>(hosts.length);
  const lines = options.headLines ?? 5;
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < hosts.length) {
      const index = next++;
      const host = hosts[index]!;
      const started = performance.now();
      let result: FanOutResult;
      try {
        const r = await run(host);
        result = { host: host.label, exitCode: r.exitCode, durationMs: Math.round(r.durationMs), stdoutHead: head(r.stdout, lines), stderrHead: head(r.stderr, lines), error: null };
      } catch (err) {
        result = { host: host.label, exitCode: null, durationMs: Math.round(performance.now() - started), stdoutHead: '', stderrHead: '', error: toContractError(err) };
      }
      results[index] = result;
      options.onResult?.(result);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency, hosts.length)) }, worker));
  return results;
}
