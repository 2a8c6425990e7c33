import { OutpostError } from '../contract/errors.js';
import type { TerminalSession } from '../exec/terminal-session.js';
import { SshConnection, type SshConnectOptions } from './ssh-connection.js';
import type { SshTarget } from './ssh-target.js';

export interface ReconnectOptions extends SshConnectOptions {
  cols: number;
  rows: number;
  /** Reconnect attempts after a lost connection before giving up. */
  maxAttempts?: number;
  /** First wait between attempts; doubles each time. */
  backoffMs?: number;
}

type CloseReason = { exitCode: number | null; signal: string | null };

/**
 * A pty shell that survives a dropped connection: when the channel closes without an exit
 * status (the network or the server went away, not the user typing `exit`), it opens a new
 * connection — host key verified again — and a new shell of the same size, telling the user in
 * the terminal itself. The remote shell's state is not preserved (no tmux magic); the tab is.
 */
export class ReconnectingShell implements TerminalSession {
  private connection: SshConnection | null = null;
  private session: TerminalSession | null = null;
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(reason: CloseReason) => void>();
  private killed = false;
  private closed = false;
  private paused = false;
  private size: { cols: number; rows: number };
  /** How many times the connection was re-established (for the UI's status). */
  reconnects = 0;

  private constructor(
    private readonly target: SshTarget,
    private readonly options: ReconnectOptions,
  ) {
    this.size = { cols: options.cols, rows: options.rows };
  }

  static async open(target: SshTarget, options: ReconnectOptions): Promise<ReconnectingShell> {
    const shell = new ReconnectingShell(target, options);
    await shell.attach();
    return shell;
  }

  /** The live SSH connection (null while reconnecting): the file pane opens SFTP channels on it. */
  get sshConnection(): SshConnection | null {
    return this.connection;
  }

  get title(): string {
    return this.connection?.label ?? '';
  }

  private emit(chunk: Buffer): void {
    for (const l of this.dataListeners) l(chunk);
  }

  private notice(text: string): void {
    this.emit(Buffer.from(`\r\n\x1b[33m[outpost] ${text}\x1b[0m\r\n`));
  }

  private async attach(): Promise<void> {
    const connection = await SshConnection.open(this.target, this.options);
    const session = await connection.shell({ cols: this.size.cols, rows: this.size.rows });
    this.connection = connection;
    this.session = session;
    if (this.paused) session.pause();
    session.onData((chunk) => this.emit(chunk));
    session.onClose((reason) => void this.onInnerClose(session, reason));
  }

  private async onInnerClose(session: TerminalSession, reason: CloseReason): Promise<void> {
    if (session !== this.session) return;
    const lost = !this.killed && reason.exitCode === null && reason.signal === null;
    this.connection?.close();
    this.connection = null;
    this.session = null;
    if (!lost) return this.finish(reason);
    const attempts = this.options.maxAttempts ?? 5;
    let wait = this.options.backoffMs ?? 500;
    for (let attempt = 1; attempt <= attempts && !this.killed; attempt++) {
      this.notice(`connection lost; reconnecting (${attempt}/${attempts})…`);
      await new Promise((r) => setTimeout(r, wait));
      wait *= 2;
      if (this.killed) break;
      try {
        await this.attach();
        this.reconnects++;
        this.notice('reconnected (a new shell: the previous one ended with the connection)');
        return;
      } catch (err) {
        const e = err instanceof OutpostError ? err : null;
        // A changed host key or refused credentials will not fix themselves: stop at once.
        if (e && (e.code === 'HOST_KEY_CHANGED' || e.code === 'HOST_KEY_UNKNOWN' || e.code === 'SSH_AUTH')) {
          this.notice(e.message);
          break;
        }
      }
    }
    if (!this.killed) this.notice('could not reconnect; the session is closed.');
    this.finish({ exitCode: null, signal: null });
  }

  private finish(reason: CloseReason): void {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.closeListeners) l(reason);
  }

  write(data: string | Buffer): void {
    this.session?.write(data);
  }

  resize(cols: number, rows: number): void {
    this.size = { cols, rows };
    this.session?.resize(cols, rows);
  }

  kill(): void {
    this.killed = true;
    const hadSession = this.session !== null;
    this.session?.kill();
    this.connection?.close();
    if (!hadSession) this.finish({ exitCode: null, signal: null });
  }

  pause(): void {
    this.paused = true;
    this.session?.pause();
  }

  resume(): void {
    this.paused = false;
    this.session?.resume();
  }

  onData(listener: (chunk: Buffer) => void): () => void {
    this.dataListeners.add(listener);
    return () => this.dataListeners.delete(listener);
  }

  onClose(listener: (reason: CloseReason) => void): () => void {
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }
}
