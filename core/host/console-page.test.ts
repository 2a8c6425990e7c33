import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { startHost, type RunningHost } from './host-server.js';

function fetchRaw(url: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('headless host console window (one-time page, CSP for exactly the ticket origin)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let host: RunningHost;

  beforeEach(async () => {
    dir = tempDir();
    const staticDir = join(dir.path, 'renderer');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Outpost</title>');
    core = await createOutpostCore({ dataDir: dir.path, transport: 'host' });
    host = await startHost({ core, staticDir, token: 'console-test-token' });
  });
  afterEach(async () => {
    await host.close();
    await core.close();
    dir.remove();
  });

  it('serves the page once, with connect-src limited to the ticket origin and the ticket only in the page', async () => {
    const slot = core.services.consoles.slots.add({ vm: 'web-01 <x>', origin: 'wss://esx-07.example:8443', url: 'wss://esx-07.example:8443/ticket/0123456789abcdef' });
    // A HEAD (a prefetch, a link checker) does not use up the console.
    expect((await fetchRaw(`${host.url}/console/${slot.id}`, 'HEAD')).status).toBe(405);
    const page = await fetchRaw(`${host.url}/console/${slot.id}`);
    expect(page.status).toBe(200);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toContain('connect-src wss://esx-07.example:8443;');
    expect(csp.match(/connect-src [^;]+/)?.[0]).toBe('connect-src wss://esx-07.example:8443');
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.body).toContain('content="wss://esx-07.example:8443/ticket/0123456789abcdef"');
    expect(page.body).toContain('Console: web-01 &lt;x&gt;');
    expect(page.body).not.toMatch(/<script>/); // no inline script

    const again = await fetchRaw(`${host.url}/console/${slot.id}`);
    expect(again.status).toBe(404);
    expect(again.body).not.toContain('0123456789abcdef');
    expect(String(again.headers['content-security-policy'])).not.toContain('esx-07');

    const script = await fetchRaw(`${host.url}/console/console.js`);
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toContain('javascript');
    expect(script.body).toContain("new WebSocket(url, ['binary'])");
    expect((await fetchRaw(`${host.url}/console/not-a-slot`)).status).toBe(404);
    // The app's own pages keep the app CSP: no console origin there.
    expect(String((await fetchRaw(`${host.url}/`)).headers['content-security-policy'])).not.toContain('esx-07');
  });
});
