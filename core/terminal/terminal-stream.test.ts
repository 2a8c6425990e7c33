import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import WebSocket from 'ws';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { get as httpGet, request as httpRequest, type ClientRequest } from 'node:http';
import {
  TERMINAL_OUTPUT_PATH,
  TerminalFrameKind,
  TerminalFrameSplitter,
  ackPayload,
  decodeTerminalFrame,
  encodeTerminalFrame,
  payloadText,
  type TerminalFrame,
} from '../contract/terminal-wire.js';
import { MAX_OUTPUT_STREAMS } from '../host/terminal-output-streams.js';
import { startHost, type RunningHost } from '../host/host-server.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { TERMINAL_HIGH_WATER } from './ack-window.js';
import { rdpClientFor, rdpFileText } from './rdp-file.js';

/** A renderer's side of the terminal stream over the host's real WebSocket (binary frames). */
class StreamClient {
  readonly frames: TerminalFrame[] = [];
  received = 0;
  /** Frames that came as WebSocket messages (the rest came on the HTTP output stream). */
  viaSocket = 0;
  /** The hello's output stream id. */
  outputId = '';
  private readonly waiters: (() => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.on('message', (data, isBinary) => {
      if (!isBinary) {
        const message = JSON.parse(String(data)) as { type: string; terminalOutput?: string };
        if (message.type === 'hello') this.outputId = message.terminalOutput ?? '';
        this.wake();
        return;
      }
      this.viaSocket++;
      this.take(new Uint8Array(data as Buffer));
    });
  }

  take(bytes: Uint8Array): void {
    const frame = decodeTerminalFrame(bytes);
    if (!frame) throw new Error('malformed frame from the host');
    this.frames.push(frame);
    if (frame.kind === TerminalFrameKind.data) this.received += frame.payload.length;
    this.wake();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  static async connect(url: string): Promise<StreamClient> {
    const ws = new WebSocket(url);
    const client = new StreamClient(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    await client.until(() => client.outputId !== '');
    return client;
  }

  /** Opens this socket's HTTP output stream, as the renderer does once it shows a terminal. */
  openOutput(port: number, headers: Record<string, string> = {}): Promise<{ status: number; type: string | undefined; request: ClientRequest }> {
    const splitter = new TerminalFrameSplitter();
    return new Promise((resolve, reject) => {
      const request = httpGet({ host: '127.0.0.1', port, path: `${TERMINAL_OUTPUT_PATH}?stream=${this.outputId}`, headers }, (res) => {
        if (res.statusCode === 200) res.on('data', (chunk: Buffer) => splitter.push(new Uint8Array(chunk), (frame) => this.take(frame)));
        else res.resume();
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], request });
      });
      request.on('error', reject);
    });
  }

  send(kind: TerminalFrameKind, channel: number, payload?: Uint8Array): void {
    this.ws.send(encodeTerminalFrame(kind, channel, payload));
  }

  text(channel: number): string {
    return this.frames.filter((f) => f.kind === TerminalFrameKind.data && f.channel === channel).map((f) => payloadText(f.payload)).join('');
  }

  async until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error('timed out waiting for terminal output');
      await new Promise<void>((r) => {
        this.waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }
}

