import { OutpostError } from '../contract/errors.js';
import {
  TERMINAL_FRAME_MAX_PAYLOAD,
  TerminalFrameKind,
  ackBytes,
  attachSeen,
  decodeTerminalFrame,
  encodeTerminalFrame,
  textPayload,
} from '../contract/terminal-wire.js';
import type { TerminalAttachment, TerminalService } from './terminal-service.js';

/**
 * Output that follows another flush within this many ms is a stream (a flood, a build log): it
 * waits COALESCE_MS for more, so a 50 MB flood goes out as ~1,500 frames instead of ~12,000 pty
 * reads. Output after a pause (typed echo) still leaves in the same I/O turn.
 */
const STREAMING_GAP_MS = 5;
const COALESCE_MS = 4;

/**
 * One renderer's terminal stream (a host WebSocket's binary frames, or an Electron MessagePort):
 * decodes its frames into attach / input / ack / detach on the terminal service and encodes the
 * output it is sent. The transport adapters only move bytes; every rule lives here.
 */
export class TerminalStreamConnection {
  private readonly attachments = new Map<number, TerminalAttachment>();
  /** Output waiting for the next flush, per channel: a pty hands over ~4 KB at a time; one frame carries up to 64 KB. */
  private readonly pending = new Map<number, { chunks: Uint8Array[]; bytes: number }>();
  private flushScheduled = false;
  private lastFlush = -Infinity;
  private closed = false;

  constructor(
    private readonly terminals: TerminalService,
    private readonly send: (frame: Uint8Array) => void,
  ) {}

  receive(bytes: Uint8Array): void {
    if (this.closed) return;
    const frame = decodeTerminalFrame(bytes);
    if (!frame) return this.send(encodeTerminalFrame(TerminalFrameKind.error, 0, textPayload('Malformed terminal frame.')));
    const { channel } = frame;
    try {
      switch (frame.kind) {
        case TerminalFrameKind.attach:
          if (!this.attachments.has(channel)) this.attach(channel, attachSeen(frame.payload));
          break;
        case TerminalFrameKind.detach:
          this.attachments.get(channel)?.detach();
          this.attachments.delete(channel);
          this.pending.delete(channel);
          break;
        case TerminalFrameKind.ack:
          this.attachments.get(channel)?.ack(ackBytes(frame.payload));
          break;
        case TerminalFrameKind.data:
          this.terminals.write(channel, frame.payload);
          break;
        default:
          throw new OutpostError('VALIDATION', `Frame kind ${frame.kind} is not sent by a renderer.`);
      }
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      this.send(encodeTerminalFrame(TerminalFrameKind.error, channel, textPayload(message)));
    }
  }

  private attach(channel: number, seen: number): void {
    const attachment = this.terminals.attach(channel, seen, {
      data: (chunk) => this.queue(channel, chunk),
      closed: (info) => {
        if (this.closed) return;
        this.flush(channel);
        this.send(encodeTerminalFrame(TerminalFrameKind.closed, channel, textPayload(JSON.stringify(info))));
      },
    });
    this.attachments.set(channel, attachment);
  }

  /** Coalesces output until the current I/O turn ends, or a few ms while streaming (or until a frame is full): fewer, larger frames. */
  private queue(channel: number, chunk: Uint8Array): void {
    if (this.closed) return;
    let p = this.pending.get(channel);
    if (!p) {
      p = { chunks: [], bytes: 0 };
      this.pending.set(channel, p);
    }
    p.chunks.push(chunk);
    p.bytes += chunk.length;
    if (p.bytes >= TERMINAL_FRAME_MAX_PAYLOAD) this.flush(channel);
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      const flushAll = (): void => {
        this.flushScheduled = false;
        for (const id of [...this.pending.keys()]) this.flush(id);
      };
      if (performance.now() - this.lastFlush < STREAMING_GAP_MS) setTimeout(flushAll, COALESCE_MS);
      else setImmediate(flushAll);
    }
  }

  private flush(channel: number): void {
    const p = this.pending.get(channel);
    if (!p) return;
    this.pending.delete(channel);
    if (this.closed) return;
    this.lastFlush = performance.now();
    // The usual case, one frame's worth: the chunks are copied once, straight into the frame.
    if (p.bytes <= TERMINAL_FRAME_MAX_PAYLOAD) return this.send(encodeTerminalFrame(TerminalFrameKind.data, channel, p.chunks));
    const all = Buffer.concat(p.chunks, p.bytes);
    for (let at = 0; at < all.length; at += TERMINAL_FRAME_MAX_PAYLOAD) {
      this.send(encodeTerminalFrame(TerminalFrameKind.data, channel, all.subarray(at, at + TERMINAL_FRAME_MAX_PAYLOAD)));
    }
  }

  /** The transport went away: every terminal it watched loses this viewer (a viewer that stopped acking no longer holds it back). */
  close(): void {
    this.closed = true;
    this.pending.clear();
    for (const a of this.attachments.values()) a.detach();
    this.attachments.clear();
  }
}
