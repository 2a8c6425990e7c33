/**
 * Terminal byte streams, never JSON events. Electron carries these frames over a MessagePort. The
 * headless host carries the renderer's frames (input, ack, attach, detach) as binary WebSocket
 * messages on its `/ws` socket, and the core's frames (output, closed, error) on one long HTTP
 * response per socket (TERMINAL_OUTPUT_PATH), each frame behind a uint32 length: Chromium
 * delivers a streamed response body to the page far more cheaply than WebSocket messages
 * (bench/terminal.ts). A page that cannot open that response gets its output as WebSocket
 * messages instead. One frame is
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

/**
 * One frame. Its payload is given whole or as chunks (copied straight in, no concatenation first).
 * The frame is a view with TERMINAL_LENGTH_PREFIX spare bytes in front of it in its own buffer, so
 * the output stream can put the length there instead of copying the frame again (lengthPrefixed).
 */
export function encodeTerminalFrame(kind: TerminalFrameKind, channel: number, payload: Uint8Array | readonly Uint8Array[] = new Uint8Array(0)): Uint8Array {
  const parts = ArrayBuffer.isView(payload) ? [payload] : payload;
  let length = 0;
  for (const part of parts) length += part.length;
  const frame = new Uint8Array(new ArrayBuffer(TERMINAL_LENGTH_PREFIX + TERMINAL_FRAME_HEADER + length), TERMINAL_LENGTH_PREFIX);
  const view = new DataView(frame.buffer, frame.byteOffset);
  view.setUint8(0, kind);
  view.setUint32(1, channel >>> 0);
  let at = TERMINAL_FRAME_HEADER;
  for (const part of parts) {
    frame.set(part, at);
    at += part.length;
  }
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

/** The host's output stream for one WebSocket: `GET TERMINAL_OUTPUT_PATH?stream=ID`, ID from the hello message. */
export const TERMINAL_OUTPUT_PATH = '/terminal-output';
/** Bytes before each frame on the output stream: its length (uint32, big endian). */
export const TERMINAL_LENGTH_PREFIX = 4;

/**
 * One frame as it travels on the output stream: its length, then the frame. A frame from
 * encodeTerminalFrame has the room in front of it: the length goes there, nothing is copied.
 */
export function lengthPrefixed(frame: Uint8Array): Uint8Array {
  const roomInFront = frame.byteOffset === TERMINAL_LENGTH_PREFIX && frame.buffer.byteLength === TERMINAL_LENGTH_PREFIX + frame.byteLength;
  const out = roomInFront ? new Uint8Array(frame.buffer) : new Uint8Array(TERMINAL_LENGTH_PREFIX + frame.length);
  new DataView(out.buffer, out.byteOffset).setUint32(0, frame.length);
  if (!roomInFront) out.set(frame, TERMINAL_LENGTH_PREFIX);
  return out;
}

/**
 * Cuts a byte stream of length-prefixed frames (read in chunks of any size) back into frames. A
 * length no frame can have means the stream is not ours or is corrupt: push throws, and the
 * reader must drop the stream.
 */
export class TerminalFrameSplitter {
  /** The start of a frame cut by a chunk boundary, length prefix included. */
  private carry: Uint8Array | null = null;

  push(chunk: Uint8Array, onFrame: (frame: Uint8Array) => void): void {
    let at = 0;
    if (this.carry) {
      // Finish the cut frame from the head of this chunk; copy only those bytes, never the whole chunk.
      let carry = this.carry;
      const want = (n: number): void => {
        const take = Math.min(n - carry.length, chunk.length - at);
        if (take <= 0) return;
        const joined = new Uint8Array(carry.length + take);
        joined.set(carry);
        joined.set(chunk.subarray(at, at + take), carry.length);
        carry = joined;
        at += take;
      };
      want(TERMINAL_LENGTH_PREFIX);
      if (carry.length >= TERMINAL_LENGTH_PREFIX) want(TERMINAL_LENGTH_PREFIX + frameLength(carry, 0));
      if (carry.length < TERMINAL_LENGTH_PREFIX || carry.length < TERMINAL_LENGTH_PREFIX + frameLength(carry, 0)) {
        this.carry = carry;
        return;
      }
      this.carry = null;
      onFrame(carry.subarray(TERMINAL_LENGTH_PREFIX));
    }
    while (chunk.length - at >= TERMINAL_LENGTH_PREFIX) {
      const length = frameLength(chunk, at);
      if (chunk.length - at - TERMINAL_LENGTH_PREFIX < length) break;
      onFrame(chunk.subarray(at + TERMINAL_LENGTH_PREFIX, at + TERMINAL_LENGTH_PREFIX + length));
      at += TERMINAL_LENGTH_PREFIX + length;
    }
    // A frame cut by the chunk boundary waits for the rest (copied: the reader may reuse its buffer).
    if (at < chunk.length) this.carry = chunk.slice(at);
  }

  /** Bytes of an unfinished frame (non-zero when the stream ended mid-frame). */
  get pending(): number {
    return this.carry?.length ?? 0;
  }
}

/** The length prefix at `at`, checked: a length no frame can have throws. */
function frameLength(bytes: Uint8Array, at: number): number {
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(at);
  if (length < TERMINAL_FRAME_HEADER || length > TERMINAL_FRAME_HEADER + TERMINAL_FRAME_MAX_PAYLOAD) {
    throw new Error(`Terminal output stream is corrupt: a frame of ${length} bytes.`);
  }
  return length;
}

export interface TerminalClosedInfo {
  exitCode: number | null;
  signal: string | null;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const textPayload = (text: string): Uint8Array => encoder.encode(text);
export const payloadText = (payload: Uint8Array): string => decoder.decode(payload);
