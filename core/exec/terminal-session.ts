/**
 * An interactive terminal (the Tabby model): SSH pty shells (ssh/) and WinRM PowerShell consoles
 * (terminal/winrm-console.ts) implement it. Transports stream its bytes (MessagePort / binary
 * WebSocket frames), never JSON events; `pause`/`resume` let them apply acknowledgement backpressure.
 */
export interface TerminalSession {
  readonly title: string;
  write(data: string | Buffer): void;
  resize(cols: number, rows: number): void;
  /** Ends the session; `onClose` fires once. */
  kill(): void;
  pause(): void;
  resume(): void;
  onData(listener: (chunk: Buffer) => void): () => void;
  onClose(listener: (reason: { exitCode: number | null; signal: string | null }) => void): () => void;
}
