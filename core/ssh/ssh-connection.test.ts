import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../db/store.js';
import { tempDir } from '../../test/temp-dir.js';
import { createTestUser, fingerprintOf, generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { KnownHostsStore } from './known-hosts-store.js';
import { SshConnection } from './ssh-connection.js';
import { ReconnectingShell } from './reconnecting-shell.js';
import type { SshAuth } from './ssh-target.js';
import { parseKnownHosts } from './known-hosts-file.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;
if (!canRun) console.log('ssh tests skipped: need root and openssh-server');

describe.skipIf(!canRun)('SSH against a real OpenSSH sshd on 127.0.0.1', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Store;
  let store: KnownHostsStore;
  let sshd: Sshd;
  let ed25519: { privateKey: string; publicKey: string };
  let pemRsa: { privateKey: string; publicKey: string };
  let encrypted: { privateKey: string; publicKey: string };
  let user: { name: string; remove(): void };
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const passphrase = 'correct horse battery staple';

  beforeAll(async () => {
    dir = tempDir();
    db = await openStore(join(dir.path, 'outpost.db'));
    store = new KnownHostsStore(db.sql);
    ed25519 = generateKey(join(dir.path, 'id_ed25519'));
    pemRsa = generateKey(join(dir.path, 'id_rsa_pem'), 'rsa', { pem: true });
    encrypted = generateKey(join(dir.path, 'id_enc'), 'ed25519', { passphrase });
    user = createTestUser(`outpost-t${randomBytes(3).toString('hex')}`, password);
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [ed25519.publicKey, pemRsa.publicKey, encrypted.publicKey] });
    await store.trust({ host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint }, 'test');
  });
  afterAll(async () => {
    sshd?.stop();
    user?.remove();
    await db?.close();
    dir?.remove();
  });

  const open = (auth: SshAuth, as = 'root') => SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: as, auth }, { hostKeys: store });

  it('the handshake does not wait on delayed ACKs: TCP_NODELAY from the first packet, not only after ready', async () => {
    // With Nagle on, SERVICE_REQUEST (written right after NEWKEYS) waits for the server's delayed
    // ACK: its answer comes ~40 ms later (all but a first connection in TCP quick-ACK mode). The median of five.
    const gaps: number[] = [];
    for (let i = 0; i < 5; i++) {
      let sent = 0;
      let gap = Infinity;
      const c = await SshConnection.open(
        { host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key', privateKey: ed25519.privateKey } },
        {
          hostKeys: store,
          debug: (line) => {
            if (line.includes('Sending SERVICE_REQUEST')) sent = performance.now();
            if (line.includes('Received SERVICE_ACCEPT')) gap = performance.now() - sent;
          },
        },
      );
      c.close();
      gaps.push(gap);
    }
    const median = [...gaps].sort((a, b) => a - b)[2]!;
    expect(median, `SERVICE_REQUEST -> SERVICE_ACCEPT ms: ${gaps.map((g) => g.toFixed(1)).join(', ')}`).toBeLessThan(20);
  });

  it('authenticates with an OpenSSH-format ed25519 key and runs a command (exit code, stdout, stderr)', async () => {
    const t0 = performance.now();
    const c = await open({ type: 'private-key', privateKey: ed25519.privateKey });
    const connectMs = performance.now() - t0;
    const r = await c.exec('echo out-line; echo err-line >&2; exit 7');
    const again = await c.exec('true');
    await c.close();
    expect(r.exitCode).toBe(7);
    expect(r.stdout.toString()).toBe('out-line\n');
    expect(r.stderr.toString()).toBe('err-line\n');
    expect(again.exitCode).toBe(0);
    console.log(`ssh connect+auth ${connectMs.toFixed(0)} ms, exec on an open connection ${again.durationMs.toFixed(1)} ms`);
  });

  it('authenticates with a PEM RSA key and with a passphrase-protected key', async () => {
    const pem = await open({ type: 'private-key', privateKey: pemRsa.privateKey });
    expect((await pem.exec('echo pem')).stdout.toString()).toBe('pem\n');
    await pem.close();
    const enc = await open({ type: 'private-key', privateKey: encrypted.privateKey, passphrase });
    expect((await enc.exec('echo enc')).stdout.toString()).toBe('enc\n');
    await enc.close();
    await expect(open({ type: 'private-key', privateKey: encrypted.privateKey, passphrase: 'wrong' })).rejects.toMatchObject({ code: 'SSH_AUTH' });
  });

  it('authenticates with a password, and refuses a wrong one with SSH_AUTH', async () => {
    const c = await open({ type: 'password', password }, user.name);
    expect((await c.exec('id -un')).stdout.toString().trim()).toBe(user.name);
    await c.close();
    const err = await open({ type: 'password', password: 'not-the-password' }, user.name).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'SSH_AUTH' });
    expect(String((err as Error).message)).not.toContain('not-the-password');
  });

  it('refuses an unknown host key BEFORE authentication: HOST_KEY_UNKNOWN with the fingerprint, and sshd saw no auth request', async () => {
    const empty = new KnownHostsStore(db.sql);
    await empty.remove('127.0.0.1', sshd.port, 'test');
    const before = sshd.log().length;
    const err = await SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: user.name, auth: { type: 'password', password } }, { hostKeys: empty }).catch((e: unknown) => e);
    await store.trust({ host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint }, 'test');
    expect(err).toMatchObject({ code: 'HOST_KEY_UNKNOWN', details: { fingerprint: sshd.fingerprint, port: sshd.port } });
    await new Promise((r) => setTimeout(r, 200));
    // Only this connection's lines (an earlier test's connection may still be logging its close).
    const all = sshd.log().slice(before);
    const clientPort = [...all.matchAll(/Connection from 127\.0\.0\.1 port (\d+)/g)].at(-1)?.[1];
    const log = all.split('\n').filter((l) => l.includes(`port ${clientPort}`)).join('\n');
    // sshd names the user only once a userauth request arrived ("Disconnected from authenticating user ...").
    expect(log).toMatch(/Disconnected from 127\.0\.0\.1 port \d+ \[preauth\]/);
    expect(log).not.toContain('authenticating user');
    expect(log).not.toMatch(/userauth-request|Failed password|Accepted password/);
  });

  it('stops hard on a changed host key (HOST_KEY_CHANGED), sending no credentials', async () => {
    const other = await startSshd({ dir: dir.path, authorizedKeys: [ed25519.publicKey] });
    try {
      // The store knows another key for this port: as if the host had been replaced.
      await store.trust({ host: '127.0.0.1', port: other.port, fingerprint: sshd.fingerprint }, 'test');
      const before = other.log().length;
      const err = await SshConnection.open({ host: '127.0.0.1', port: other.port, user: 'root', auth: { type: 'private-key', privateKey: ed25519.privateKey } }, { hostKeys: store }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'HOST_KEY_CHANGED', details: { fingerprint: other.fingerprint, trusted: [sshd.fingerprint] } });
      expect((err as Error).message).toMatch(/CHANGED/);
      await new Promise((r) => setTimeout(r, 200));
      expect(other.log().slice(before)).not.toMatch(/userauth-request|Accepted publickey/);
    } finally {
      other.stop();
    }
  });

  it('accepts a host known only through an imported hashed known_hosts line', async () => {
    const pub = readFileSync(`${sshd.hostKeyFile}.pub`, 'utf8').trim().split(' ');
    const file = join(dir.path, 'known_hosts');
    writeFileSync(file, `[127.0.0.1]:${sshd.port} ${pub[0]} ${pub[1]}\n`);
    // ssh-keygen -H hashes the names exactly as ssh(1) writes them with HashKnownHosts yes.
    const { execFileSync } = await import('node:child_process');
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const hashed = readFileSync(file, 'utf8');
    expect(hashed).toMatch(/^\|1\|/);
    const fresh = new KnownHostsStore((await openStore(join(dir.path, 'import.db'))).sql);
    const parsed = parseKnownHosts(hashed);
    expect(await fresh.importEntries(parsed.entries, 'test')).toEqual({ imported: 1, alreadyKnown: 0 });
    const c = await SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key', privateKey: ed25519.privateKey } }, { hostKeys: fresh });
    expect((await c.exec('echo via-import')).stdout.toString()).toBe('via-import\n');
    await c.close();
  });

  it('stops a command that never ends at its timeout and reports what it printed so far', async () => {
    const c = await open({ type: 'private-key', privateKey: ed25519.privateKey });
    const t0 = performance.now();
    const err = await c.exec('echo started; sleep 30', { timeoutMs: 700 }).catch((e: unknown) => e);
    expect(performance.now() - t0).toBeLessThan(3000);
    expect(err).toMatchObject({ code: 'TIMEOUT', details: { stdoutSoFar: 'started\n' } });
    expect((await c.exec('echo still-usable')).stdout.toString()).toBe('still-usable\n');
    await c.close();
  });

  it('kills the remote command at its timeout or on cancel (non-root login: sshd honours the signal)', async () => {
    // sshd runs a root session without privilege separation and refuses signal requests there
    // ("session signalling requires privilege separation"); an ordinary account, as operators use, gets them.
    const c = await open({ type: 'password', password }, user.name);
    const running = (marker: string): boolean => {
      try {
        return execFileSync('pgrep', ['-u', user.name, '-f', `sleep ${marker}`]).toString().trim() !== '';
      } catch {
        return false;
      }
    };
    const timedOut = `41.${randomBytes(3).readUIntBE(0, 3)}`;
    const err = await c.exec(`sleep ${timedOut}`, { timeoutMs: 500 }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'TIMEOUT' });
    await expect.poll(() => running(timedOut), { timeout: 3000 }).toBe(false);

    const cancelled = `42.${randomBytes(3).readUIntBE(0, 3)}`;
    const abort = new AbortController();
    const pending = c.exec(`sleep ${cancelled}`, { signal: abort.signal }).catch((e: unknown) => e);
    await expect.poll(() => running(cancelled), { timeout: 3000 }).toBe(true);
    abort.abort();
    expect(await pending).toMatchObject({ code: 'CANCELLED' });
    await expect.poll(() => running(cancelled), { timeout: 3000 }).toBe(false);
    await c.close();
  });

  it('passes stdin and opens a pty shell that echoes what is typed', async () => {
    const c = await open({ type: 'private-key', privateKey: ed25519.privateKey });
    expect((await c.exec('wc -c', { input: 'twelve bytes' })).stdout.toString().trim()).toBe('12');
    const shell = await c.shell({ cols: 100, rows: 30 });
    let seen = '';
    shell.onData((chunk) => (seen += chunk.toString()));
    const closed = new Promise<{ exitCode: number | null }>((resolve) => shell.onClose(resolve));
    shell.write('stty size; echo hello-$((40+2))\n');
    for (let i = 0; i < 100 && !seen.includes('hello-42'); i++) await new Promise((r) => setTimeout(r, 20));
    shell.resize(120, 40);
    shell.write('stty size; exit 5\n');
    expect(await closed).toMatchObject({ exitCode: 5 });
    expect(seen).toContain('30 100');
    expect(seen).toContain('hello-42');
    expect(seen).toContain('40 120');
    await c.close();
  });

  it('uploads and downloads over SFTP with progress, checksums equal', async () => {
    const c = await open({ type: 'private-key', privateKey: ed25519.privateKey });
    const size = 32 * 1024 * 1024;
    const local = join(dir.path, 'payload.bin');
    writeFileSync(local, randomBytes(size));
    const remote = join(dir.path, 'remote.bin');
    const back = join(dir.path, 'back.bin');
    const ups: number[] = [];
    const t0 = performance.now();
    await c.upload(local, remote, (p) => ups.push(p.transferred));
    const upMs = performance.now() - t0;
    const downs: number[] = [];
    const t1 = performance.now();
    await c.download(remote, back, (p) => downs.push(p.transferred));
    const downMs = performance.now() - t1;
    await c.close();
    const sum = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
    expect(sum(back)).toBe(sum(local));
    expect(ups.at(-1)).toBe(size);
    expect(downs.at(-1)).toBe(size);
    expect(ups.length).toBeGreaterThan(2);
    console.log(`sftp 32 MiB: upload ${(32 / (upMs / 1000)).toFixed(0)} MiB/s, download ${(32 / (downMs / 1000)).toFixed(0)} MiB/s`);
  });

  it('reports an unreachable port as UNREACHABLE with what to check', async () => {
    const err = await SshConnection.open({ host: '127.0.0.1', port: 1, user: 'root', auth: { type: 'password', password } }, { hostKeys: store }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNREACHABLE' });
    expect((err as Error).message).toContain('127.0.0.1:1');
    expect((err as Error).message).not.toContain(password);
  });

  it('cuts a remote that floods output at maxOutputBytes and says so, instead of buffering it all', async () => {
    const c = await open({ type: 'private-key', privateKey: ed25519.privateKey });
    const r = await c.exec('head -c 50M /dev/zero; echo done >&2', { maxOutputBytes: 1024 * 1024 });
    await c.close();
    expect(r.truncated).toBe(true);
    expect(r.stdout.length).toBeLessThanOrEqual(1024 * 1024);
    expect(r.exitCode).toBe(0);
    expect(r.stderr.toString()).toBe('done\n');
  });

  it('never puts a test secret in an error, its details, or the sshd log', async () => {
    const errors: unknown[] = [];
    errors.push(await open({ type: 'password', password: `${password}-wrong` }, user.name).catch((e: unknown) => e));
    errors.push(await open({ type: 'private-key', privateKey: encrypted.privateKey, passphrase: `${passphrase}-wrong` }).catch((e: unknown) => e));
    errors.push(await open({ type: 'keyboard-interactive', password }, user.name).catch((e: unknown) => e));
    const empty = new KnownHostsStore((await openStore(join(dir.path, 'scan.db'))).sql);
    errors.push(await SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: user.name, auth: { type: 'password', password } }, { hostKeys: empty }).catch((e: unknown) => e));
    const text = errors.map((e) => `${String(e)} ${(e as Error).message} ${JSON.stringify(e)} ${JSON.stringify((e as { details?: unknown }).details ?? null)}`).join('\n') + sshd.log();
    expect(errors.every((e) => e instanceof Error)).toBe(true);
    for (const secret of [password, passphrase, ed25519.privateKey.split('\n')[1]!]) expect(text).not.toContain(secret);
  });

  it('a reconnecting shell survives a dropped connection (new shell, same size) and ends for good on exit', async () => {
    const shell = await ReconnectingShell.open({ host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key', privateKey: ed25519.privateKey } }, { hostKeys: store, cols: 91, rows: 27, backoffMs: 100 });
    let seen = '';
    shell.onData((c) => (seen += c.toString()));
    const closed = new Promise<{ exitCode: number | null }>((r) => shell.onClose(r));
    const waitFor = async (text: string): Promise<void> => {
      for (let i = 0; i < 200 && !seen.includes(text); i++) await new Promise((r) => setTimeout(r, 25));
      expect(seen).toContain(text);
    };
    shell.write('echo one-$((0+1))\n');
    await waitFor('one-1');
    // Cut the connection server-side: kill sshd's per-connection children (processes this test started).
    for (const pid of sshd.sessionPids()) process.kill(pid, 'SIGKILL');
    await waitFor('reconnected');
    shell.write('stty size; echo two-$((1+1))\n');
    await waitFor('two-2');
    expect(seen).toContain('27 91');
    expect(shell.reconnects).toBe(1);
    shell.write('exit 3\n');
    expect(await closed).toMatchObject({ exitCode: 3 });
  });

  it('asks a host with several keys for the type it is known by (as ssh(1) does), so a known RSA key is not mistaken for a change', async () => {
    const rsaHostKey = join(dir.path, 'host_rsa_multi');
    generateKey(rsaHostKey, 'rsa');
    const multi = await startSshd({ dir: dir.path, authorizedKeys: [ed25519.publicKey], extra: [`HostKey ${rsaHostKey}`] });
    try {
      const known = new KnownHostsStore((await openStore(join(dir.path, 'multi.db'))).sql);
      const rsaFingerprint = fingerprintOf(`${rsaHostKey}.pub`);
      await known.trust({ host: '127.0.0.1', port: multi.port, fingerprint: rsaFingerprint, keyType: 'ssh-rsa' }, 'test');
      const c = await SshConnection.open({ host: '127.0.0.1', port: multi.port, user: 'root', auth: { type: 'private-key', privateKey: ed25519.privateKey } }, { hostKeys: known });
      expect((await c.exec('echo rsa-host')).stdout.toString()).toBe('rsa-host\n');
      await c.close();
    } finally {
      multi.stop();
    }
  });
});
