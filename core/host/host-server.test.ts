import { afterEach, beforeEach, describe, expect, it, onTestFinished } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import WebSocket from 'ws';
import { tempDir } from '../../test/temp-dir.js';
import { ServerFrameReader, closeOf, encodeFrame, rawWebSocket, textFrame } from '../../test/raw-websocket.js';
import { seedVms } from '../../test/seed-vms.js';
import type { ServerMessage } from '../contract/wire.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { startHost, type HostOptions, type RunningHost } from './host-server.js';

function get(url: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Opens a socket and collects messages; resolves once the hello arrived. */
function connect(url: string, options: WebSocket.ClientOptions = {}): Promise<{ ws: WebSocket; next(): Promise<ServerMessage>; messages: ServerMessage[] }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, options);
    const messages: ServerMessage[] = [];
    const waiters: ((m: ServerMessage) => void)[] = [];
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as ServerMessage;
      const w = waiters.shift();
      if (w) w(m);
      else messages.push(m);
    });
    ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
    ws.once('error', reject);
    const next = (): Promise<ServerMessage> =>
      new Promise((r) => {
        const m = messages.shift();
        if (m) r(m);
        else waiters.push(r);
      });
    ws.once('open', () => resolve({ ws, next, messages }));
  });
}

describe('headless host (loopback WebSocket + static renderer)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let host: RunningHost;
  let wsUrl: string;

  const start = async (limits?: HostOptions['limits']): Promise<void> => {
    await host.close();
    host = await startHost({ core, staticDir: join(dir.path, 'renderer'), ...(limits ? { limits } : {}) });
    wsUrl = `ws://127.0.0.1:${host.port}/ws?token=${host.token}`;
  };

  beforeEach(async () => {
    dir = tempDir();
    const staticDir = join(dir.path, 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Outpost</title>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir.path, 'secret.txt'), 'outside the static root');
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'host' });
    host = await startHost({ core, staticDir });
    wsUrl = `ws://127.0.0.1:${host.port}/ws?token=${host.token}`;
  });
  afterEach(async () => {
    await host.close();
    await core.close();
    dir.remove();
  });

  it('binds to 127.0.0.1 only and hands out a token URL', () => {
    expect(host.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.openUrl).toBe(`${host.url}/#token=${host.token}`);
    expect(host.token.length).toBeGreaterThanOrEqual(32);
  });

  it('serves the renderer with a strict CSP and falls back to index.html for app routes', async () => {
    const page = await get(`${host.url}/settings`);
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>Outpost</title>');
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https?:\/\/(?!127)/);
    expect((await get(`${host.url}/assets/app.js`)).body).toBe('console.log(1)');
    expect((await get(`${host.url}/assets/missing.js`)).status).toBe(404);
  });

  it('never serves files outside the renderer folder', async () => {
    const res = await get(`${host.url}/..%2fsecret.txt`);
    expect(res.body).not.toContain('outside the static root');
    expect([403, 404]).toContain(res.status);
  });

  it('streams static files: clients that do not read hold a read buffer each, not the file', async () => {
    writeFileSync(join(dir.path, 'renderer', 'assets', 'big.js'), Buffer.alloc(16 * 1024 * 1024, 0x61));
    const before = process.memoryUsage().arrayBuffers;
    const sockets = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const socket = createConnection(host.port, '127.0.0.1');
        await new Promise((r) => socket.once('connect', r));
        socket.pause();
        socket.write(`GET /assets/big.js HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\n\r\n`);
        return socket;
      }),
    );
    await new Promise((r) => setTimeout(r, 500));
    const held = process.memoryUsage().arrayBuffers - before;
    for (const s of sockets) s.destroy();
    // Read whole, ten requests would hold 160 MB until written.
    expect(held).toBeLessThan(40 * 1024 * 1024);
  });

  it('refuses requests for another Host name (DNS rebinding)', async () => {
    const res = await get(`${host.url}/`, { Host: `evil.example:${host.port}` });
    expect(res.status).toBe(421);
  });

  it('refuses sockets without the token, with a wrong token or from another origin', async () => {
    await expect(connect(`ws://127.0.0.1:${host.port}/ws`)).rejects.toThrow('HTTP 401');
    await expect(connect(`ws://127.0.0.1:${host.port}/ws?token=${'x'.repeat(host.token.length)}`)).rejects.toThrow('HTTP 401');
    await expect(connect(wsUrl, { origin: 'http://evil.example' })).rejects.toThrow('HTTP 401');
    const ok = await connect(wsUrl, { origin: host.url });
    ok.ws.close();
  });

  it('dispatches contract commands and returns typed errors', async () => {
    const { ws, next } = await connect(wsUrl);
    expect(await next()).toMatchObject({ type: 'hello', protocol: 1 });
    ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'app.info', input: {} }));
    expect(await next()).toMatchObject({ type: 'result', id: 1, result: { ok: true, value: { transport: 'host' } } });
    ws.send(JSON.stringify({ type: 'invoke', id: 2, command: 'settings.update', input: { theme: 'purple' } }));
    expect(await next()).toMatchObject({ type: 'result', id: 2, result: { ok: false, error: { code: 'VALIDATION' } } });
    ws.send(JSON.stringify({ type: 'invoke', id: 3, command: 'no.such', input: {} }));
    expect(await next()).toMatchObject({ type: 'result', id: 3, result: { ok: false, error: { code: 'UNKNOWN_COMMAND' } } });
    ws.send(JSON.stringify({ type: 'invoke', id: 4 }));
    expect(await next()).toMatchObject({ type: 'result', id: 4, result: { ok: false, error: { code: 'VALIDATION' } } });
    ws.close();
  });

  it('pushes events to every connected client', async () => {
    const a = await connect(wsUrl);
    const b = await connect(wsUrl);
    await a.next();
    await b.next();
    a.ws.send(JSON.stringify({ type: 'invoke', id: 7, command: 'settings.update', input: { theme: 'dark' } }));
    const seenByB = [await b.next(), await b.next()];
    expect(seenByB).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'event', event: 'settings.changed', payload: expect.objectContaining({ theme: 'dark' }) }),
        expect.objectContaining({ type: 'event', event: 'audit.appended' }),
      ]),
    );
    a.ws.close();
    b.ws.close();
  });

  it.each([
    ['a frame over the 1 MiB limit', encodeFrame({ opcode: 1, payload: Buffer.alloc(16), declaredLength: 1024 * 1024 + 1 }), 1009],
    ['invalid UTF-8 in a text frame', encodeFrame({ opcode: 1, payload: Buffer.from([0x22, 0xff, 0xfe, 0x22]) }), 1007],
    ['a reserved opcode', encodeFrame({ opcode: 3, payload: Buffer.from('x') }), 1002],
    ['an unmasked frame', encodeFrame({ opcode: 1, payload: Buffer.from('{}'), masked: false }), 1002],
    ['reserved bits set', encodeFrame({ opcode: 1, payload: Buffer.from('{}'), rsv: 4 }), 1002],
  ])('survives %s: closes that socket (%#) and keeps serving the others', async (_name, frame, code) => {
    // In the real host an uncaught error ends the process; here it would only be reported, so catch it.
    const uncaught: unknown[] = [];
    const onUncaught = (err: unknown): void => void uncaught.push(err);
    process.on('uncaughtException', onUncaught);
    onTestFinished(() => void process.off('uncaughtException', onUncaught));
    const bystander = await connect(wsUrl);
    await bystander.next();
    const { socket } = await rawWebSocket(host.port, `/ws?token=${host.token}`);
    const closed = untilClosed(socket);
    socket.write(frame);
    expect((await closed).code).toBe(code);
    expect(uncaught).toEqual([]);
    bystander.ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'app.info', input: {} }));
    expect(await bystander.next()).toMatchObject({ type: 'result', id: 1, result: { ok: true } });
    bystander.ws.close();
  });

  it('stops running the requests of a client that does not read, then closes it with 1008 and a reason', async () => {
    await seedVms(core.sql, 5000);
    await start({ socketBudgetBytes: 256 * 1024, stallMs: 600, closeGraceMs: 10_000, maxRunning: 2 });
    let dispatched = 0;
    const dispatch = core.dispatch;
    core.dispatch = (...args) => {
      dispatched++;
      return dispatch(...args);
    };
    const { socket } = await rawWebSocket(host.port, `/ws?token=${host.token}`);
    // 200 lists of 5,000 VMs (~2 MB each) sent, none read: only what fits before the socket congests may run.
    for (let id = 1; id <= 200; id++) socket.write(textFrame(JSON.stringify({ type: 'invoke', id, command: 'vms.list', input: { limit: 200_000 } })));
    await new Promise((r) => setTimeout(r, 1500));
    const ranWhileStalled = dispatched;
    // Reading again within the grace period: what was sent, then the close frame and its reason.
    const closed = await untilClosed(socket);
    expect(ranWhileStalled).toBeLessThan(30);
    expect(closed.code).toBe(1008);
    expect(closed.reason).toMatch(/client not reading: [\d.]+ MB unsent for \d+ s/);
    expect(closed.results).toBe(ranWhileStalled);
    // Everyone else is still served.
    const other = await connect(wsUrl);
    await other.next();
    other.ws.send(JSON.stringify({ type: 'invoke', id: 1, command: 'app.info', input: {} }));
    expect(await other.next()).toMatchObject({ type: 'result', id: 1, result: { ok: true } });
    other.ws.close();
  });

  it('drops congested clients at once when the host as a whole holds too much unsent output', async () => {
    await seedVms(core.sql, 5000);
    await start({ socketBudgetBytes: 256 * 1024, hostBudgetBytes: 3 * 1024 * 1024, stallMs: 60_000 });
    const sockets = await Promise.all([0, 1, 2].map(() => rawWebSocket(host.port, `/ws?token=${host.token}`)));
    const t = performance.now();
    for (const { socket } of sockets) {
      for (let id = 1; id <= 20; id++) socket.write(textFrame(JSON.stringify({ type: 'invoke', id, command: 'vms.list', input: { limit: 200_000 } })));
    }
    await new Promise((r) => setTimeout(r, 1500));
    const closes = await Promise.all(sockets.map(({ socket }) => untilClosed(socket, 3000)));
    // Long before the 60 s stall limit, the host cut at least one of them to get back under its budget.
    expect(performance.now() - t).toBeLessThan(10_000);
    expect(closes.filter((c) => c.code !== 0).length).toBeGreaterThan(0);
  });

  it('closes a socket that sends something that is not JSON', async () => {
    const { ws, next } = await connect(wsUrl);
    await next();
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('not json');
    expect(await closed).toBe(1007);
  });
});

/** Reads a raw socket until the host closes it: the close frame's code and reason, and how many results came before it. */
function untilClosed(socket: import('node:net').Socket, timeoutMs = 20_000): Promise<{ code: number; reason: string; results: number }> {
  const reader = new ServerFrameReader();
  let results = 0;
  let close: { code: number; reason: string } = { code: 1006, reason: '' };
  return new Promise((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      for (const frame of reader.push(chunk)) {
        if (frame.opcode === 8) {
          close = closeOf(frame);
          socket.destroy();
        } else if (frame.opcode === 1 && frame.payload.includes('"type":"result"')) results++;
      }
    });
    socket.on('error', () => undefined);
    // 0: still open when the time ran out.
    const timer = setTimeout(() => {
      close = { code: 0, reason: 'still open' };
      socket.destroy();
    }, timeoutMs);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve({ ...close, results });
    });
    socket.resume();
  });
}
