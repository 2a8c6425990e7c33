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
 * One renderer's terminal stream (a host WebSocket's binary frames, or an Electron MessagePort):
 * decodes its frames into attach / input / ack / detach on the terminal service and encodes the
 * output it is sent. The transport adapters only move bytes; every rule lives here.
 */
export class TerminalStreamConnection {
  private readonly attachments = new Map<number, TerminalAttachment>();
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
      data: (chunk) => {
        if (this.closed) return;
        for (let at = 0; at < chunk.length; at += TERMINAL_FRAME_MAX_PAYLOAD) {
          this.send(encodeTerminalFrame(TerminalFrameKind.data, channel, chunk.subarray(at, at + TERMINAL_FRAME_MAX_PAYLOAD)));
        }
      },
      closed: (info) => {
        if (!this.closed) this.send(encodeTerminalFrame(TerminalFrameKind.closed, channel, textPayload(JSON.stringify(info))));
      },
    });
    this.attachments.set(channel, attachment);
  }

  /** The transport went away: every terminal it watched loses this viewer (and pauses if it was the last). */
  close(): void {
    this.closed = true;
    for (const a of this.attachments.values()) a.detach();
    this.attachments.clear();
  }
}
