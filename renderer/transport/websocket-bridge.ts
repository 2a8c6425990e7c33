import {
  MAX_CLIENT_MESSAGE_BYTES,
  TERMINAL_OUTPUT_PATH,
  TerminalFrameSplitter,
  WIRE_PROTOCOL_VERSION,
  serverMessageSchema,
  type ClientMessage,
  type ContractError,
  type Result,
} from '../../core/contract';
import { createConnectionCell, type ConnectedBridge, type ConnectionState } from './connection-state';
import { createTerminalStreams, type TerminalStreams } from './terminal-streams';

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
  /**
   * Opens the host's terminal output stream (core/contract/terminal-wire.ts); null keeps terminal
   * output on the socket. Defaults to fetch() on the socket's own origin.
   */
  openOutput?: ((path: string, signal: AbortSignal) => Promise<ReadableStream<Uint8Array>>) | null;
  /** How long the output stream may take to open before output stays on the socket. */
  outputOpenMs?: number;
}

interface PendingCall {
  message: ClientMessage;
  /** The message as sent, serialised once (its size was checked against the host's limit). */
  text: string;
  sent: boolean;
  timer: ReturnType<typeof setTimeout>;
  resolve(result: Result<unknown>): void;
}

const OPEN = 1;

/** fetch() of the output stream on the socket's origin; anything but a 200 with a body is a refusal. */
function fetchOutput(socketUrl: string): (path: string, signal: AbortSignal) => Promise<ReadableStream<Uint8Array>> {
  const origin = new URL(socketUrl.replace(/^ws/, 'http')).origin;
  return async (path, signal) => {
    const response = await fetch(origin + path, { signal, cache: 'no-store', credentials: 'omit' });
    if (!response.ok || !response.body) {
      void response.body?.cancel();
      throw new Error(`terminal output stream refused (HTTP ${response.status})`);
    }
    return response.body;
  };
}

const failure = (code: ContractError['code'], message: string): Result<never> => ({ ok: false, error: { code, message } });

const encoder = new TextEncoder();
/** Bytes of a message as the socket sends it (UTF-8); only long texts are encoded to find out. */
const messageBytes = (text: string): number => (text.length * 3 <= MAX_CLIENT_MESSAGE_BYTES ? text.length : encoder.encode(text).length);

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
  const openOutput = options.openOutput === undefined ? (typeof fetch === 'function' ? fetchOutput(options.url) : null) : options.openOutput;
  const outputOpenMs = options.outputOpenMs ?? 3000;

  const connection = createConnectionCell({ phase: 'connecting', transport: 'host' });
  const pending = new Map<number, PendingCall>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let socket: SocketLike | null = null;
  let ready = false; // true after the host's hello, not merely after the socket opened
  let nextId = 1;
  let failures = 0;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;
  let closed = false;
  /**
   * Where this connection's terminal output arrives. 'pending': the host offered a stream, not
   * opened yet (it opens with the first terminal); 'opening': asked for; 'stream': output comes on
   * it; 'socket': output comes as binary socket messages. Terminal frames are sent only in the
   * last two, so output never switches paths under a viewer.
   */
  let output: { mode: 'pending' | 'opening'; id: string } | { mode: 'stream' | 'socket' } = { mode: 'socket' };
  let outputAbort: AbortController | null = null;
  /** Once a stream failed to open, this page keeps its output on the socket. */
  let outputRefused = false;

  // Terminal bytes share the socket as binary frames (core/contract/terminal-wire.ts).
  const streams = createTerminalStreams((frame) => {
    if (!socket || !ready || socket.readyState !== OPEN) return false;
    if (output.mode !== 'stream' && output.mode !== 'socket') return false;
    socket.send(frame);
    return true;
  });
  const terminals: TerminalStreams = {
    open(id, handlers) {
      const channel = streams.open(id, handlers);
      startOutput();
      return channel;
    },
  };

  /** Opens the offered output stream (once a terminal wants output), then attaches every channel on it. */
  function startOutput(): void {
    if (output.mode !== 'pending' || streams.size === 0 || !openOutput || !socket) return;
    const { id } = output;
    const ws = socket;
    output = { mode: 'opening', id };
    const abort = new AbortController();
    outputAbort = abort;
    const current = (): boolean => socket === ws && outputAbort === abort;
    const timer = setTimeout(() => abort.abort(), outputOpenMs);
    const onSocket = (): void => {
      // Aborted because the socket went: the next connection tries again.
      if (!current()) return;
      outputRefused = true;
      output = { mode: 'socket' };
      outputAbort = null;
      streams.reattach();
    };
    openOutput(`${TERMINAL_OUTPUT_PATH}?stream=${encodeURIComponent(id)}`, abort.signal).then(
      (body) => {
        clearTimeout(timer);
        if (!current()) {
          void body.cancel().catch(() => undefined);
          return;
        }
        output = { mode: 'stream' };
        streams.reattach();
        void readOutput(body, ws, abort);
      },
      () => {
        clearTimeout(timer);
        // The host may have claimed it and now drops this socket; the next connection stays on it.
        onSocket();
      },
    );
  }

  async function readOutput(body: ReadableStream<Uint8Array>, ws: SocketLike, abort: AbortController): Promise<void> {
    const reader = body.getReader();
    const splitter = new TerminalFrameSplitter();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || socket !== ws || outputAbort !== abort) break;
        splitter.push(value, (frame) => streams.receive(frame));
      }
    } catch {
      // a corrupt or cut stream: handled below like its end
    }
    void reader.cancel().catch(() => undefined);
    // Output lost in between would leave a viewer with a hole: a fresh connection reattaches from what it has.
    if (socket === ws && outputAbort === abort) ws.close(4000, 'terminal output stream ended');
  }

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
    socket.send(call.text);
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
      streams.receive(new Uint8Array(data));
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
      output = message.terminalOutput && openOutput && !outputRefused ? { mode: 'pending', id: message.terminalOutput } : { mode: 'socket' };
      if (output.mode === 'socket') streams.reattach();
      else startOutput();
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
    outputAbort?.abort();
    outputAbort = null;
    output = { mode: 'socket' };
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
      outputAbort?.abort();
      outputAbort = null;
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
      const message: ClientMessage = { type: 'invoke', id, command, input };
      const text = JSON.stringify(message);
      const bytes = messageBytes(text);
      // The host cuts the whole connection on a message over its limit: refuse this one call instead.
      if (bytes > MAX_CLIENT_MESSAGE_BYTES) {
        const mb = (n: number): string => (n / 1048576).toFixed(1);
        return Promise.resolve(failure('TOO_LARGE', `This ${command} request is ${mb(bytes)} MB; the host takes at most ${mb(MAX_CLIENT_MESSAGE_BYTES)} MB per request. Send less at once.`));
      }
      return new Promise<Result<unknown>>((resolve) => {
        const call: PendingCall = {
          message,
          text,
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
      outputAbort?.abort();
      outputAbort = null;
      failAll('TRANSPORT', 'The console closed its connection to the host.');
      setPhase({ phase: 'closed' });
    },
  };
}
