import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { outpostBin, runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

/** A TCP listener that counts connections and answers each with plain HTTP (not TLS). */
async function plainHttpServer(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let connections = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (typeof address !== 'object' || !address) throw new Error('no port');
  return { port: address.port, connections: () => connections, close: () => {
      // close() waits for open connections: end them (by object, these are ours).
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

describe.skipIf(!canRun)('the CLI checks its inputs before anything runs, and survives a closed output (built binary)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: string;
  let keyFile: string;
  let sshd: Sshd;

  beforeAll(async () => {
    dir = tempDir();
    db = join(dir.path, 'outpost.db');
    keyFile = join(dir.path, 'id_ed25519');
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [generateKey(keyFile).publicKey] });
  });
  afterAll(() => {
    sshd?.stop();
    dir?.remove();
  });

  it('--key that is not a private key, or an encrypted one without (or with a wrong) passphrase: exit 2, one line, no connection to any host', async () => {
    const hosts = join(dir.path, 'hosts.txt');
    writeFileSync(hosts, `127.0.0.1:${sshd.port}\n`);
    const notKey = join(dir.path, 'notes.txt');
    writeFileSync(notKey, 'just some text\n');
    const encrypted = join(dir.path, 'id_encrypted');
    generateKey(encrypted, 'ed25519', { passphrase: 'right-passphrase' });
    const before = sshd.log().length;
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['fanout', '--hosts-file', hosts, '--user', 'root', '--key', notKey, '--', 'true'], {}, /--key .*notes\.txt is not a private key/],
      [['fanout', '--hosts-file', hosts, '--user', 'root', '--key', `${keyFile}.pub`, '--', 'true'], {}, /is a public key; give the private key/],
      [['fanout', '--hosts-file', hosts, '--user', 'root', '--key', encrypted, '--', 'true'], {}, /is encrypted: give its passphrase in \$OUTPOST_SSH_KEY_PASSPHRASE/],
      [['fanout', '--hosts-file', hosts, '--user', 'root', '--key', encrypted, '--', 'true'], { OUTPOST_SSH_KEY_PASSPHRASE: 'wrong' }, /does not open with the passphrase/],
      [['exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', notKey, '--', 'true'], {}, /is not a private key/],
    ];
    for (const [args, env, message] of cases) {
      const r = await runOutpost(['--db', db, ...args], { env });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sshd.log().slice(before)).not.toMatch(/Connection from|Accepted/);
  }, 120_000);

  it('credential add --key checks the key as exec --key does: exit 2, one line, nothing stored', async () => {
    const notKey = join(dir.path, 'notes-2.txt');
    writeFileSync(notKey, 'just some text\n');
    const encrypted = join(dir.path, 'id_encrypted_2');
    generateKey(encrypted, 'ed25519', { passphrase: 'right-passphrase' });
    const env = { OUTPOST_VAULT_PASSPHRASE: 'checks test vault passphrase' };
    const add = (key: string, passphrase?: string) =>
      runOutpost(['--db', db, 'credential', 'add', '--name', 'k', '--user', 'root', '--key', key, ...(passphrase !== undefined ? ['--passphrase-stdin'] : [])], { env, ...(passphrase !== undefined ? { input: `${passphrase}\n` } : {}) });
    const cases: [Promise<Awaited<ReturnType<typeof add>>>, RegExp][] = [
      [add(notKey), /--key .*notes-2\.txt is not a private key/],
      [add(`${keyFile}.pub`), /is a public key; give the private key/],
      [add(encrypted), /is encrypted: give its passphrase with --passphrase-stdin/],
      [add(encrypted, 'wrong'), /does not open with the passphrase with --passphrase-stdin/],
    ];
    for (const [run, message] of cases) {
      const r = await run;
      expect(r.code, String(message)).toBe(2);
      expect(r.stderr.trim().split('\n'), String(message)).toHaveLength(1);
      expect(r.stderr).toMatch(message);
    }
    expect(JSON.parse((await runOutpost(['--db', db, '--json', 'credential', 'list'], { env })).stdout)).toEqual([]);
    // The right passphrase: stored.
    const ok = await add(encrypted, 'right-passphrase');
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(0);
    expect(JSON.parse((await runOutpost(['--db', db, '--json', 'credential', 'list'], { env })).stdout)).toEqual([expect.objectContaining({ name: 'k', kind: 'private-key' })]);
    expect((await runOutpost(['--db', db, 'credential', 'remove', '--name', 'k'], { env })).code).toBe(0);
  }, 120_000);

  it('cert fetch against a port that answers with plain HTTP: one line that says so, no bare ERR_SSL code', async () => {
    const server = await plainHttpServer();
    try {
      const r = await runOutpost(['--db', db, 'cert', 'fetch', `127.0.0.1:${server.port}`]);
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`127.0.0.1:${server.port} does not answer with TLS`);
      expect(r.stderr).not.toMatch(/ERR_SSL|SSL routines|openssl/i);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('winrm exec --ca with a file that holds no certificate, or a broken one: exit 2, one line, nothing connects', async () => {
    const server = await plainHttpServer();
    try {
      const broken = join(dir.path, 'broken.pem');
      writeFileSync(broken, '-----BEGIN CERTIFICATE-----\nTm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
      for (const [file, message] of [
        [`${keyFile}.pub`, /holds no PEM certificate/],
        [broken, /certificate 1 of 1 is not a valid PEM certificate/],
      ] as const) {
        const r = await runOutpost(['--db', db, 'winrm', 'exec', '--url', `https://127.0.0.1:${server.port}/wsman`, '--user', 'a', '--password-stdin', '--ca', file, '--', 'dir'], { input: 'pw' });
        expect(r.code).toBe(2);
        expect(r.stderr.trim().split('\n')).toHaveLength(1);
        expect(r.stderr).toMatch(message);
      }
      expect(server.connections()).toBe(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('a "vCenter" that answers with plain HTTP instead of TLS: one line that says so, no OpenSSL internals', async () => {
    const server = await plainHttpServer();
    try {
      const r = await runOutpost(['--db', db, 'site', 'add', '--name', 'lab', '--url', `https://127.0.0.1:${server.port}/sdk`, '--user', 'u', '--password-stdin'], {
        input: 'pw\n',
        env: { OUTPOST_VAULT_PASSPHRASE: 'checks test vault passphrase' },
      });
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`127.0.0.1:${server.port} does not answer with TLS`);
      expect(r.stderr).not.toMatch(/SSL routines|ssl3_|openssl/i);
      expect(server.connections()).toBeGreaterThan(0);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('a closed output (| head) ends any command quietly with 141, not an EPIPE stack trace', async () => {
    expect((await runOutpost(['--db', db, 'known-hosts', 'trust', '--host', `127.0.0.1:${sshd.port}`, '--fingerprint', sshd.fingerprint])).code).toBe(0);
    const r = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [outpostBin, '--db', db, 'audit', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      // The reader is gone before the CLI writes its table.
      child.stdout.destroy();
      child.on('close', (code) => resolve({ code, stderr }));
    });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(141);
  });
});
