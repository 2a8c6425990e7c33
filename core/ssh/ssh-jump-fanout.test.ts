import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Server, utils, type Connection } from 'ssh2';
import type { AddressInfo } from 'node:net';
import { openStore, type Store } from '../db/store.js';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { resultRow, runFanout } from '../endpoints/fanout-engine.js';
import { sha256Fingerprint } from './host-key-fingerprint.js';
import { KnownHostsStore } from './known-hosts-store.js';
import { targetFromSshConfig } from './ssh-config-target.js';
import { SshConnectionPool } from './ssh-connection-pool.js';
import { SshConnection } from './ssh-connection.js';
import { generateEd25519KeyPair } from './ssh-keygen.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

describe.skipIf(!canRun)('SSH jump hosts, ssh-agent, pooling and fan-out against real sshd processes', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Store;
  let store: KnownHostsStore;
  let key: { privateKey: string; publicKey: string };
  let jump: Sshd;
  let target: Sshd;
  const fleet: Sshd[] = [];

  beforeAll(async () => {
    dir = tempDir();
    db = await openStore(join(dir.path, 'outpost.db'));
    store = new KnownHostsStore(db.sql);
    key = generateKey(join(dir.path, 'id_ed25519'));
    jump = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey], extra: ['LogLevel DEBUG1'] });
    target = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    for (let i = 0; i < 4; i++) fleet.push(await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] }));
    for (const s of [jump, target, ...fleet]) await store.trust({ host: '127.0.0.1', port: s.port, fingerprint: s.fingerprint }, 'test');
  });
  afterAll(async () => {
    for (const s of [jump, target, ...fleet]) s?.stop();
    await db?.close();
    dir?.remove();
  });

  it('follows ~/.ssh/config ProxyJump through a second sshd (each hop host-key checked), and the jump host logs the forward', async () => {
    const config = [
      'Host lab-jump',
      '  HostName 127.0.0.1',
      `  Port ${jump.port}`,
      '  User root',
      `  IdentityFile ${join(dir.path, 'id_ed25519')}`,
      'Host lab-target',
      '  HostName 127.0.0.1',
      `  Port ${target.port}`,
      '  User root',
      `  IdentityFile ${join(dir.path, 'id_ed25519')}`,
      '  ProxyJump lab-jump',
    ].join('\n');
    const t = targetFromSshConfig(config, 'lab-target', { defaultUser: 'nobody' });
    expect(t.jumps?.map((j) => `${j.user}@${j.host}:${j.port}`)).toEqual([`root@127.0.0.1:${jump.port}`]);
    const c = await SshConnection.open(t, { hostKeys: store });
    expect((await c.exec('echo through-the-jump')).stdout.toString()).toBe('through-the-jump\n');
    await c.close();
    expect(jump.log()).toContain(`connected to 127.0.0.1 port ${target.port}`);
  });

  it('stops at a jump host that refuses to forward, naming it', async () => {
    const strict = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey], extra: ['AllowTcpForwarding no'] });
    await store.trust({ host: '127.0.0.1', port: strict.port, fingerprint: strict.fingerprint }, 'test');
    try {
      const auth = { type: 'private-key' as const, privateKey: key.privateKey };
      const err = await SshConnection.open({ host: '127.0.0.1', port: target.port, user: 'root', auth, jumps: [{ host: '127.0.0.1', port: strict.port, user: 'root', auth }] }, { hostKeys: store }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'UNREACHABLE' });
      expect((err as Error).message).toContain(`Jump host root@127.0.0.1:${strict.port}`);
    } finally {
      strict.stop();
    }
  });

  it('authenticates through a real ssh-agent', async () => {
    const socket = join(dir.path, 'agent.sock');
    const agent: ChildProcess = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !existsSync(socket); i++) await new Promise((r) => setTimeout(r, 20));
      execFileSync('ssh-add', [join(dir.path, 'id_ed25519')], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });
      const c = await SshConnection.open({ host: '127.0.0.1', port: target.port, user: 'root', auth: { type: 'agent', socket } }, { hostKeys: store });
      expect((await c.exec('echo agent-ok')).stdout.toString()).toBe('agent-ok\n');
      await c.close();
    } finally {
      agent.kill('SIGKILL');
    }
  });

  it('pools one connection per target and bounds concurrent operations on it', async () => {
    const pool = new SshConnectionPool({ hostKeys: store, perTargetConcurrency: 2 });
    const t = { host: '127.0.0.1', port: target.port, user: 'root', auth: { type: 'private-key' as const, privateKey: key.privateKey } };
    let running = 0;
    let peak = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: 6 }, () =>
        pool.withConnection(t, async (c) => {
          peak = Math.max(peak, ++running);
          await c.exec('sleep 0.2');
          running--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(performance.now() - t0).toBeGreaterThan(550);
    expect(pool.size).toBe(1);
    pool.close();
  });

  it('fans one command out to several sshd ports with bounded concurrency; a dead host fails alone', async () => {
    const pool = new SshConnectionPool({ hostKeys: store });
    const auth = { type: 'private-key' as const, privateKey: key.privateKey };
    const hosts = [...fleet.map((s) => ({ host: '127.0.0.1', port: s.port })), { host: '127.0.0.1', port: 1 }, { host: '127.0.0.1', port: target.port }].map((h) => ({ target: { ...h, user: 'root', auth }, port: h.port, label: `127.0.0.1:${h.port}` }));
    const seen: string[] = [];
    const t0 = performance.now();
    const results = (await runFanout(hosts, 'echo "$SSH_CONNECTION" | cut -d" " -f4; echo line2; echo line3; exit 0', { pool, concurrency: 3, timeoutMs: 30_000, onResult: (r) => seen.push(r.label) })).map((r) => resultRow(r, 2));
    const ms = performance.now() - t0;
    pool.close();
    expect(results.map((r) => r.host)).toEqual(hosts.map((h) => h.label));
    expect(seen).toHaveLength(hosts.length);
    const dead = results[4]!;
    expect(dead).toMatchObject({ exitCode: null, error: { code: 'UNREACHABLE' } });
    for (const [i, r] of results.entries()) {
      if (i === 4) continue;
      expect(r).toMatchObject({ exitCode: 0, error: null, stdoutHead: `${hosts[i]!.port}\nline2` });
    }
    console.log(`fan-out to ${hosts.length} targets (1 dead), concurrency 3: ${ms.toFixed(0)} ms`);
  });
});

