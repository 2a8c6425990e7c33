import type { WinrmClient } from '../winrm/winrm-client.js';
import type { TerminalSession } from '../exec/terminal-session.js';

type CloseReason = { exitCode: number | null; signal: string | null };

/** How long one console line may run before it is terminated. */
const LINE_TIMEOUT_MS = 10 * 60_000;

/**
 * A PowerShell console over WinRM as a TerminalSession. WS-Management has no pty, so the console
 * edits the line locally (echo, backspace, Ctrl-C, Ctrl-U) and runs each entered line as one
 * PowerShell command (`-EncodedCommand`), streaming its output back with CRLF line ends. State
 * such as variables does not carry from one line to the next; the banner says so.
 */
export class WinrmConsoleSession implements TerminalSession {
  private line = '';
  private running = false;
  private closed = false;
  private paused = false;
  private held: Buffer[] = [];
  private readonly dataListeners = new Set<(chunk: Buffer) => void>();
  private readonly closeListeners = new Set<(reason: CloseReason) => void>();

  constructor(
    readonly title: string,
    private readonly client: WinrmClient,
  ) {}

  /** Prints the banner and the first prompt (after the service listens). */
  start(): void {
    this.out(`\x1b[2mPowerShell on ${this.title} over WinRM. Each line runs as its own command: variables do not carry over.\x1b[0m\r\n`);
    this.prompt();
  }

  private prompt(): void {
    this.out('\x1b[1mPS>\x1b[0m ');
  }

  private out(text: string): void {
    const chunk = Buffer.from(text, 'utf8');
    if (this.paused) this.held.push(chunk);
    else for (const l of this.dataListeners) l(chunk);
  }

  write(data: string | Buffer): void {
    if (this.closed) return;
    for (const ch of typeof data === 'string' ? data : data.toString('utf8')) {
      if (this.running) {
        if (ch === '\x03') this.out('^C \x1b[2m(the command keeps running on the server until it ends or times out)\x1b[0m\r\n');
        continue;
      }
      if (ch === '\r' || ch === '\n') {
        this.out('\r\n');
        const command = this.line.trim();
        this.line = '';
        if (command) void this.run(command);
        else this.prompt();
      } else if (ch === '\x7f' || ch === '\b') {
        if (this.line.length > 0) {
          this.line = this.line.slice(0, -1);
          this.out('\b \b');
        }
      } else if (ch === '\x03') {
        this.line = '';
        this.out('^C\r\n');
        this.prompt();
      } else if (ch === '\x15') {
        this.out('\b \b'.repeat(this.line.length));
        this.line = '';
      } else if (ch >= ' ') {
        this.line += ch;
        this.out(ch);
      }
    }
  }

  private async run(command: string): Promise<void> {
    this.running = true;
    try {
      const r = await this.client.runPowerShell(command, { timeoutMs: LINE_TIMEOUT_MS });
      if (r.stdout) this.out(crlf(r.stdout));
      if (r.stderr) this.out(`\x1b[31m${crlf(r.stderr)}\x1b[0m`);
      if (r.exitCode !== 0) this.out(`\x1b[2m(exit code ${r.exitCode})\x1b[0m\r\n`);
    } catch (err) {
      this.out(`\x1b[31m${err instanceof Error ? err.message : String(err)}\x1b[0m\r\n`);
    } finally {
      this.running = false;
    }
    if (!this.closed) this.prompt();
  }

  resize(): void {
    // No pty on the other side: output is not laid out for a width.
  }

  kill(): void {
    if (this.closed) return;
    this.closed = true;
    this.client.close();
    for (const l of this.closeListeners) l({ exitCode: null, signal: null });
  }

  pause(): void {
    this.paused = true;
  }

  resume(): void {
    this.paused = false;
    const held = this.held;
    this.held = [];
    for (const chunk of held) for (const l of this.dataListeners) l(chunk);
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

const crlf = (text: string): string => {
  const t = text.replace(/\r?\n/g, '\r\n');
  return t.endsWith('\r\n') ? t : `${t}\r\n`;
};
