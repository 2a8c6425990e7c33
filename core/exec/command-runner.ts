import { spawn } from 'node:child_process';
import { OutpostError } from '../contract/errors.js';
import { childEnv } from '../exec/child-env.js';

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/**
 * Runs a program with an argv array (never a shell string) somewhere: on this machine, inside a
 * network namespace, or on a firewall over SSH (ssh/ssh-command-runner.ts). Firewall drivers only see this.
 */
export interface CommandRunner {
  /** Where commands run, for messages: "local", "netns fw-1", "ssh root@fw:22". */
  readonly where: string;
  run(argv: readonly string[], options?: RunOptions): Promise<CommandResult>;
}

/** Runs on this machine, optionally behind a fixed argv prefix such as ['ip', 'netns', 'exec', 'fw']. */
export class LocalCommandRunner implements CommandRunner {
  constructor(
    private readonly prefix: readonly string[] = [],
    readonly where = prefix.length ? prefix.join(' ') : 'local',
  ) {}

  run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    const full = [...this.prefix, ...argv];
    const [program, ...args] = full;
    if (!program) return Promise.reject(new OutpostError('VALIDATION', 'No command to run.'));
    return new Promise((resolve, reject) => {
      // stdin only when there is input: writing to a program that already exited is EPIPE.
      // A minimal environment: ip, iptables, nft and pkexec need PATH and a locale, never the vault passphrase.
      const child = spawn(program, args, { env: childEnv(), stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'], signal: options.signal });
      let stdout = '';
      let stderr = '';
      const timer = options.timeoutMs
        ? setTimeout(() => {
            child.kill('SIGKILL');
            reject(new OutpostError('TIMEOUT', `${argv.join(' ')} took longer than ${options.timeoutMs} ms (${this.where}).`));
          }, options.timeoutMs)
        : null;
      child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
      child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
      child.on('error', (err) => {
        if (timer) clearTimeout(timer);
        reject(new OutpostError('UNREACHABLE', `Cannot run ${program} (${this.where}): ${err.message}`));
      });
      child.on('close', (code) => {
        if (timer) clearTimeout(timer);
        resolve({ code: code ?? -1, stdout, stderr });
      });
      if (child.stdin) {
        child.stdin.on('error', () => undefined); // the program may exit before reading all input; its exit code says what happened
        child.stdin.end(options.input);
      }
    });
  }
}

/** For changes to this machine: root runs the command itself; anyone else asks polkit (pkexec), never a shell. */
export function privilegedLocalRunner(): LocalCommandRunner {
  return process.getuid?.() === 0 ? new LocalCommandRunner() : new LocalCommandRunner(['pkexec'], 'pkexec');
}

/** Runs and insists on exit 0; the error names the command, where, and what it printed. */
export async function runChecked(runner: CommandRunner, argv: readonly string[], options?: RunOptions): Promise<string> {
  const r = await runner.run(argv, options);
  if (r.code !== 0) {
    throw new OutpostError('FIREWALL_COMMAND', `${argv.join(' ')} failed on ${runner.where} (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`, {
      argv,
      code: r.code,
    });
  }
  return r.stdout;
}
