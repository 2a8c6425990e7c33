import {
  TerminalFrameKind,
  ackPayload,
  attachPayload,
  decodeTerminalFrame,
  encodeTerminalFrame,
  payloadText,
  type TerminalClosedInfo,
} from '../../core/contract';

export interface TerminalChannelHandlers {
  data(bytes: Uint8Array): void;
  closed(info: TerminalClosedInfo): void;
  error(message: string): void;
}

/** One terminal's byte stream as the renderer sees it. */
export interface TerminalChannel {
  write(data: string | Uint8Array): void;
  /** Call after xterm drew these bytes (its write callback): that is what lets the session go on. */
  ack(bytes: number): void;
  close(): void;
}

export interface TerminalStreams {
  open(id: number, handlers: TerminalChannelHandlers): TerminalChannel;
}

/** The transport side: a WebSocket's binary frames or an Electron MessagePort. */
export interface TerminalStreamTransport extends TerminalStreams {
  receive(frame: Uint8Array): void;
  /** The transport (re)connected: attach every open channel again, saying how much output each already has. */
  reattach(): void;
  /** Channels open now. */
  readonly size: number;
}

const encoder = new TextEncoder();

/**
 * Acks are sent in batches of at least this many bytes (or when xterm has drawn everything
 * pending): a sixteenth of the core's 4 MiB window, so the window never waits on an ack, and
 * about 200 acks for a 50 MB flood instead of 1,500 at 32 KiB.
 */
export const ACK_BATCH = 256 * 1024;

/**
 * Terminal channels over any frame transport (core/contract/terminal-wire.ts). Frames sent while
 * the transport is down are dropped (typed input is not queued for later: it would land in the
 * wrong place after a reconnect); output resumes where it stopped, because the attach frame says
 * how many bytes this side already has.
 */
export function createTerminalStreams(send: (frame: Uint8Array) => boolean): TerminalStreamTransport {
  const channels = new Map<number, { handlers: TerminalChannelHandlers; seen: number; unacked: number; pending: number }>();

  const attach = (id: number, seen: number): void => {
    send(encodeTerminalFrame(TerminalFrameKind.attach, id, seen > 0 ? attachPayload(seen) : undefined));
  };

  return {
    open(id, handlers) {
      const state = { handlers, seen: 0, unacked: 0, pending: 0 };
      channels.set(id, state);
      attach(id, 0);
      return {
        write(data) {
          const bytes = typeof data === 'string' ? encoder.encode(data) : data;
          for (let at = 0; at < bytes.length; at += 16 * 1024) send(encodeTerminalFrame(TerminalFrameKind.data, id, bytes.subarray(at, at + 16 * 1024)));
        },
        ack(bytes) {
          state.unacked += bytes;
          state.pending = Math.max(0, state.pending - bytes);
          if (state.unacked >= ACK_BATCH || state.pending === 0) {
            send(encodeTerminalFrame(TerminalFrameKind.ack, id, ackPayload(state.unacked)));
            state.unacked = 0;
          }
        },
        close() {
          if (channels.get(id) !== state) return;
          channels.delete(id);
          send(encodeTerminalFrame(TerminalFrameKind.detach, id));
        },
      };
    },
    receive(bytes) {
      const frame = decodeTerminalFrame(bytes);
      if (!frame) return;
      const channel = channels.get(frame.channel);
      if (!channel) return;
      if (frame.kind === TerminalFrameKind.data) {
        channel.seen += frame.payload.length;
        channel.pending += frame.payload.length;
        channel.handlers.data(frame.payload);
      } else if (frame.kind === TerminalFrameKind.closed) {
        let info: TerminalClosedInfo = { exitCode: null, signal: null };
        try {
          info = JSON.parse(payloadText(frame.payload)) as TerminalClosedInfo;
        } catch {
          // keep the default
        }
        channel.handlers.closed(info);
      } else if (frame.kind === TerminalFrameKind.error) {
        channel.handlers.error(payloadText(frame.payload));
      }
    },
    get size() {
      return channels.size;
    },
    reattach() {
      for (const [id, channel] of channels) {
        // The new connection starts a fresh window on the other side.
        channel.unacked = 0;
        channel.pending = 0;
        attach(id, channel.seen);
      }
    },
  };
}
