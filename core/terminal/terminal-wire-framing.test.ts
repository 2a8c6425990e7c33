import { describe, expect, it } from 'vitest';
import {
  TERMINAL_FRAME_MAX_PAYLOAD,
  TerminalFrameKind,
  TerminalFrameSplitter,
  decodeTerminalFrame,
  encodeTerminalFrame,
  lengthPrefixed,
  payloadText,
  textPayload,
} from '../contract/terminal-wire.js';

const frames = [
  encodeTerminalFrame(TerminalFrameKind.data, 1, textPayload('hello ')),
  encodeTerminalFrame(TerminalFrameKind.data, 2, new Uint8Array(300).fill(120)),
  encodeTerminalFrame(TerminalFrameKind.closed, 1, textPayload('{"exitCode":0,"signal":null}')),
  encodeTerminalFrame(TerminalFrameKind.data, 1, new Uint8Array(0)),
];
const stream = (): Uint8Array => {
  const parts = frames.map(lengthPrefixed);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const describeFrames = (list: Uint8Array[]): string[] =>
  list.map((f) => {
    const d = decodeTerminalFrame(f)!;
    return `${d.kind}/${d.channel}/${d.payload.length}/${payloadText(d.payload.subarray(0, 6))}`;
  });

describe('terminal output stream framing', () => {
  it('gives back the same frames however the stream is cut into chunks', () => {
    const bytes = stream();
    const expected = describeFrames(frames);
    // Every single cut point, and every second byte on its own.
    for (let cut = 0; cut <= bytes.length; cut++) {
      const splitter = new TerminalFrameSplitter();
      const got: Uint8Array[] = [];
      splitter.push(bytes.subarray(0, cut), (f) => got.push(f.slice()));
      splitter.push(bytes.subarray(cut), (f) => got.push(f.slice()));
      expect(describeFrames(got)).toEqual(expected);
      expect(splitter.pending).toBe(0);
    }
    const splitter = new TerminalFrameSplitter();
    const got: Uint8Array[] = [];
    for (let at = 0; at < bytes.length; at += 2) splitter.push(bytes.subarray(at, at + 2), (f) => got.push(f.slice()));
    expect(describeFrames(got)).toEqual(expected);
  });

  it('holds an unfinished frame and says so', () => {
    const splitter = new TerminalFrameSplitter();
    const one = lengthPrefixed(frames[1]!);
    const got: Uint8Array[] = [];
    splitter.push(one.subarray(0, 100), (f) => got.push(f));
    expect(got).toEqual([]);
    expect(splitter.pending).toBe(100);
  });

  it('refuses a length no frame can have (a stream that is not ours, or corrupt)', () => {
    const tooLong = new Uint8Array(8);
    new DataView(tooLong.buffer).setUint32(0, TERMINAL_FRAME_MAX_PAYLOAD + 6);
    expect(() => new TerminalFrameSplitter().push(tooLong, () => undefined)).toThrow(/corrupt/);
    const tooShort = new Uint8Array([0, 0, 0, 2, 1, 1]);
    expect(() => new TerminalFrameSplitter().push(tooShort, () => undefined)).toThrow(/corrupt/);
    expect(() => new TerminalFrameSplitter().push(new TextEncoder().encode('<html>'), () => undefined)).toThrow(/corrupt/);
  });
});

describe('frames built for the output stream', () => {
  it('a payload given as chunks is the same frame as the joined payload', () => {
    const chunks = [textPayload('one '), new Uint8Array(0), textPayload('two '), new Uint8Array(1000).fill(97)];
    const joined = new Uint8Array(Buffer.concat(chunks));
    const a = encodeTerminalFrame(TerminalFrameKind.data, 7, chunks);
    const b = encodeTerminalFrame(TerminalFrameKind.data, 7, joined);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(decodeTerminalFrame(a)).toMatchObject({ kind: TerminalFrameKind.data, channel: 7 });
    expect(Buffer.from(decodeTerminalFrame(a)!.payload).equals(Buffer.from(joined))).toBe(true);
  });

  it('lengthPrefixed writes the length into the room in front of an encoded frame (no copy), and copies any other frame', () => {
    const frame = encodeTerminalFrame(TerminalFrameKind.data, 3, new Uint8Array(100).fill(1));
    const prefixed = lengthPrefixed(frame);
    expect(prefixed.buffer).toBe(frame.buffer);
    expect(new DataView(prefixed.buffer, prefixed.byteOffset).getUint32(0)).toBe(frame.length);
    expect(Buffer.from(prefixed.subarray(4)).equals(Buffer.from(frame))).toBe(true);
    // A frame that shares its buffer (a view into a bigger one) is copied: the bytes before it are not its own.
    const shared = new Uint8Array(200);
    shared.set(frame, 50);
    const view = shared.subarray(50, 50 + frame.length);
    const copied = lengthPrefixed(view);
    expect(copied.buffer).not.toBe(shared.buffer);
    expect(Buffer.from(copied).equals(Buffer.from(prefixed))).toBe(true);
    expect(shared[49]).toBe(0);
  });
});
