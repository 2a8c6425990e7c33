import { closeSync, mkdirSync, openSync, rmSync, write, writeSync } from 'node:fs';
import { OutpostError } from '../../contract/errors.js';

/** Buffered output is written when it reaches this size, or after FLUSH_MS. */
const FLUSH_BYTES = 256 * 1024;
const FLUSH_MS = 500;

export interface AsciicastHeader {
  cols: number;
  rows: number;
  title: string;
  /** Unix seconds of the start. */
  timestamp: number;
}

/** What a failed write is reported as (once): the disk is full, the folder became unwritable... */
export function recordingError(err: unknown, path: string): OutpostError {
  const code = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : 'EIO';
  const why = code === 'ENOSPC' ? 'the disk is full' : code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'the recordings folder is not writable' : `the write failed (${code})`;
  return new OutpostError('RECORDING_FAILED', `Cannot record this session to ${path}: ${why}. Free space or fix the folder's permissions (Settings → Recordings), or turn recording off.`, { reason: code });
}

/**
 * A session recording in asciicast v2 (one JSON header line, then `[seconds, "o", text]` per
 * output chunk and `[seconds, "r", "COLSxROWS"]` per resize). Output only: what the user types is
 * never written, so a password typed at a prompt (which the remote does not echo) is not kept.
 * Writes are buffered and asynchronous (a flood of output costs a JSON.stringify per chunk and a
 * write per 256 KiB); the first failed write stops the recording and is reported once.
 */
export class AsciicastWriter {
  private readonly fd: number;
  private readonly started = performance.now();
  private readonly decoder = new TextDecoder('utf-8');
  private buffer: string[] = [];
  private buffered = 0;
  private timer: NodeJS.Timeout | null = null;
  private writing: Promise<void> = Promise.resolve();
  private failed: OutpostError | null = null;
  private closed = false;
  /** Bytes handed to the file so far (header included). */
  bytes = 0;

  /** Creates the file (0600, in a 0700 folder); throws RECORDING_FAILED when it cannot. */
  constructor(
    readonly path: string,
    header: AsciicastHeader,
    private readonly onError: (err: OutpostError) => void,
  ) {
    try {
      mkdirSync(path.slice(0, path.lastIndexOf('/')), { recursive: true, mode: 0o700 });
      this.fd = openSync(path, 'wx', 0o600);
    } catch (err) {
      throw recordingError(err, path);
    }
    // env.TERM tells a player which terminal the output was meant for. Written at once, so a full
    // disk or a broken folder is known before the session starts.
    const head = Buffer.from(`${JSON.stringify({ version: 2, width: header.cols, height: header.rows, timestamp: header.timestamp, title: header.title, env: { TERM: 'xterm-256color' } })}\n`);
    try {
      writeSync(this.fd, head);
    } catch (err) {
      closeSync(this.fd);
      rmSync(path, { force: true });
      throw recordingError(err, path);
    }
    this.bytes = head.length;
  }

  private get elapsed(): number {
    return Math.round(performance.now() - this.started) / 1000;
  }

  output(chunk: Uint8Array): void {
    if (this.closed) return;
    // stream: a UTF-8 sequence split across chunks is completed by the next one.
    const text = this.decoder.decode(chunk, { stream: true });
    if (text) this.push(`${JSON.stringify([this.elapsed, 'o', text])}\n`);
  }

  resize(cols: number, rows: number): void {
    if (!this.closed) this.push(`${JSON.stringify([this.elapsed, 'r', `${cols}x${rows}`])}\n`);
  }

  /** Seconds since the start. */
  get duration(): number {
    return this.elapsed;
  }

  private push(line: string): void {
    this.buffer.push(line);
    this.buffered += line.length;
    if (this.buffered >= FLUSH_BYTES) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0 || this.failed) return;
    const data = Buffer.from(this.buffer.join(''), 'utf8');
    this.buffer = [];
    this.buffered = 0;
    this.writing = this.writing.then(() => this.writeAll(data));
  }

  private async writeAll(data: Buffer): Promise<void> {
    let at = 0;
    while (at < data.length && !this.failed) {
      try {
        at += await new Promise<number>((resolve, reject) => write(this.fd, data, at, data.length - at, null, (err, n) => (err ? reject(err) : resolve(n))));
      } catch (err) {
        this.failed = recordingError(err, this.path);
        this.closed = true;
        this.buffer = [];
        this.onError(this.failed);
      }
    }
    this.bytes += at;
  }

  /** Writes what is left and closes the file; resolves with the figures for the audit row. */
  async finish(): Promise<{ bytes: number; durationMs: number; error: OutpostError | null }> {
    const durationMs = Math.round(performance.now() - this.started);
    if (!this.closed) {
      const tail = this.decoder.decode();
      if (tail) this.push(`${JSON.stringify([this.elapsed, 'o', tail])}\n`);
    }
    this.closed = true;
    this.flush();
    await this.writing;
    closeSync(this.fd);
    return { bytes: this.bytes, durationMs, error: this.failed };
  }
}
