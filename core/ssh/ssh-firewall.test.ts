import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { randomInt } from 'node:crypto';
import { join } from 'node:path';
import { createLab, labAvailable, startVmServers, type Lab } from '../../test/lab/netns-lab.js';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { LinuxIptablesDriver } from '../nat/drivers/linux-iptables.js';
import { runnerFor } from '../nat/firewall-drivers.js';
import { pinnedHostKey } from './pinned-host-key.js';
import { SshCommandRunner } from './ssh-command-runner.js';
import { SshConnectionPool } from './ssh-connection-pool.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

const lab = labAvailable();
const canRun = lab.ok && sshdAvailable();
if (!canRun) console.log(`firewall-over-SSH test skipped: ${lab.ok ? 'openssh-server missing' : lab.why}`);

/**
 * The linux-iptables driver over SSH: sshd runs INSIDE the lab's firewall namespace, bound to the
 * firewall end of a /30 veth between the root namespace and that namespace (created and deleted
 * here). The test process reaches it over that veth only; nothing leaves the machine.
 */
describe.skipIf(!canRun)('linux-iptables driver over SSH into a firewall namespace', () => {
  let l: Lab;
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let pool: SshConnectionPool;
  let key: { privateKey: string; publicKey: string };
  const subnet = randomInt(0, 250);
  const rootIp = `10.199.${subnet}.1`;
  const fwIp = `10.199.${subnet}.2`;
  let rootIf = '';

  beforeAll(async () => {
    l = createLab(1);
    dir = tempDir();
    rootIf = `or${l.id}`;
    execFileSync('ip', ['link', 'add', rootIf, 'type', 'veth', 'peer', 'name', `of${l.id}`, 'netns', l.firewall]);
    execFileSync('ip', ['addr', 'add', `${rootIp}/30`, 'dev', rootIf]);
    execFileSync('ip', ['link', 'set', rootIf, 'up']);
    l.exec(l.firewall, ['ip', 'addr', 'add', `${fwIp}/30`, 'dev', `of${l.id}`]);
    l.exec(l.firewall, ['ip', 'link', 'set', `of${l.id}`, 'up']);
    key = generateKey(join(dir.path, 'id'));
    sshd = await startSshd({ dir: dir.path, listen: fwIp, port: 2222, authorizedKeys: [key.publicKey], netns: l.firewall });
    await startVmServers(l);
  }, 30_000);
  afterAll(() => {
    pool?.close();
    sshd?.stop();
    try {
      execFileSync('ip', ['link', 'del', rootIf], { stdio: 'ignore' });
    } catch {
      // deleted with the namespace
    }
    l?.destroy();
    dir?.remove();
  });

  it('ensures, observes and removes a 1:1 NAT with every command sent over SSH (argv quoted for the remote shell)', async () => {
    pool = new SshConnectionPool({ hostKeys: pinnedHostKey(sshd.fingerprint) });
    const runner = await runnerFor(
      { type: 'ssh', host: fwIp, port: 2222, user: 'root', credential: 'fw-key', hostKey: sshd.fingerprint },
      'fw-ssh',
      { ssh: async (c) => Promise.resolve(new SshCommandRunner(pool, { host: c.host, port: c.port, user: c.user, auth: { type: 'private-key', privateKey: key.privateKey } })) },
    );
    expect(runner.where).toBe(`ssh root@${fwIp}:2222`);
    // The remote really is the firewall namespace: its interfaces, not ours.
    expect((await runner.run(['ip', '-o', 'link', 'show', l.firewallPublicIf])).code).toBe(0);
    const quoted = await runner.run(['printf', '%s|', 'a b', "it's", '$(id)', ';', '`x`']);
    expect(quoted.stdout).toBe("a b|it's|$(id)|;|`x`|");

    const driver = new LinuxIptablesDriver({ runner, settings: { publicInterface: l.firewallPublicIf } });
    const m = { recordId: 1, publicIp: '203.0.113.10', privateIp: '10.77.0.10' };
    expect(await driver.ensure(m)).toEqual({ applied: true, changed: true });
    expect(l.connectFromClient(m.publicIp, 8080)).toBe(`${l.vms[0]!.ns} ${l.clientIp}`);
    expect(await driver.ensure(m)).toEqual({ applied: true, changed: false });
    expect(await driver.observe()).toEqual([{ recordId: 1, dnat: { publicIp: m.publicIp, privateIp: m.privateIp }, snat: { privateIp: m.privateIp, publicIp: m.publicIp } }]);
    expect(await driver.remove(m)).toEqual({ applied: true, changed: true });
    expect(l.connectFromClient(m.publicIp, 8080, 800)).toBe('TIMEOUT');
    expect(pool.size).toBe(1);
  });

  it('refuses a firewall whose host key is not the pinned one before authenticating', async () => {
    const other = new SshConnectionPool({ hostKeys: pinnedHostKey('SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA') });
    try {
      const runner = new SshCommandRunner(other, { host: fwIp, port: 2222, user: 'root', auth: { type: 'private-key', privateKey: key.privateKey } });
      await expect(runner.run(['true'])).rejects.toMatchObject({ code: 'HOST_KEY_CHANGED', details: { fingerprint: sshd.fingerprint } });
    } finally {
      other.close();
    }
  });

  it('runs the nat.add procedure through the contract on a firewall reached over SSH with a vault credential profile', async () => {
    const core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, passphrase: 'firewall ssh test vault', kdf: { ...defaultKdf, N: 2 ** 10 } });
    try {
      const call = async (name: string, input: unknown): Promise<unknown> => {
        const r = await core.dispatch(name, input);
        if (!r.ok) throw new Error(`${name}: ${r.error.code} ${r.error.message}`);
        return r.value;
      };
      await call('credentials.add', { name: 'fw-root', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
      // A typed public address is allocated in the public pool that holds it.
      await call('ipam.pools.add', { name: 'pub', cidr: l.publicNet, kind: 'public' });
      await call('firewalls.add', {
        name: 'fw-ssh',
        driver: 'linux-iptables',
        settings: { publicInterface: l.firewallPublicIf },
        connection: { type: 'ssh', host: fwIp, port: 2222, user: 'root', credential: 'fw-root', hostKey: sshd.fingerprint },
      });
      const { procedureId } = (await call('nat.add', { firewall: 'fw-ssh', privateIp: '10.77.0.10', publicIp: '203.0.113.20' })) as { procedureId: string };
      await core.services.engine.whenIdle(procedureId);
      expect((await core.services.engine.store.get(procedureId))?.state).toBe('succeeded');
      expect(l.connectFromClient('203.0.113.20', 8080)).toBe(`${l.vms[0]!.ns} ${l.clientIp}`);
      const list = (await call('nat.list', { verify: true })) as { records: { drift: string }[] };
      expect(list.records.map((r) => r.drift)).toEqual(['in-sync']);
      const removal = (await call('nat.remove', { publicIp: '203.0.113.20' })) as { procedureId: string };
      await core.services.engine.whenIdle(removal.procedureId);
      expect((await core.services.engine.store.get(removal.procedureId))?.state).toBe('succeeded');
    } finally {
      await core.close();
    }
  });
});
