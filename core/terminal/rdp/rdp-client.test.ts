import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore, type Store } from '../../db/store.js';
import { KnownHostsStore } from '../../ssh/known-hosts-store.js';
import { tempDir } from '../../../test/temp-dir.js';
import { freePort, generateKey, sshdAvailable, startSshd, type Sshd } from '../../../test/peers/openssh-server.js';
import { rdpPeerAvailable, startRdpServer, type RdpServer } from '../../../test/peers/rdp-server.js';
import { checkRdpLogin, freeRdpArgs, freeRdpProgram, launchRdp } from './rdp-client.js';
import { connectRdp, splitRdpUser } from './rdp-connect.js';

const canRun = rdpPeerAvailable();
if (!canRun) console.log('RDP tests skipped: need Xvfb, freerdp2-shadow-x11, freerdp2-x11, winpr-utils');
const canSsh = canRun && sshdAvailable() && process.getuid?.() === 0;

const PASSWORD = 'Tr0ub4dor&3-rdp-secret';

describe.skipIf(!canRun)('RDP against a real FreeRDP shadow server (NLA) on 127.0.0.1', () => {
  let dir: ReturnType<typeof tempDir>;
  let server: RdpServer;
  let program: string;
  const saved = { DISPLAY: process.env.DISPLAY, HOME: process.env.HOME };

  beforeAll(async () => {
    dir = tempDir();
    server = await startRdpServer({ dir: dir.path, user: 'alice', password: PASSWORD });
    // The client needs a display even to authenticate; its certificate store (tofu) goes to a temp HOME.
    process.env.DISPLAY = server.display;
    process.env.HOME = dir.path;
    program = freeRdpProgram()!;
    // Two tries of up to 15 s (display) + 20 s (listening) each: see startRdpServer.
  }, 90_000);
  afterAll(() => {
    server?.stop();
    process.env.DISPLAY = saved.DISPLAY;
    process.env.HOME = saved.HOME;
    if (saved.DISPLAY === undefined) delete process.env.DISPLAY;
    dir?.remove();
  });

  it('a good credential authenticates (+auth-only exits 0)', async () => {
    await expect(checkRdpLogin({ host: '127.0.0.1', port: server.port, user: 'alice' }, PASSWORD, { program })).resolves.toBeUndefined();
  }, 30_000);

  it('a wrong password is RDP_AUTH_FAILED, and so is an unknown user', async () => {
    await expect(checkRdpLogin({ host: '127.0.0.1', port: server.port, user: 'alice' }, 'wrong-password', { program })).rejects.toMatchObject({ code: 'RDP_AUTH_FAILED' });
    await expect(checkRdpLogin({ host: '127.0.0.1', port: server.port, user: 'mallory' }, PASSWORD, { program })).rejects.toMatchObject({ code: 'RDP_AUTH_FAILED' });
  }, 30_000);

  it('nothing listening is RDP_UNREACHABLE, before any client starts', async () => {
    const port = await freePort();
    await expect(checkRdpLogin({ host: '127.0.0.1', port, user: 'alice' }, PASSWORD, { program: '/nonexistent/xfreerdp' })).rejects.toMatchObject({ code: 'RDP_UNREACHABLE' });
  });

  it('a password with a line break is refused before anything starts', async () => {
    await expect(checkRdpLogin({ host: '127.0.0.1', port: server.port, user: 'alice' }, 'a\nb', { program: '/nonexistent/xfreerdp' })).rejects.toMatchObject({ code: 'VALIDATION' });
  });

  it('launches the client in a window with the password on stdin: not in its /proc cmdline nor its environment', async () => {
    const session = await launchRdp({ host: '127.0.0.1', port: server.port, user: 'alice' }, PASSWORD, { program, title: 'test' });
    try {
      const cmdline = readFileSync(`/proc/${session.pid}/cmdline`, 'utf8').split('\0');
      const environ = readFileSync(`/proc/${session.pid}/environ`, 'utf8');
      expect(cmdline).toContain('/from-stdin:force');
      expect(cmdline).toContain('/u:alice');
      expect(cmdline.join(' ')).not.toContain(PASSWORD);
      expect(environ).not.toContain(PASSWORD);
    } finally {
      process.kill(session.pid, 'SIGKILL');
      await session.exited;
    }
  }, 30_000);

  it('splits DOMAIN\\user for the client and keeps the domain out of the user', () => {
    expect(splitRdpUser('LAB\\admin')).toEqual({ user: 'admin', domain: 'LAB' });
    expect(splitRdpUser('admin@lab.example')).toEqual({ user: 'admin@lab.example' });
    expect(freeRdpArgs({ host: '::1', port: 3389, user: 'admin', domain: 'LAB' }, 'check')).toEqual(['/v:[::1]:3389', '/u:admin', '/d:LAB', '/from-stdin:force', '/cert:tofu', '+auth-only']);
  });

  describe.skipIf(!canSsh)('through an SSH jump host (local forward on 127.0.0.1)', () => {
    let sshd: Sshd;
    let db: Store;
    let hostKeys: KnownHostsStore;
    let key: { privateKey: string; publicKey: string };

    beforeAll(async () => {
      key = generateKey(join(dir.path, 'id'));
      sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
      db = await openStore(join(dir.path, 'outpost.db'));
      hostKeys = new KnownHostsStore(db.sql);
      await hostKeys.trust({ host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint }, 'test');
    }, 30_000);
    afterAll(async () => {
      sshd?.stop();
      await db?.close();
    });

    const jump = () => ({ host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key' as const, privateKey: key.privateKey } });

    it('a good credential authenticates through the tunnel; a bad one fails with RDP_AUTH_FAILED', async () => {
      const ok = await connectRdp({ address: '127.0.0.1', port: server.port, user: 'alice', password: PASSWORD, jumps: [jump()], hostKeys, program, check: true });
      expect(ok.tunnel).toMatch(/^127\.0\.0\.1:\d+$/);
      expect(ok.tunnel).not.toBe(`127.0.0.1:${server.port}`);
      await expect(connectRdp({ address: '127.0.0.1', port: server.port, user: 'alice', password: 'nope', jumps: [jump()], hostKeys, program, check: true })).rejects.toMatchObject({ code: 'RDP_AUTH_FAILED' });
      // The tunnel is closed after a check: its port no longer accepts.
      const [, port] = ok.tunnel!.split(':');
      await expect(checkRdpLogin({ host: '127.0.0.1', port: Number(port), user: 'alice' }, PASSWORD, { program })).rejects.toMatchObject({ code: 'RDP_UNREACHABLE' });
    }, 60_000);

    it('a VM port the jump host cannot reach is RDP_UNREACHABLE, and an unknown jump host key stops before any credential', async () => {
      const closed = await freePort();
      await expect(connectRdp({ address: '127.0.0.1', port: closed, user: 'alice', password: PASSWORD, jumps: [jump()], hostKeys, program, check: true })).rejects.toMatchObject({ code: 'RDP_UNREACHABLE' });
      const empty = new KnownHostsStore((await openStore(join(dir.path, 'empty.db'))).sql);
      await expect(connectRdp({ address: '127.0.0.1', port: server.port, user: 'alice', password: PASSWORD, jumps: [jump()], hostKeys: empty, program, check: true })).rejects.toMatchObject({ code: 'HOST_KEY_UNKNOWN' });
    }, 30_000);
  });
});
