import {
  WIRE_PROTOCOL_VERSION,
  serverMessageSchema,
  type ClientMessage,
  type ContractError,
  type Result,
} from '../../core/contract';
import { createConnectionCell, type ConnectedBridge, type ConnectionState } from './connection-state';
import { createTerminalStreams } from './terminal-streams';

/** The subset of the DOM WebSocket the bridge uses, so tests can pass a fake socket. */
export interface SocketLike {
  readonly readyState: number;
  /** Set to 'arraybuffer' so terminal frames arrive as ArrayBuffer. */
  binaryType?: string;
  send(data: string | Uint8Array): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: Event) => void) | null;
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  onerror: ((event: Event) => void) | null;
}

export interface WebSocketBridgeOptions {
  url: string;
  createSocket?: (url: string) => SocketLike;
  /** How long a call may wait for a connection before it fails with TRANSPORT. */
  connectWaitMs?: number;
  /** How long a sent call may wait for its result before it fails with TIMEOUT. */
  callTimeoutMs?: number;
  backoff?: { initialMs: number; maxMs: number };
}

interface PendingCall {
  message: ClientMessage;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: Result<unknown>): void;
}

const OPEN = 1;

const failure = (code: ContractError['code'], message: string): Result<never> => ({ ok: false, error: { code, message } });

/**
 * RawBridge over the headless host's WebSocket (core/contract/wire.ts). Calls made while the
 * socket is down wait for the next connection; calls in flight when it drops fail with
 * TRANSPORT (the host may or may not have run them, so they are never silently resent).
 */
export function createWebSocketBridge(options: WebSocketBridgeOptions): ConnectedBridge {
  const createSocket = options.createSocket ?? ((url: string) => new WebSocket(url));
  const connectWaitMs = options.connectWaitMs ?? 10_000;
  const callTimeoutMs = options.callTimeoutMs ?? 60_000;
  const backoff = options.backoff ?? { initialMs: 500, maxMs: 10_000 };

  const connection = createConnectionCell({ phase: 'connecting', transport: 'host' });
  const pending = new Map<number, PendingCall>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: SocketLike | null = null;
  let ready = false; // true after the host's hello, not merely after the socket opened
  let nextId = 1;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;

  // Terminal bytes share the socket as binary frames (core/contract/terminal-wire.ts).
  const terminals = createTerminalStreams((frame) => {
    if (!socket || !ready || socket.readyState !== OPEN) return false;
    socket.send(frame);
    return true;
  });

  const setPhase = (state: Omit<ConnectionState, 'transport'>): void => connection.set({ ...state, transport: 'host' });

  function settle(id: number, result: Result<unknown>): void {
    const call = pending.get(id);
    if (!call) return;
    clearTimeout(call.timer);
    pending.delete(id);
    call.resolve(result);
  }

  function send(call: PendingCall): void {
    if (!socket || !ready || socket.readyState !== OPEN) return;
    socket.send(JSON.stringify(call.message));
    call.sent = true;
    clearTimeout(call.timer);
    call.timer = setTimeout(
      () => settle(call.message.id, failure('TIMEOUT', `The host did not answer ${call.message.command} within ${callTimeoutMs / 1000} s.`)),
      callTimeoutMs,
    );
  }

  function dispatchEvent(event: string, payload: unknown): void {
    for (const listener of [...(listeners.get(event) ?? [])]) {
      try {
        listener(payload);
      } catch (err) {
        // One broken view must not stop the others from hearing the event.
        console.error(`Listener for ${event} failed`, err);
      }
    }
  }

  function onMessage(data: unknown): void {
    if (data instanceof ArrayBuffer) {
      terminals.receive(new Uint8Array(data));
      return;
    }
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = serverMessageSchema.safeParse(json);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'hello') {
      if (message.protocol !== WIRE_PROTOCOL_VERSION) {
        closed = true;
        setPhase({ phase: 'incompatible' });
        socket?.close(1002, 'protocol version mismatch');
        failAll('TRANSPORT', `The host speaks wire protocol ${message.protocol}; this console needs ${WIRE_PROTOCOL_VERSION}. Rebuild both from the same version.`);
        return;
      }
      ready = true;
      failures = 0;
      setPhase({ phase: 'connected' });
      for (const call of pending.values()) if (!call.sent) send(call);
      terminals.reattach();
    } else if (message.type === 'result') {
      settle(message.id, message.result as Result<unknown>);
    } else {
      dispatchEvent(message.event, message.payload);
    }
  }

  function failAll(code: ContractError['code'], text: string, onlySent = false): void {
    for (const [id, call] of [...pending]) if (!onlySent || call.sent) settle(id, failure(code, text));
  }

  function scheduleReconnect(): void {
    failures += 1;
    const delay = Math.min(backoff.maxMs, backoff.initialMs * 2 ** (failures - 1));
    setPhase({ phase: 'reconnecting', retryAt: Date.now() + delay, failures });
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  }

  function connect(): void {
    if (closed) return;
    if (failures > 0) setPhase({ phase: 'reconnecting', failures });
    let ws: SocketLike;
    try {
      ws = createSocket(options.url);
    } catch {
      scheduleReconnect();
      return;
    }
    socket = ws;
    ready = false;
    ws.binaryType = 'arraybuffer';
    ws.onmessage = (event) => {
      if (socket === ws) onMessage(event.data);
    };
    ws.onerror = () => {
      // A close event always follows; reconnecting is decided there.
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      ready = false;
      failAll('TRANSPORT', 'The connection to the Outpost host dropped before it answered. Check that the host is running, then retry.', true);
      if (closed) return;
      scheduleReconnect();
    };
  }

  connect();

  return {
    kind: 'host',
    connection,
    terminals,
    invoke(command, input) {
      if (closed) return Promise.resolve(failure('TRANSPORT', 'The connection to the Outpost host is closed. Reload the page.'));
      const id = nextId++;
      return new Promise<Result<unknown>>((resolve) => {
        const call: PendingCall = {
          message: { type: 'invoke', id, command, input },
          sent: false,
          resolve,
          timer: setTimeout(
            () => settle(id, failure('TRANSPORT', `Not connected to the Outpost host (waited ${connectWaitMs / 1000} s). Check that it is running.`)),
            connectWaitMs,
          ),
        };
        pending.set(id, call);
        send(call);
      });
    },
    on(event, listener) {
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    close() {
      closed = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close(1000, 'console closed');
      socket = null;
      failAll('TRANSPORT', 'The console closed its connection to the host.');
      setPhase({ phase: 'closed' });
    },
  };
}
