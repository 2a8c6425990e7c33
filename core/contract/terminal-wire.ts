/**
 * Terminal byte streams, never JSON events: the headless host carries these frames as binary
 * WebSocket messages on its `/ws` socket, Electron over a MessagePort. One frame is
 *
 *   byte 0      kind (TerminalFrameKind)
 *   bytes 1..4  channel: the terminal's id (uint32, big endian)
 *   bytes 5..   payload (kind-specific)
 *
 * Flow control is by acknowledgement: the renderer sends ACK(n) after xterm has drawn n bytes
 * (xterm's write callback); the core pauses the session while a viewer's unacknowledged bytes
 * exceed the high-water mark and resumes it below the low-water mark.
 */
export const TerminalFrameKind = {
  /** core → renderer: output bytes; renderer → core: typed input bytes. */
  data: 1,
  /** renderer → core: payload uint32, bytes drawn since the last ack. */
  ack: 2,
  /**
   * renderer → core: start receiving this terminal's output. Optional payload: float64, how many
   * output bytes this viewer already has (after a reconnect), so the replay of recent output skips them.
   */
  attach: 3,
  /** renderer → core: stop receiving it (the terminal stays open). */
  detach: 4,
  /** core → renderer: the terminal ended; payload UTF-8 JSON {exitCode, signal}. */
  closed: 5,
  /** core → renderer: the frame could not be honoured (unknown terminal...); payload UTF-8 text. */
  error: 6,
} as const;
export type TerminalFrameKind = (typeof TerminalFrameKind)[keyof typeof TerminalFrameKind];

const KINDS = new Set<number>(Object.values(TerminalFrameKind));
export const TERMINAL_FRAME_HEADER = 5;
/** Largest payload in one frame; output is cut into frames of at most this size. */
export const TERMINAL_FRAME_MAX_PAYLOAD = 64 * 1024;

export interface TerminalFrame {
  kind: TerminalFrameKind;
  channel: number;
  payload: Uint8Array;
}

export function encodeTerminalFrame(kind: TerminalFrameKind, channel: number, payload: Uint8Array = new Uint8Array(0)): Uint8Array {
  const frame = new Uint8Array(TERMINAL_FRAME_HEADER + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint8(0, kind);
  view.setUint32(1, channel >>> 0);
  frame.set(payload, TERMINAL_FRAME_HEADER);
  return frame;
}

/** null for anything that is not a well-formed frame (a peer must not crash the other side). */
export function decodeTerminalFrame(bytes: Uint8Array): TerminalFrame | null {
  if (bytes.length < TERMINAL_FRAME_HEADER) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kind = view.getUint8(0);
  if (!KINDS.has(kind)) return null;
  const channel = view.getUint32(1);
  const payload = bytes.subarray(TERMINAL_FRAME_HEADER);
  if (kind === TerminalFrameKind.ack && payload.length !== 4) return null;
  if (kind === TerminalFrameKind.attach && payload.length !== 0 && payload.length !== 8) return null;
  if (payload.length > TERMINAL_FRAME_MAX_PAYLOAD) return null;
  return { kind: kind as TerminalFrameKind, channel, payload };
}

export function ackPayload(bytes: number): Uint8Array {
  const p = new Uint8Array(4);
  new DataView(p.buffer).setUint32(0, Math.max(0, Math.min(bytes, 0xffffffff)));
  return p;
}

export function ackBytes(payload: Uint8Array): number {
  return new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0);
}

export function attachPayload(seen: number): Uint8Array {
  const p = new Uint8Array(8);
  new DataView(p.buffer).setFloat64(0, seen);
  return p;
}

export function attachSeen(payload: Uint8Array): number {
  if (payload.length !== 8) return 0;
  const n = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getFloat64(0);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

export interface TerminalClosedInfo {
  exitCode: number | null;
  signal: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const textPayload = (text: string): Uint8Array => encoder.encode(text);
export const payloadText = (payload: Uint8Array): string => decoder.decode(payload);
