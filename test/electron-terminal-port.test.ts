import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { createElectronTerminalStreams } from '../renderer/transport/electron-terminal-port';
import type { TerminalChannel } from '../renderer/transport/terminal-streams';
import { TERMINAL_HIGH_WATER } from '../core/terminal/ack-window.js';
import { TerminalStreamConnection } from '../core/terminal/terminal-stream-connection.js';
import { createOutpostCore, type OutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { generateKey, sshdAvailable, startSshd, type Sshd } from './peers/openssh-server.js';
import { tempDir } from './temp-dir.js';
import { dispatchOrThrow } from './dispatch-or-throw.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

/**
 * What electron/terminal-port.ts does in the main process, with Node's MessageChannel standing in
 * for Electron's MessageChannelMain (no Electron binary here; both clone frames with V8's
 * structured clone): frames from the core's TerminalStreamConnection go out on port1, frames
 * from the page come back on it.
 */
function mainProcessPort(core: OutpostCore): { port2: MessagePort; close(): void } {
  const { port1, port2 } = new MessageChannel();
  const connection = new TerminalStreamConnection(core.services.terminals, (frame) => port1.postMessage(frame));
  port1.on('message', (data: unknown) => {
    if (data instanceof Uint8Array) connection.receive(data);
  });
  return {
    port2,
    close: () => {
      connection.close();
      port1.close();
    },
  };
}

/** The page: the preload's window message carrying the port, exactly as renderer/transport/electron-terminal-port.ts receives it. */
function pageWithPort(port: MessagePort) {
  let listener: ((event: MessageEvent) => void) | null = null;
  const win = { addEventListener: (_type: string, fn: (event: MessageEvent) => void) => (listener = fn) } as unknown as Window;
  const streams = createElectronTerminalStreams(win);
  listener!({ source: win, ports: [port], data: { type: 'outpost:terminal-port' } } as unknown as MessageEvent);
  return streams;
}

describe.skipIf(!canRun)('terminal bytes over a MessagePort, the Electron path (Node MessageChannel as a stand-in for MessageChannelMain; real sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let core: OutpostCore;
  let terminalId: number;

  beforeAll(async () => {
    dir = tempDir();
    const key = generateKey(join(dir.path, 'id'));
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'electron', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    const call = dispatchOrThrow(core);
    await call('vault.unlock', { passphrase: 'a long enough test passphrase' });
    await call('credentials.add', { name: 'lab', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
    await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });
    terminalId = (await call<{ id: number }>('terminal.open', { target: { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'lab' }, cols: 120, rows: 30 })).id;
  });
  afterAll(async () => {
    await core?.close();
    sshd?.stop();
    dir?.remove();
  });

  it('typed input goes out and output comes back; a flood arrives whole while acked, and stops near the high-water mark when not', async () => {
    const main = mainProcessPort(core);
    const streams = pageWithPort(main.port2);
    let text = '';
    let bytes = 0;
    let acking = true;
    let unacked = 0;
    const waiters: (() => void)[] = [];
    const until = async (ok: () => boolean, ms = 20_000): Promise<void> => {
      const deadline = Date.now() + ms;
      while (!ok()) {
        if (Date.now() > deadline) throw new Error(`timed out; ${bytes} bytes so far`);
        await new Promise<void>((resolve) => {
          waiters.push(resolve);
          setTimeout(resolve, 100);
        });
      }
    };
    const channel: TerminalChannel = streams.open(terminalId, {
      data: (payload) => {
        bytes += payload.length;
        if (text.length < 1_000_000) text += Buffer.from(payload).toString('utf8');
        if (acking) channel.ack(payload.length);
        else unacked += payload.length;
        for (const w of waiters.splice(0)) w();
      },
      closed: () => undefined,
      error: (message) => {
        throw new Error(message);
      },
    });

    channel.write('echo port-$((6*7))\r');
    await until(() => text.includes('port-42'));

    // 20 MB through the port, acknowledged as it comes: all of it arrives, cloned frame by frame.
    const lines = 200_000;
    const before = bytes;
    channel.write(`seq 1 ${lines} | sed 's/$/ 0123456789012345678901234567890123456789012345678901234567890123456789012345678901234/'; echo flood-end\r`);
    await until(() => text.includes('flood-end\r\n') || Buffer.byteLength(text) >= 1_000_000);
    await until(() => bytes - before > lines * 90);
    expect(bytes - before).toBeGreaterThan(lines * 90);

    // Not acknowledged: the core pauses the shell near the high-water mark instead of queueing it all.
    acking = false;
    unacked = 0;
    channel.write(`head -c 30000000 /dev/zero | tr '\\0' z\r`);
    await until(() => unacked > TERMINAL_HIGH_WATER / 2);
    await new Promise((r) => setTimeout(r, 1500));
    expect(unacked).toBeGreaterThan(TERMINAL_HIGH_WATER / 2);
    expect(unacked).toBeLessThan(TERMINAL_HIGH_WATER + 1024 * 1024);
    // Acknowledging it all lets the rest come.
    acking = true;
    channel.ack(unacked);
    await until(() => bytes - before > lines * 90 + 30_000_000, 60_000);

    channel.close();
    main.close();
  }, 120_000);
});
