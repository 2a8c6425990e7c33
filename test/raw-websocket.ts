import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';

/**
 * WebSocket frames written by hand (RFC 6455 §5.2), for tests and benches that must send what no
 * well-behaved client library would: oversize, unmasked, reserved opcodes, bad UTF-8, cut short.
 */
export interface RawFrame {
  opcode: number;
  payload: Uint8Array;
  fin?: boolean;
  /** Reserved bits RSV1-3 (0-7); a server without extensions must refuse any. */
  rsv?: number;
  /** Client frames must be masked; false sends the payload bare. */
  masked?: boolean;
  /** Claim this payload length in the header instead of the real one (a lie the server must survive). */
  declaredLength?: number;
}

export function encodeFrame(frame: RawFrame): Buffer {
  const { opcode, payload } = frame;
  const fin = frame.fin ?? true;
  const masked = frame.masked ?? true;
  const length = frame.declaredLength ?? payload.length;
  const head: number[] = [(fin ? 0x80 : 0) | (((frame.rsv ?? 0) & 7) << 4) | (opcode & 0x0f)];
  const maskBit = masked ? 0x80 : 0;
  let extended: Buffer;
  if (length < 126) {
    head.push(maskBit | length);
    extended = Buffer.alloc(0);
  } else if (length < 65536) {
    head.push(maskBit | 126);
    extended = Buffer.alloc(2);
    extended.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    extended = Buffer.alloc(8);
    extended.writeBigUInt64BE(BigInt(length));
  }
  const body = Buffer.from(payload);
  if (!masked) return Buffer.concat([Buffer.from(head), extended, body]);
  const key = randomBytes(4);
  for (let i = 0; i < body.length; i++) body[i] = body[i]! ^ key[i & 3]!;
  return Buffer.concat([Buffer.from(head), extended, key, body]);
}

export const textFrame = (text: string): Buffer => encodeFrame({ opcode: 1, payload: Buffer.from(text) });

/**
 * A TCP socket that has done the WebSocket handshake on `path` and nothing else: the caller writes
 * frames with encodeFrame and reads (or, to play a client that stopped reading, pauses) as it likes.
 * Resolves once the 101 response head arrived; bytes after it stay in `rest`.
 */
export function rawWebSocket(port: number, path: string): Promise<{ socket: Socket; rest: Buffer }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      socket.off('data', onData);
      socket.off('error', reject);
      socket.pause();
      const status = head.subarray(0, head.indexOf('\r\n')).toString();
      if (!status.includes(' 101 ')) {
        socket.destroy();
        reject(new Error(`handshake refused: ${status}`));
        return;
      }
      resolve({ socket, rest: head.subarray(end + 4) });
    };
    socket.on('data', onData);
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.write(
        [
          `GET ${path} HTTP/1.1`,
          `Host: 127.0.0.1:${port}`,
          'Upgrade: websocket',
          'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`,
          'Sec-WebSocket-Version: 13',
          '',
          '',
        ].join('\r\n'),
      );
    });
  });
}

/** A frame as a server sends it (never masked). */
export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

/** Reads unmasked frames off a byte stream; hand it every chunk, it returns the frames completed so far. */
export class ServerFrameReader {
  private buffer = Buffer.alloc(0);

  push(chunk: Buffer): ServerFrame[] {
    this.buffer = Buffer.concat([this.buffer, chunk]);
    const frames: ServerFrame[] = [];
    for (;;) {
      if (this.buffer.length < 2) break;
      let length = this.buffer[1]! & 0x7f;
      let at = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buffer.length < at + length) break;
      frames.push({ opcode: this.buffer[0]! & 0x0f, payload: this.buffer.subarray(at, at + length) });
      this.buffer = this.buffer.subarray(at + length);
    }
    return frames;
  }
}

/** A close frame's code and reason. */
export function closeOf(frame: ServerFrame): { code: number; reason: string } {
  return { code: frame.payload.length >= 2 ? frame.payload.readUInt16BE(0) : 1005, reason: frame.payload.subarray(2).toString() };
}
