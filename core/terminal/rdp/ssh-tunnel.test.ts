import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../../test/peers/openssh-server.js';
import { tempDir } from '../../../test/temp-dir.js';
import { until } from '../../../test/until.js';
import { pinnedHostKey } from '../../ssh/pinned-host-key.js';
import { openLocalTunnel, type LocalTunnel } from './ssh-tunnel.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

/** A VM-side service that sends without pause from the moment a client connects (a desktop's screen updates). */
function startFlood(): Promise<{ server: Server; port: number; open: () => number }> {
  const open = new Set<Socket>();
  const chunk = Buffer.alloc(64 * 1024, 0x61);
  const server = createServer((sock) => {
    open.add(sock);
    sock.on('error', () => sock.destroy());
    sock.once('close', () => open.delete(sock));
    const pump = (): void => {
      while (!sock.destroyed && sock.write(chunk));
      if (!sock.destroyed) sock.once('drain', pump);
    };
    pump();
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ server, port: (server.address() as { port: number }).port, open: () => open.size })));
}

/** Connects to the tunnel, waits for `bytes` of the flood, then hangs up with `how`. */
function readThenHangUp(port: number, bytes: number, how: 'end' | 'reset'): Promise<void> {
  return new Promise((resolve, reject) => {
    const sock = connect(port, '127.0.0.1');
    let got = 0;
    sock.on('error', reject);
    sock.on('data', (c: Buffer) => {
      got += c.length;
      if (got < bytes) return;
      sock.removeAllListeners('data');
      if (how === 'end') sock.end(() => sock.destroy());
      else sock.resetAndDestroy();
      resolve();
    });
  });
}

describe.skipIf(!canRun)('local SSH tunnel (ssh -L) through a real OpenSSH sshd on 127.0.0.1', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let flood: Awaited<ReturnType<typeof startFlood>>;
  let tunnel: LocalTunnel | null = null;
  const uncaught: Error[] = [];
  const onUncaught = (err: Error): void => void uncaught.push(err);

  beforeAll(async () => {
    dir = tempDir();
    const key = generateKey(join(dir.path, 'id'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    flood = await startFlood();
    tunnel = await openLocalTunnel(
      { host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key', privateKey: key.privateKey }, jumps: [] },
      { host: '127.0.0.1', port: flood.port },
      { hostKeys: pinnedHostKey(sshd.fingerprint) },
    );
    process.on('uncaughtException', onUncaught);
  }, 30_000);
  afterEach(() => expect(uncaught.splice(0)).toEqual([]));
  afterAll(async () => {
    process.off('uncaughtException', onUncaught);
    tunnel?.close();
    await new Promise((resolve) => flood?.server.close(resolve));
    sshd?.stop();
    dir?.remove();
  });

  it('clients that hang up or reset while the VM side floods end their own connection only: no uncaught EPIPE, nothing left open, the tunnel carries the next one', async () => {
    for (let i = 0; i < 6; i++) await readThenHangUp(tunnel!.port, 256 * 1024, i % 2 === 0 ? 'end' : 'reset');
    // Each hang-up closed its channel, and so the VM side's connection.
    await until('the flood connections to close', flood.open, (n) => n === 0);
    await readThenHangUp(tunnel!.port, 1024 * 1024, 'end');
    expect(tunnel!.connections).toBe(7);
    await until('the last flood connection to close', flood.open, (n) => n === 0);
  });

  it('a client gone before its channel is open leaves no channel behind', async () => {
    for (let i = 0; i < 5; i++) connect(tunnel!.port, '127.0.0.1').on('error', () => undefined).resetAndDestroy();
    await until('the tunnel to accept them', () => tunnel!.connections, (n) => n === 12);
    // A channel opened for a client already gone is closed at once: the VM side sees no connection stay.
    await new Promise((resolve) => setTimeout(resolve, 500));
    await until('no flood connection to stay open', flood.open, (n) => n === 0);
  });
});
