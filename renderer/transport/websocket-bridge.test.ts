import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  TERMINAL_OUTPUT_PATH,
  TerminalFrameKind,
  WIRE_PROTOCOL_VERSION,
  decodeTerminalFrame,
  encodeTerminalFrame,
  lengthPrefixed,
  payloadText,
  textPayload,
  type Result,
  type TerminalFrame,
} from '../../core/contract';
import { createWebSocketBridge, type SocketLike } from './websocket-bridge';

/** A FAKE socket standing in for the host's WebSocket: records sends, lets the test answer. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  /** Binary sends: terminal frames. */
  frames: TerminalFrame[] = [];
  send(data: string | Uint8Array): void {
    if (typeof data === 'string') this.sent.push(JSON.parse(data));
    else this.frames.push(decodeTerminalFrame(data)!);
  }
  close(): void {
    this.drop();
  }
  open(terminalOutput?: string): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
    this.receive({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, version: 'test', ...(terminalOutput ? { terminalOutput } : {}) });
  }
  receiveBinary(frame: Uint8Array): void {
    this.onmessage?.(new MessageEvent('message', { data: frame.slice().buffer }));
  }
  receive(message: unknown): void {
    this.onmessage?.(new MessageEvent('message', { data: JSON.stringify(message) }));
  }
  drop(): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.(new CloseEvent('close'));
  }
}

let sockets: FakeSocket[] = [];
const latest = (): FakeSocket => {
  const socket = sockets.at(-1);
  if (!socket) throw new Error('no socket was created');
  return socket;
};
const bridgeOptions = {
  url: 'ws://127.0.0.1:1/ws?token=t',
  createSocket: () => {
    const socket = new FakeSocket();
    sockets.push(socket);
    return socket;
  },
  backoff: { initialMs: 100, maxMs: 1000 },
};

beforeEach(() => {
  sockets = [];
  vi.useFakeTimers();
});
afterEach(() => vi.useRealTimers());

describe('WebSocket bridge', () => {
  it('queues calls until the hello, then matches results to calls by id', async () => {
    const bridge = createWebSocketBridge(bridgeOptions);
    expect(bridge.connection.get().phase).toBe('connecting');
    const first = bridge.invoke('status.get', {});
    const second = bridge.invoke('settings.get', {});
    expect(latest().sent).toEqual([]);

    latest().open();
    expect(bridge.connection.get().phase).toBe('connected');
    expect(latest().sent).toEqual([
      { type: 'invoke', id: 1, command: 'status.get', input: {} },
      { type: 'invoke', id: 2, command: 'settings.get', input: {} },
    ]);
    latest().receive({ type: 'result', id: 2, result: { ok: false, error: { code: 'VALIDATION', message: 'bad' } } });
    latest().receive({ type: 'result', id: 1, result: { ok: true, value: 'status' } });
    await expect(first).resolves.toEqual({ ok: true, value: 'status' });
    await expect(second).resolves.toEqual({ ok: false, error: { code: 'VALIDATION', message: 'bad' } });
  });

  it('refuses a call bigger than the host takes with TOO_LARGE, without sending it or losing the connection', async () => {
    const bridge = createWebSocketBridge(bridgeOptions);
    latest().open();
    // 600,000 two-byte characters: 1.2 MB as UTF-8, though only 0.6 M characters long.
    const big = bridge.invoke('certificates.inspect', { contentBase64: 'é'.repeat(600_000) });
    await expect(big).resolves.toMatchObject({ ok: false, error: { code: 'TOO_LARGE', message: expect.stringMatching(/at most 1\.0 MB per request/) } });
    expect(latest().sent).toEqual([]);
    const small = bridge.invoke('status.get', {});
    expect(latest().sent).toEqual([{ type: 'invoke', id: 2, command: 'status.get', input: {} }]);
    latest().receive({ type: 'result', id: 2, result: { ok: true, value: 'status' } });
    await expect(small).resolves.toEqual({ ok: true, value: 'status' });
    expect(bridge.connection.get().phase).toBe('connected');
  });

  it('dispatches events to listeners until they unsubscribe', () => {
    const bridge = createWebSocketBridge(bridgeOptions);
    latest().open();
    const seen: unknown[] = [];
    const off = bridge.on('audit.appended', (payload) => seen.push(payload));
    latest().receive({ type: 'event', event: 'audit.appended', payload: { id: 1 } });
    off();
    latest().receive({ type: 'event', event: 'audit.appended', payload: { id: 2 } });
    expect(seen).toEqual([{ id: 1 }]);
  });

  it('fails calls in flight with TRANSPORT when the socket drops, then reconnects with backoff', async () => {
    const bridge = createWebSocketBridge(bridgeOptions);
    latest().open();
    const inFlight = bridge.invoke('status.get', {});
    latest().drop();
    const result: Result<unknown> = await inFlight;
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.code).toBe('TRANSPORT');
    expect(bridge.connection.get()).toMatchObject({ phase: 'reconnecting', failures: 1 });

    // First retry after 100 ms fails; the next waits twice as long.
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    latest().drop();
    vi.advanceTimersByTime(199);
    expect(sockets).toHaveLength(2);
    vi.advanceTimersByTime(1);
    expect(sockets).toHaveLength(3);

    // A call made while down is sent once the host is back, not failed.
    const later = bridge.invoke('settings.get', {});
    latest().open();
    expect(bridge.connection.get().phase).toBe('connected');
    const sent = latest().sent[0] as { id: number };
    latest().receive({ type: 'result', id: sent.id, result: { ok: true, value: 'settings' } });
    await expect(later).resolves.toEqual({ ok: true, value: 'settings' });
    bridge.close();
  });

  it('fails a call with TRANSPORT when no connection comes in time, and with TIMEOUT when no answer does', async () => {
    const bridge = createWebSocketBridge({ ...bridgeOptions, connectWaitMs: 1000, callTimeoutMs: 2000 });
    const waiting = bridge.invoke('status.get', {});
    vi.advanceTimersByTime(1000);
    await expect(waiting).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });

    latest().open();
    const unanswered = bridge.invoke('status.get', {});
    vi.advanceTimersByTime(2000);
    await expect(unanswered).resolves.toMatchObject({ ok: false, error: { code: 'TIMEOUT' } });
    bridge.close();
  });

  it('stops and says so when the host speaks another protocol version', async () => {
    const bridge = createWebSocketBridge(bridgeOptions);
    const call = bridge.invoke('status.get', {});
    latest().receive({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION + 1, version: 'future' });
    expect(bridge.connection.get().phase).toBe('incompatible');
    await expect(call).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
    vi.advanceTimersByTime(10_000);
    expect(sockets).toHaveLength(1);
  });
});