const settle = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!sshdAvailable() || process.getuid?.() !== 0)('terminal stream over the host WebSocket (real sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let host: RunningHost;
  let sshd: Sshd;
  let wsUrl: string;
  const extraSshds: Sshd[] = [];

  beforeAll(async () => {
    dir = tempDir();
    const staticDir = join(dir.path, 'renderer');
    mkdirSync(staticDir, { recursive: true });
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>Outpost</title>');
    const key = generateKey(join(dir.path, 'id'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'host', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    await core.dispatch('vault.unlock', { passphrase: 'a long enough passphrase' });
    expect(await core.dispatch('credentials.add', { name: 'lab', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } })).toMatchObject({ ok: true });
    host = await startHost({ core, staticDir });
    wsUrl = `ws://127.0.0.1:${host.port}/ws?token=${host.token}`;
  });
  afterAll(async () => {
    await host?.close();
    await core?.close();
    sshd?.stop();
    for (const s of extraSshds) s.stop();
    dir?.remove();
  });

  const call = async <T,>(command: string, input: unknown): Promise<T> => {
    const r = await core.dispatch(command, input);
    expect(r, `${command} ${JSON.stringify(r)}`).toMatchObject({ ok: true });
    return (r as { value: T }).value;
  };
  const target = (): { type: 'ssh'; host: string; port: number; credential: string } => ({ type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'lab' });

  it('asks about an unknown host key first, then streams a shell as binary frames (input, resize, log, reconnect, close)', async () => {
    const unknown = await core.dispatch('terminal.open', { target: target(), cols: 100, rows: 30 });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'HOST_KEY_UNKNOWN', details: { fingerprint: sshd.fingerprint } } });
    await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });

    const events: string[] = [];
    const off = core.onEvent((event, payload) => event === 'terminal.changed' && events.push((payload as { state: string }).state));
    const info = await call<{ id: number; state: string; kind: string; title: string }>('terminal.open', { target: target(), cols: 100, rows: 30, log: true });
    expect(info).toMatchObject({ state: 'open', kind: 'ssh', title: `root@127.0.0.1:${sshd.port}` });
    expect(await call('terminal.list', {})).toEqual([expect.objectContaining({ id: info.id, state: 'open' })]);

    const client = await StreamClient.connect(wsUrl);
    client.send(TerminalFrameKind.attach, info.id);
    client.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('echo stream-$((40+2))\r'));
    await client.until(() => client.text(info.id).includes('stream-42'));
    // Acks keep the window open, as xterm's write callback does.
    client.send(TerminalFrameKind.ack, info.id, ackPayload(client.received));

    await call('terminal.resize', { id: info.id, cols: 120, rows: 40 });
    expect(await call('terminal.write', { id: info.id, data: 'stty size\r' })).toEqual({ written: 10 });
    await client.until(() => client.text(info.id).includes('40 120'));

    const logged = (await call<{ logPath: string }[]>('terminal.list', {}))[0]!.logPath;
    expect(logged).toMatch(/terminal-logs/);
    const stopped = await call<{ logPath: string | null }>('terminal.log', { id: info.id, enabled: false });
    expect(stopped.logPath).toBeNull();
    await settle(100);
    expect(readFileSync(logged, 'utf8')).toContain('stream-42');

    // A frame for a terminal that does not exist is answered, not fatal.
    client.send(TerminalFrameKind.attach, 999);
    await client.until(() => client.frames.some((f) => f.kind === TerminalFrameKind.error && f.channel === 999));

    const reconnected = await call<{ state: string; reconnects: number }>('terminal.reconnect', { id: info.id });
    expect(reconnected).toMatchObject({ state: 'open', reconnects: 1 });
    client.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('echo after-$((1+1))\r'));
    await client.until(() => client.text(info.id).includes('after-2'));

    client.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('exit 3\r'));
    await client.until(() => client.frames.some((f) => f.kind === TerminalFrameKind.closed && f.channel === info.id));
    const closedFrame = client.frames.find((f) => f.kind === TerminalFrameKind.closed)!;
    expect(JSON.parse(payloadText(closedFrame.payload))).toEqual({ exitCode: 3, signal: null });
    expect(await call('terminal.close', { id: info.id })).toMatchObject({ state: 'closed', exit: { exitCode: 3 } });
    expect(events).toEqual(expect.arrayContaining(['open', 'connecting', 'closed']));
    off();
    client.ws.close();
  });

  it('pauses a flooding session while acks lag and resumes it once the viewer catches up', async () => {
    const info = await call<{ id: number }>('terminal.open', { target: target() });
    const client = await StreamClient.connect(wsUrl);
    client.send(TerminalFrameKind.attach, info.id);
    client.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('yes outpost-flood-line\r'));
    // Never ack: the host must stop near the high-water mark, however fast sshd produces.
    await client.until(() => client.received > TERMINAL_HIGH_WATER, 15_000);
    await settle(500);
    const held = client.received;
    await settle(700);
    expect(client.received).toBe(held);
    expect(held).toBeLessThan(TERMINAL_HIGH_WATER + 512 * 1024);
    expect(core.services.terminals.flow(info.id).paused).toBe(true);

    // The viewer draws everything: the session resumes and output flows again.
    client.send(TerminalFrameKind.ack, info.id, ackPayload(held));
    await client.until(() => client.received > held + 64 * 1024);
    // ...until the new window fills: without further acks it holds again, one window later.
    await settle(700);
    const heldAgain = client.received;
    await settle(500);
    expect(client.received).toBe(heldAgain);
    expect(heldAgain - held).toBeLessThan(TERMINAL_HIGH_WATER + 512 * 1024);
    expect(core.services.terminals.flow(info.id).paused).toBe(true);

    // Keep acking while stopping the flood; a detached terminal runs on without viewers (a hidden tab never blocks a remote job).
    const acker = setInterval(() => client.send(TerminalFrameKind.ack, info.id, ackPayload(1024 * 1024 * 1024)), 20);
    client.send(TerminalFrameKind.data, info.id, new Uint8Array([3]));
    await settle(300);
    clearInterval(acker);
    client.send(TerminalFrameKind.detach, info.id);
    await settle(100);
    expect(core.services.terminals.flow(info.id)).toEqual({ paused: false, inFlight: [] });
    // The socket going away detaches as well; the terminal stays open for the next viewer.
    client.ws.close();
    await call('terminal.close', { id: info.id });
  });

  it('moves output to the HTTP output stream the page opens, and guards that stream', async () => {
    const info = await call<{ id: number }>('terminal.open', { target: target() });
    const client = await StreamClient.connect(wsUrl);
    expect(client.outputId).toMatch(/^[A-Za-z0-9_-]{24}$/);
    const status = (path: string, method = 'GET', headers: Record<string, string> = {}): Promise<number> =>
      new Promise((resolve, reject) => {
        const req = httpRequest({ host: '127.0.0.1', port: host.port, path, method, headers }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        });
        req.on('error', reject);
        req.end();
      });
    expect(await status(`${TERMINAL_OUTPUT_PATH}?stream=not-a-stream-id-at-all`)).toBe(404);
    expect(await status(`${TERMINAL_OUTPUT_PATH}?stream=${client.outputId}`, 'HEAD')).toBe(405);
    // Another site's page cannot read it, even knowing the id.
    expect(await status(`${TERMINAL_OUTPUT_PATH}?stream=${client.outputId}`, 'GET', { 'Sec-Fetch-Site': 'cross-site' })).toBe(403);

    const output = await client.openOutput(host.port, { 'Sec-Fetch-Site': 'same-origin' });
    expect(output).toMatchObject({ status: 200, type: 'application/octet-stream' });
    // Claimed once: a second GET of the same id gets nothing.
    expect(await status(`${TERMINAL_OUTPUT_PATH}?stream=${client.outputId}`)).toBe(404);

    client.send(TerminalFrameKind.attach, info.id);
    client.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('echo via-http-$((6*7))\r'));
    await client.until(() => client.text(info.id).includes('via-http-42'));
    expect(client.viaSocket).toBe(0);

    // The stream going away takes the socket with it: the page reconnects and reattaches from what it has.
    const closed = new Promise<number>((resolve) => client.ws.once('close', (code) => resolve(code)));
    output.request.destroy();
    expect(await closed).toBe(1011);
    await call('terminal.close', { id: info.id });
  });

  it('keeps output on the socket past the cap of open output streams', async () => {
    const clients = await Promise.all(Array.from({ length: MAX_OUTPUT_STREAMS + 1 }, () => StreamClient.connect(wsUrl)));
    const opened = [];
    for (const c of clients.slice(0, MAX_OUTPUT_STREAMS)) opened.push(await c.openOutput(host.port));
    expect(opened.map((o) => o.status)).toEqual(Array(MAX_OUTPUT_STREAMS).fill(200));
    expect((await clients.at(-1)!.openOutput(host.port)).status).toBe(503);

    // The refused page still gets its output, as socket messages.
    const info = await call<{ id: number }>('terminal.open', { target: target() });
    const last = clients.at(-1)!;
    last.send(TerminalFrameKind.attach, info.id);
    last.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('echo via-socket-$((6*7))\r'));
    await last.until(() => last.text(info.id).includes('via-socket-42'));
    expect(last.viaSocket).toBeGreaterThan(0);
    for (const c of clients) c.ws.close();
    await call('terminal.close', { id: info.id });
  });

  it('opens a terminal to an inventory VM by its guest IP, and writes a .rdp file for a Windows VM', async () => {
    // Rows as a vCenter sync leaves them (the sync itself is tested against vcsim in core/inventory);
    // the Linux guest's IP is a second sshd on 127.0.0.2 (a guest never reports 127.0.0.1).
    const guest = await startSshd({ dir: dir.path, listen: '127.0.0.2', authorizedKeys: [readFileSync(join(dir.path, 'id.pub'), 'utf8')] });
    extraSshds.push(guest);
    const now = new Date().toISOString();
    const site = await core.sql.run('INSERT INTO sites (name, url, username, created_at, last_sync_at) VALUES (?, ?, ?, ?, ?)', ['lab', 'https://vc.lab.invalid/sdk', 'u', now, now]);
    const vm = `INSERT INTO inv_vms (site_id, moref, name, guest_id, guest_full_name, power_state, ip_address, ip_addresses, seen_run, first_seen_at, updated_at)
       VALUES (?, ?, ?, ?, ?, 'poweredOn', ?, ?, 1, ?, ?)`;
    await core.sql.run(vm, [site.lastId, 'vm-linux', 'web-01', 'ubuntu64Guest', 'Ubuntu Linux (64-bit)', '127.0.0.2', '127.0.0.2', now, now]);
    await core.sql.run(vm, [site.lastId, 'vm-win', 'dc-01', 'windows2019srv_64Guest', 'Microsoft Windows Server 2019 (64-bit)', '192.0.2.10', '192.0.2.10', now, now]);
    await core.sql.run(vm, [site.lastId, 'vm-noip', 'blank', 'otherGuest', null, null, '', now, now]);

    const vmTarget = { type: 'vm', site: 'lab', vm: 'vm-linux', credential: 'lab', port: guest.port };
    expect(await core.dispatch('terminal.open', { target: vmTarget })).toMatchObject({ ok: false, error: { code: 'HOST_KEY_UNKNOWN', details: { host: '127.0.0.2', fingerprint: guest.fingerprint } } });
    await call('knownHosts.trust', { host: '127.0.0.2', port: guest.port, fingerprint: guest.fingerprint });
    const info = await call<{ id: number; kind: string; title: string }>('terminal.open', { target: vmTarget });
    expect(info).toMatchObject({ kind: 'ssh', title: `root@127.0.0.2:${guest.port}` });
    const client = await StreamClient.connect(wsUrl);
    client.send(TerminalFrameKind.attach, info.id);
    client.send(TerminalFrameKind.data, info.id, new TextEncoder().encode('echo vm-$((7*6))\r'));
    await client.until(() => client.text(info.id).includes('vm-42'));
    client.ws.close();
    await call('terminal.close', { id: info.id });

    expect(await core.dispatch('terminal.open', { target: { type: 'vm', site: 'lab', vm: 'vm-noip', credential: 'lab' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION', message: expect.stringContaining('no guest IP') } });
    const rdp = await call<{ path: string; address: string; launched: unknown; message: string }>('terminal.rdp', { site: 'lab', vm: 'vm-win', username: 'LAB\\admin', launch: false });
    expect(rdp).toMatchObject({ address: '192.0.2.10:3389', launched: null });
    expect(readFileSync(rdp.path, 'utf8')).toContain('full address:s:192.0.2.10:3389\r\nusername:s:LAB\\admin');
  });

  it('writes a .rdp file and finds an RDP client on PATH as argv', () => {
    const text = rdpFileText({ address: '10.0.0.5', port: 3389, username: 'Administrator' });
    expect(text).toContain('full address:s:10.0.0.5:3389\r\n');
    expect(text).toContain('username:s:Administrator');
    const bin = join(dir.path, 'bin');
    mkdirSync(bin, { recursive: true });
    expect(rdpClientFor('/x/vm.rdp', 'linux', bin)).toBeNull();
    writeFileSync(join(bin, 'remmina'), '#!/bin/sh\n');
    chmodSync(join(bin, 'remmina'), 0o755);
    expect(rdpClientFor('/x/vm.rdp', 'linux', bin)).toEqual({ program: join(bin, 'remmina'), args: ['-c', '/x/vm.rdp'] });
    expect(existsSync(join(bin, 'remmina'))).toBe(true);
  });

  it('rejects bad terminal input with one clear error', async () => {
    expect(await core.dispatch('terminal.open', { target: { type: 'ssh', host: 'bad host;rm', credential: 'lab' } })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('terminal.resize', { id: 1, cols: 0, rows: 10 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('terminal.write', { id: 4242, data: 'x' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(await core.dispatch('terminal.rdp', { site: 'nowhere', vm: 'vm-1', launch: false })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