describe('keyboard-interactive authentication (ssh2 server peer: OpenSSH offers it only through PAM)', () => {
  it('answers the server prompts with the password; a wrong one is SSH_AUTH', async () => {
    const password = randomBytes(8).toString('hex');
    const hostKey = generateEd25519KeyPair();
    const parsed = utils.parseKey(hostKey.private);
    if (parsed instanceof Error) throw parsed;
    const fingerprint = sha256Fingerprint(parsed.getPublicSSH());
    const prompts: string[] = [];
    const server = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
      client.on('error', () => undefined);
      client.on('authentication', (ctx) => {
        if (ctx.method !== 'keyboard-interactive') return ctx.reject(['keyboard-interactive']);
        ctx.prompt([{ prompt: 'Password: ', echo: false }], 'outpost-test', (answers) => {
          prompts.push('Password: ');
          if (answers[0] === password) ctx.accept();
          else ctx.reject();
        });
      });
      client.on('ready', () =>
        client.on('session', (accept) =>
          accept().once('exec', (acceptExec) => {
            const stream = acceptExec();
            stream.write('kbd-ok\n');
            stream.exit(0);
            stream.end();
          }),
        ),
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const hostKeys = { verify: async (k: { fingerprint: string }) => Promise.resolve(expect(k.fingerprint).toBe(fingerprint)), preferredKeyTypes: async () => Promise.resolve([]) };
    try {
      const c = await SshConnection.open({ host: '127.0.0.1', port, user: 'op', auth: { type: 'keyboard-interactive', password } }, { hostKeys });
      expect((await c.exec('whatever')).stdout.toString()).toBe('kbd-ok\n');
      await c.close();
      expect(prompts).toEqual(['Password: ']);
      await expect(SshConnection.open({ host: '127.0.0.1', port, user: 'op', auth: { type: 'keyboard-interactive', password: 'nope' } }, { hostKeys })).rejects.toMatchObject({ code: 'SSH_AUTH' });
    } finally {
      server.close();
    }
  });
});