/** A FAKE of the host's HTTP output stream (the real one is tested in core/terminal/terminal-stream.test.ts and e2e). */
function fakeOutput() {
  const calls: string[] = [];
  let answer: { resolve(body: ReadableStream<Uint8Array>): void; reject(err: Error): void } | null = null;
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  const openOutput = (path: string, signal: AbortSignal): Promise<ReadableStream<Uint8Array>> => {
    calls.push(path);
    return new Promise((resolve, reject) => {
      answer = { resolve, reject };
      signal.addEventListener('abort', () => reject(new Error('aborted')));
    });
  };
  return {
    calls,
    openOutput,
    accept(): void {
      answer!.resolve(new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) }));
    },
    refuse(): void {
      answer!.reject(new Error('terminal output stream refused (HTTP 503)'));
    },
    push(bytes: Uint8Array): void {
      controller!.enqueue(bytes);
    },
    end(): void {
      controller!.close();
    },
  };
}

const flush = async (): Promise<void> => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};
const OUTPUT_ID = 'an-output-stream-id-0123';
const dataFrame = (channel: number, text: string): Uint8Array => encodeTerminalFrame(TerminalFrameKind.data, channel, textPayload(text));

describe('WebSocket bridge: terminal output stream', () => {
  const handlers = (got: string[]) => ({ data: (b: Uint8Array) => got.push(payloadText(b)), closed: () => undefined, error: () => undefined });

  it('opens the stream with the first terminal, attaches only once it is open, and reads frames cut anywhere', async () => {
    const output = fakeOutput();
    const bridge = createWebSocketBridge({ ...bridgeOptions, openOutput: output.openOutput });
    latest().open(OUTPUT_ID);
    expect(output.calls).toEqual([]); // no terminal, no stream
    const got: string[] = [];
    bridge.terminals!.open(5, handlers(got));
    expect(output.calls).toEqual([`${TERMINAL_OUTPUT_PATH}?stream=${OUTPUT_ID}`]);
    expect(latest().frames).toEqual([]); // no attach before the path for output is settled

    output.accept();
    await flush();
    expect(latest().frames.map((f) => [f.kind, f.channel])).toEqual([[TerminalFrameKind.attach, 5]]);
    const bytes = new Uint8Array([...lengthPrefixed(dataFrame(5, 'hello ')), ...lengthPrefixed(dataFrame(5, 'world'))]);
    output.push(bytes.subarray(0, 7));
    output.push(bytes.subarray(7));
    await flush();
    expect(got.join('')).toBe('hello world');
    bridge.close();
  });

  it('keeps output on the socket when the stream is refused or slow, for later connections too', async () => {
    const output = fakeOutput();
    const bridge = createWebSocketBridge({ ...bridgeOptions, openOutput: output.openOutput, outputOpenMs: 1000 });
    latest().open(OUTPUT_ID);
    const got: string[] = [];
    bridge.terminals!.open(2, handlers(got));
    vi.advanceTimersByTime(1000); // never answered: given up on
    await flush();
    expect(latest().frames.map((f) => f.kind)).toEqual([TerminalFrameKind.attach]);
    latest().receiveBinary(dataFrame(2, 'on the socket'));
    expect(got).toEqual(['on the socket']);

    latest().drop();
    vi.advanceTimersByTime(100);
    latest().open('another-output-stream-id-99');
    await flush();
    expect(output.calls).toHaveLength(1);
    expect(latest().frames.map((f) => f.kind)).toEqual([TerminalFrameKind.attach]);
    bridge.close();
  });

  it('drops the socket when the stream ends, so the next connection reattaches from what it has', async () => {
    const output = fakeOutput();
    const bridge = createWebSocketBridge({ ...bridgeOptions, openOutput: output.openOutput });
    latest().open(OUTPUT_ID);
    const got: string[] = [];
    bridge.terminals!.open(9, handlers(got));
    output.accept();
    await flush();
    output.push(lengthPrefixed(dataFrame(9, 'abc')));
    output.end();
    await flush();
    expect(got).toEqual(['abc']);
    expect(latest().readyState).toBe(3);
    vi.advanceTimersByTime(100);
    expect(sockets).toHaveLength(2);
    latest().open('the-next-output-stream-id');
    expect(output.calls).toHaveLength(2);
    output.accept();
    await flush();
    const attach = latest().frames.find((f) => f.kind === TerminalFrameKind.attach)!;
    expect(new DataView(attach.payload.buffer, attach.payload.byteOffset).getFloat64(0)).toBe(3);
    bridge.close();
  });
});
