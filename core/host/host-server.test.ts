import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import WebSocket from 'ws';
import { tempDir } from '../../test/temp-dir.js';
import type { ServerMessage } from '../contract/wire.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { startHost, type RunningHost } from './host-server.js';

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

  beforeEach(async () => {
    dir = tempDir();
    const staticDir = join(dir.path, 'renderer');
    mkdirSync(join(staticDir, 'assets'), { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Outpost</title>');
    writeFileSync(join(staticDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(dir.path, 'secret.txt'), 'outside the static root');
    core = createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'host' });
    host = await startHost({ core, staticDir });
    wsUrl = `ws://127.0.0.1:${host.port}/ws?token=${host.token}`;
  });
  afterEach(async () => {
    await host.close();
    core.close();
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

  it('closes a socket that sends something that is not JSON', async () => {
    const { ws, next } = await connect(wsUrl);
    await next();
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    ws.send('not json');
    expect(await closed).toBe(1007);
  });
});
