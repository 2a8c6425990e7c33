import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { isEventName } from '../contract/events.js';
import { MAX_CLIENT_MESSAGE_BYTES, WIRE_PATH, WIRE_PROTOCOL_VERSION, clientMessageSchema, type ServerMessage } from '../contract/wire.js';
import { TERMINAL_OUTPUT_PATH } from '../contract/terminal-wire.js';
import type { Result } from '../contract/errors.js';
import type { OutpostCore } from '../server/core.js';
import { version } from '../server/version.js';
import { serveStatic } from './static-files.js';
import { serveConsole } from './console-page.js';
import { TerminalStreamConnection } from '../terminal/terminal-stream-connection.js';
import { TerminalOutputStreams } from './terminal-output-streams.js';
import { BudgetedSocket, DEFAULT_SOCKET_LIMITS, SocketBudgets, type SocketLimits } from './socket-budget.js';

export interface HostOptions {
  core: OutpostCore;
  /** Folder of the built renderer (dist/renderer). */
  staticDir: string;
  /** 0 picks a free port. The host only ever binds 127.0.0.1. */
  port?: number;
  /** Fixed token for tests; normally random per run. */
  token?: string;
  /** Backpressure budgets (core/host/socket-budget.ts); tests shrink them. */
  limits?: Partial<SocketLimits>;
}

export interface RunningHost {
  url: string;
  /** The URL to open in a browser: carries the token in the fragment. */
  openUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}


/** Content-Security-Policy for the renderer: nothing but this origin, no inline script. */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}

function sameToken(given: string | null, expected: string): boolean {
  if (!given) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Serves the contract over a loopback WebSocket and the renderer as static files, so the whole
 * app runs in a plain browser. Every socket must present the per-run token; the Host and Origin
 * headers must name this loopback server (no DNS rebinding, no cross-site sockets).
 */
export async function startHost(options: HostOptions): Promise<RunningHost> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = options.port ?? 0;
  const allowedHosts = (): string[] => [`127.0.0.1:${port}`, `localhost:${port}`];
  const headers = (): Record<string, string> => ({
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'X-Frame-Options': 'DENY',
  });

  const server = createServer((req, res) => {
    if (!allowedHosts().includes(req.headers.host ?? '')) {
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Misdirected request');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    // A console page is handed out once: only a GET may claim it.
    if (path.startsWith('/console/') && req.method !== 'GET') {
      res.writeHead(405, { Allow: 'GET' }).end();
      return;
    }
    if (path === TERMINAL_OUTPUT_PATH) return outputs.serve(req, res);
    if (path.startsWith('/console/')) return serveConsole(path, (id) => options.core.services.consoles.slots.claim(id), res, contentSecurityPolicy(port));
    void serveStatic(options.staticDir, req.url ?? '/', res, headers());
  });

  // ws refuses a bigger message with close 1009 before buffering it; contract inputs are sized to fit (wire.ts).
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_CLIENT_MESSAGE_BYTES });
  const outputs = new TerminalOutputStreams();
  const budgets = new SocketBudgets({ ...DEFAULT_SOCKET_LIMITS, ...options.limits });
  const sockets = new Set<BudgetedSocket>();

  const authorised = (req: IncomingMessage): boolean => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== WIRE_PATH) return false;
    if (!allowedHosts().includes(req.headers.host ?? '')) return false;
    // Browsers always send Origin on a WebSocket; programmatic clients (tests, scripts) may not.
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedHosts().some((h) => origin === `http://${h}`)) return false;
    return sameToken(url.searchParams.get('token'), token);
  };

  server.on('upgrade', (req, socket, head) => {
    // Node hands the socket over without an error listener: a reset before ws takes it must not kill the host.
    socket.on('error', () => undefined);
    if (!authorised(req)) {
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req, socket));
  });

  const send = (socket: BudgetedSocket, message: ServerMessage): void => socket.send(JSON.stringify(message));

  wss.on('connection', (ws: WebSocket, _req: IncomingMessage, raw: Duplex) => {
    // A bad frame (too big, bad UTF-8, reserved opcode, unmasked...) is an 'error' on this socket,
    // which ws then closes with the matching code; unhandled, it would end the whole process.
    ws.on('error', () => undefined);
    // Binary frames on this socket are the terminal stream (core/contract/terminal-wire.ts), never
    // JSON; the output half moves to this socket's HTTP output stream once the page opens it.
    const output = outputs.offer(
      (frame) => socket.send(frame, true),
      () => ws.close(1011, 'terminal output stream closed'),
    );
    const socket = budgets.attach(ws, output.unsent);
    sockets.add(socket);
    // Emptied write buffer: the socket may read and run requests again.
    raw.on('drain', () => socket.pump());
    const terminals = new TerminalStreamConnection(options.core.services.terminals, output.send);
    send(socket, { type: 'hello', protocol: WIRE_PROTOCOL_VERSION, version, terminalOutput: output.id });
    ws.on('close', () => {
      sockets.delete(socket);
      budgets.detach(socket);
      terminals.close();
      output.close();
    });
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
        terminals.receive(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
        return;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(data.toString());
      } catch {
        ws.close(1007, 'message is not JSON');
        return;
      }
      const message = clientMessageSchema.safeParse(parsed);
      if (!message.success) {
        const id = (parsed as { id?: unknown } | null)?.id;
        if (typeof id === 'number') {
          send(socket, {
            type: 'result',
            id,
            result: { ok: false, error: { code: 'VALIDATION', message: 'Malformed message: expected {type:"invoke", id, command, input}.' } },
          });
        } else {
          ws.close(1008, 'malformed message');
        }
        return;
      }
      const { id, command, input } = message.data;
      socket.submit(async () => {
        let result: Result<unknown>;
        try {
          result = await options.core.dispatch(command, input, { transport: 'host' });
        } catch {
          // dispatch never throws by contract; if it ever does, the caller gets an answer, not a dead host.
          result = { ok: false, error: { code: 'INTERNAL', message: `${command} failed inside the host (a bug in Outpost): retry, and report it if it persists.` } };
        }
        send(socket, { type: 'result', id, result });
      });
    });
  });

  const unsubscribe = options.core.onEvent((event, payload) => {
    if (!isEventName(event)) return;
    const frame = JSON.stringify({ type: 'event', event, payload } satisfies ServerMessage);
    for (const socket of sockets) socket.send(frame);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    openUrl: `${url}/#token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      budgets.close();
      for (const socket of sockets) socket.ws.terminate();
      outputs.closeAll();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
