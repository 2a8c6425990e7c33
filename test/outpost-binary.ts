import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built CLI (`npm run build:node`). */
export const outpostBin = join(import.meta.dirname, '..', 'bin', 'outpost.mjs');

export interface OutpostRun {
  code: number;
  /** The signal that ended the process (a fault injection's SIGKILL), else null. */
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Each stdout line with the ms since start at which it arrived (to tell live output from output at the end). */
  lines: { at: number; text: string }[];
}

/**
 * Runs the built `outpost` binary without blocking this process (peers such as the WS-Man test
 * server may live in it), with no ssh-agent, stdin from `input`. `timeoutMs` ends it with SIGTERM.
 */
export function runOutpost(args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number } = {}): Promise<OutpostRun> {
  return new Promise((resolve) => {
    const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
    delete env.SSH_AUTH_SOCK;
    const t0 = performance.now();
    const child = spawn(process.execPath, [outpostBin, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let partial = '';
    const lines: OutpostRun['lines'] = [];
    child.stdout.on('data', (c: Buffer) => {
      stdout += c.toString();
      partial += c.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const text of parts) lines.push({ at: performance.now() - t0, text });
    });
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGTERM'), options.timeoutMs) : null;
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code: code ?? -1, signal, stdout, stderr, lines });
    });
    child.stdin.end(options.input ?? '');
  });
}
