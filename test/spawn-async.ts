import { spawn } from 'node:child_process';

export interface SpawnResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * spawnSync's result, without blocking: a test that runs child processes one after another must let
 * the vitest worker's event loop turn, or the worker's RPC to the runner times out after 60 s of
 * blocking on a loaded machine and fails the run with every test green. `timeout` kills with SIGTERM.
 */
export function spawnAsync(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number } = {}): Promise<SpawnResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: options.env ?? process.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = options.timeout ? setTimeout(() => child.kill('SIGTERM'), options.timeout) : null;
    child.once('error', (err) => {
      if (timer) clearTimeout(timer);
      reject(err);
    });
    child.once('close', (status, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ status, signal, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}
