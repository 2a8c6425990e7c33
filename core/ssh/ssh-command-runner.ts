import { OutpostError } from '../contract/errors.js';
import type { CommandResult, CommandRunner, RunOptions } from '../exec/command-runner.js';
import type { SshConnectionPool } from './ssh-connection-pool.js';
import { shellQuote } from './shell-quote.js';
import { targetLabel, type SshTarget } from './ssh-target.js';

/**
 * Runs argv on a remote host over SSH for the firewall drivers. sshd hands an exec request to
 * the user's shell as one string, so every word is single-quoted (`shellQuote`): an address or a
 * comment can never become a second command. A non-zero exit is returned, not thrown, as the
 * local runner does; connection and host-key failures throw with their own codes.
 */
export class SshCommandRunner implements CommandRunner {
  readonly where: string;

  constructor(
    private readonly pool: SshConnectionPool,
    private readonly target: SshTarget,
  ) {
    this.where = `ssh ${targetLabel(target)}`;
  }

  async run(argv: readonly string[], options: RunOptions = {}): Promise<CommandResult> {
    if (argv.length === 0) throw new OutpostError('VALIDATION', 'No command to run.');
    const r = await this.pool.exec(this.target, shellQuote(argv), {
      ...(options.input !== undefined ? { input: options.input } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
    });
    return { code: r.exitCode ?? 128 + 9, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }
}
