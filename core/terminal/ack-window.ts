/**
 * Bytes a viewer may have in flight (sent, not yet drawn) before its terminal pauses. The low mark
 * is what xterm still has to chew on while a resume travels back to sshd; below ~1 MiB a busy
 * machine leaves xterm idle between bursts (bench/terminal.ts: 5 → 9.6 MB/s from 256 KiB to 1 MiB).
 */
export const TERMINAL_HIGH_WATER = 4 * 1024 * 1024;
/** A paused terminal resumes once every viewer is back below this. */
export const TERMINAL_LOW_WATER = 1024 * 1024;

/**
 * One viewer's acknowledgement window (the Tabby/VS Code flow control): bytes sent add up,
 * acknowledgements (sent by the renderer after xterm drew the bytes) subtract. Past the high-water
 * mark the viewer is "over" until it acknowledges its way below the low-water mark; the gap
 * between the two keeps a fast stream from pausing and resuming on every frame.
 */
export class AckWindow {
  private unacked = 0;
  private over = false;

  constructor(
    private readonly high = TERMINAL_HIGH_WATER,
    private readonly low = TERMINAL_LOW_WATER,
  ) {}

  get inFlight(): number {
    return this.unacked;
  }

  /** True while this viewer should hold its terminal paused. */
  get saturated(): boolean {
    return this.over;
  }

  sent(bytes: number): void {
    this.unacked += bytes;
    if (this.unacked > this.high) this.over = true;
  }

  /** An ack beyond what was sent (a confused or hostile viewer) counts as everything drawn. */
  acked(bytes: number): void {
    this.unacked = Math.max(0, this.unacked - bytes);
    if (this.over && this.unacked <= this.low) this.over = false;
  }
}
