import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WIRE_PROTOCOL_VERSION, type Result } from '../../core/contract';
import { createWebSocketBridge, type SocketLike } from './websocket-bridge';

/** A FAKE socket standing in for the host's WebSocket: records sends, lets the test answer. */
class FakeSocket implements SocketLike {
  readyState = 0;
  sent: unknown[] = [];
  onopen: ((event: Event) => void) | null = null;
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  onerror: ((event: Event) => void) | null = null;

  send(data: string): void {
    this.sent.push(JSON.parse(data));
  }
  close(): void {
    this.drop();
  }
  open(): void {
    this.readyState = 1;
    this.onopen?.(new Event('open'));
    this.receive({ type: 'hello', protocol: WIRE_PROTOCOL_VERSION, version: 'test' });
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
