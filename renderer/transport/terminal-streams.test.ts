import { describe, expect, it } from 'vitest';
import { TERMINAL_FRAME_MAX_PAYLOAD, TerminalFrameKind, ackBytes, attachSeen, decodeTerminalFrame, encodeTerminalFrame, textPayload, type TerminalFrame } from '../../core/contract';
import { ACK_BATCH, createTerminalStreams } from './terminal-streams';

function harness() {
  const sent: TerminalFrame[] = [];
  let up = true;
  const streams = createTerminalStreams((bytes) => {
    if (!up) return false;
    sent.push(decodeTerminalFrame(bytes)!);
    return true;
  });
  return { streams, sent, setUp: (v: boolean) => (up = v) };
}

const data = (channel: number, n: number): Uint8Array => encodeTerminalFrame(TerminalFrameKind.data, channel, new Uint8Array(n).fill(97));

describe('terminal streams (renderer side of the byte channel)', () => {
  it('attaches, routes output to its channel only, and sends typed input as data frames', () => {
    const { streams, sent } = harness();
    const got: number[] = [];
    const other: number[] = [];
    const ch = streams.open(7, { data: (b) => got.push(b.length), closed: () => undefined, error: () => undefined });
    streams.open(8, { data: (b) => other.push(b.length), closed: () => undefined, error: () => undefined });
    expect(sent[0]).toMatchObject({ kind: TerminalFrameKind.attach, channel: 7 });
    expect(sent[0]!.payload.length).toBe(0);
    streams.receive(data(7, 100));
    streams.receive(data(99, 5)); // a channel nobody opened: ignored
    streams.receive(new Uint8Array([42, 0])); // garbage: ignored
    expect(got).toEqual([100]);
    expect(other).toEqual([]);
    ch.write('ls\r');
    expect(sent.at(-1)).toMatchObject({ kind: TerminalFrameKind.data, channel: 7 });
    expect(new TextDecoder().decode(sent.at(-1)!.payload)).toBe('ls\r');
  });

  it('batches acks until ACK_BATCH bytes are drawn or nothing is left pending', () => {
    const { streams, sent } = harness();
    const ch = streams.open(1, { data: () => undefined, closed: () => undefined, error: () => undefined });
    const half = ACK_BATCH / 2;
    for (let i = 0; i < (3 * half) / TERMINAL_FRAME_MAX_PAYLOAD; i++) streams.receive(data(1, TERMINAL_FRAME_MAX_PAYLOAD));
    const acks = (): number[] => sent.filter((f) => f.kind === TerminalFrameKind.ack).map((f) => ackBytes(f.payload));
    ch.ack(half);
    expect(acks()).toEqual([]);
    ch.ack(half);
    expect(acks()).toEqual([ACK_BATCH]);
    ch.ack(half); // the last pending bytes: flushed at once, so the window never stalls on a remainder
    expect(acks()).toEqual([ACK_BATCH, half]);
  });

  it('after a reconnect attaches again saying how many bytes it already has', () => {
    const { streams, sent, setUp } = harness();
    streams.open(3, { data: () => undefined, closed: () => undefined, error: () => undefined });
    streams.receive(data(3, 1000));
    streams.receive(data(3, 234));
    setUp(false);
    streams.reattach(); // transport down: nothing sent
    setUp(true);
    streams.reattach();
    const attach = sent.filter((f) => f.kind === TerminalFrameKind.attach).at(-1)!;
    expect(attachSeen(attach.payload)).toBe(1234);
  });

  it('reports the end of a session and errors, and detaches on close', () => {
    const { streams, sent } = harness();
    const events: string[] = [];
    const ch = streams.open(5, { data: () => undefined, closed: (i) => events.push(`closed ${i.exitCode}`), error: (m) => events.push(`error ${m}`) });
    streams.receive(encodeTerminalFrame(TerminalFrameKind.closed, 5, textPayload(JSON.stringify({ exitCode: 2, signal: null }))));
    streams.receive(encodeTerminalFrame(TerminalFrameKind.error, 5, textPayload('No terminal 5')));
    expect(events).toEqual(['closed 2', 'error No terminal 5']);
    ch.close();
    expect(sent.at(-1)).toMatchObject({ kind: TerminalFrameKind.detach, channel: 5 });
    streams.receive(data(5, 10)); // after close: ignored
  });
});
