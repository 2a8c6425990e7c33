import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { seedVms } from '../../test/seed-vms.js';
import { tempDir } from '../../test/temp-dir.js';
import { openStore } from '../db/store.js';
import type { CommandRunner } from '../exec/command-runner.js';
import { pinnedHostKey } from '../ssh/pinned-host-key.js';
import { SshCommandRunner } from '../ssh/ssh-command-runner.js';
import { SshConnectionPool } from '../ssh/ssh-connection-pool.js';
import { HOSTS_BEGIN, HOSTS_END } from './hosts-entries.js';
import { applyRemoteHosts, planRemoteHosts } from './remote-hosts-file.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;
const re = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ORIGINAL = '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n# an admin comment\n10.9.9.9 keep-me\n';

describe.skipIf(!canRun)('outpost hosts preview|push: inventory VMs into a node\'s hosts file over SSH (built binary, real sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let db: string;
  let keyFile: string;
  let key: { privateKey: string; publicKey: string };
  let hostsFile: string;
  const env = { OUTPOST_VAULT_PASSPHRASE: 'hosts push test vault' };
  const outpost = (...args: string[]) => runOutpost(['--db', db, ...args], { env });
  const node = (): string[] => ['--host', `127.0.0.1:${sshd.port}`, '--credential', 'node-key', '--path', hostsFile];

  beforeAll(async () => {
    dir = tempDir();
    keyFile = join(dir.path, 'id_ed25519');
    key = generateKey(keyFile);
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    db = join(dir.path, 'outpost.db');
    const store = await openStore(db);
    await seedVms(store.sql, 3, 'lab'); // web-00000 10.0.0.0, db-00001 10.0.0.1, app-00002 10.0.0.2 (guest names <vm>.lab.internal)
    await store.sql.run(
      `INSERT INTO cmdb_records (site_id, vm_moref, vm_name, os, private_ip, public_ip, firewall, credential, service_account, enrolled_at, enrolled_by) VALUES (1, 'vm-101', 'db-00001', 'Debian', '10.0.0.1', '203.0.113.41', 'fw', 'guest', 'outpost', '2026-01-01T00:00:00Z', 'op')`,
    );
    await store.close();
    expect((await outpost('credential', 'add', '--name', 'node-key', '--user', 'root', '--key', keyFile)).code).toBe(0);
    expect((await outpost('known-hosts', 'trust', '--host', `127.0.0.1:${sshd.port}`, '--fingerprint', sshd.fingerprint)).code).toBe(0);
    hostsFile = join(dir.path, 'hosts');
    writeFileSync(hostsFile, ORIGINAL);
    chmodSync(hostsFile, 0o640);
  }, 60_000);
  afterAll(() => {
    sshd?.stop();
    dir?.remove();
  });

  it('previews a unified diff (nothing written), pushes between the markers keeping other lines and the mode, and a second push changes nothing', async () => {
    const preview = await outpost('hosts', 'preview', ...node(), '--site', 'lab', '--vm', 'web-00000', '--vm', 'db-00001');
    expect(preview.stderr).toBe('');
    expect(preview.code).toBe(0);
    expect(preview.stdout).toContain(`--- ${hostsFile}`);
    expect(preview.stdout).toMatch(/^\+10\.0\.0\.0 +web-00000\.lab\.internal web-00000$/m);
    expect(preview.stdout).toMatch(/^\+10\.0\.0\.1 +db-00001\.lab\.internal db-00001$/m);
    expect(preview.stdout).toContain(`+${HOSTS_BEGIN}`);
    expect(readFileSync(hostsFile, 'utf8')).toBe(ORIGINAL);

    const pushed = await outpost('--json', 'hosts', 'push', ...node(), '--site', 'lab', '--vm', 'web-00000', '--vm', 'db-00001');
    expect(pushed.stderr).toBe('');
    expect(JSON.parse(pushed.stdout)).toMatchObject({ changed: true, entries: [{ ip: '10.0.0.0' }, { ip: '10.0.0.1' }] });
    const after = readFileSync(hostsFile, 'utf8');
    expect(after.startsWith(ORIGINAL)).toBe(true);
    expect(after.slice(ORIGINAL.length)).toMatch(new RegExp(`^${re(HOSTS_BEGIN)}\\n10\\.0\\.0\\.0 +web-00000\\.lab\\.internal web-00000\\n10\\.0\\.0\\.1 +db-00001\\.lab\\.internal db-00001\\n${re(HOSTS_END)}\\n$`));
    expect(statSync(hostsFile).mode & 0o7777).toBe(0o640);
    expect(readdirSync(dir.path).filter((f) => f.includes('.outpost-'))).toEqual([]);

    const inode = statSync(hostsFile).ino;
    const again = await outpost('hosts', 'push', ...node(), '--site', 'lab', '--vm', 'web-00000', '--vm', 'db-00001');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('nothing changed');
    expect(readFileSync(hostsFile, 'utf8')).toBe(after);
    expect(statSync(hostsFile).ino).toBe(inode); // not even rewritten

    const audit = JSON.parse((await outpost('--json', 'audit', 'list')).stdout) as { entries: { action: string; target: string | null; outcome: string; details: string | null }[] };
    const pushes = audit.entries.filter((e) => e.action === 'hosts.push');
    expect(pushes).toHaveLength(2);
    expect(pushes.every((e) => e.target === `root@127.0.0.1:${sshd.port}` && e.outcome === 'ok')).toBe(true);
  }, 60_000);

  it("--address public takes the NAT'd IP the CMDB holds; a VM that is not enrolled has none and nothing is written", async () => {
    const pub = await outpost('--json', 'hosts', 'push', ...node(), '--site', 'lab', '--vm', 'db-00001', '--address', 'public');
    expect(pub.stderr).toBe('');
    expect(readFileSync(hostsFile, 'utf8')).toMatch(new RegExp(`${re(HOSTS_BEGIN)}\\n203\\.0\\.113\\.41 +db-00001\\.lab\\.internal db-00001\\n${re(HOSTS_END)}\\n$`));
    const before = readFileSync(hostsFile, 'utf8');
    const none = await outpost('hosts', 'push', ...node(), '--site', 'lab', '--vm', 'app-00002', '--address', 'public');
    expect(none.code).not.toBe(0);
    expect(none.stderr).toContain('VALIDATION');
    expect(none.stderr).toContain('not enrolled');
    expect(readFileSync(hostsFile, 'utf8')).toBe(before);
  }, 30_000);

  it('an unknown VM is one NOT_FOUND before the node is touched; a stale preview hash is refused', async () => {
    const before = readFileSync(hostsFile, 'utf8');
    const sessions = sshd.log().length;
    const r = await outpost('hosts', 'push', ...node(), '--site', 'lab', '--vm', 'no-such-vm');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('NOT_FOUND');
    expect(r.stderr).toContain('no-such-vm');
    expect(sshd.log().slice(sessions)).not.toContain('Accepted publickey');
    // A pasted list works alone too (no VMs); a bad line is named before the node is read.
    const list = join(dir.path, 'list.txt');
    writeFileSync(list, '# services\n192.168.100.12 keystone controller\n');
    const fromFile = await outpost('hosts', 'preview', ...node(), '--from-file', list);
    expect(fromFile.stdout).toMatch(/^\+192\.168\.100\.12 +keystone controller$/m);
    writeFileSync(list, 'keystone\n');
    expect((await outpost('hosts', 'preview', ...node(), '--from-file', list)).stderr).toContain('Line 1');
    const stale = await outpost('hosts', 'push', ...node(), '--site', 'lab', '--vm', 'web-00000', '--expect-sha256', 'a'.repeat(64));
    expect(stale.stderr).toContain('CONFLICT');
    expect(readFileSync(hostsFile, 'utf8')).toBe(before);
  }, 30_000);

  it('a connection lost mid-push (the shell sees stdin end early) leaves the old file and no temp file: the content is checked before the rename', async () => {
    const pool = new SshConnectionPool({ hostKeys: pinnedHostKey(sshd.fingerprint) });
    try {
      const real = new SshCommandRunner(pool, { host: '127.0.0.1', port: sshd.port, user: 'root', auth: { type: 'private-key', privateKey: key.privateKey } });
      // The real runner on the real sshd, but only the first half of stdin ever arrives (what a dropped link does to `cat`).
      const cut: CommandRunner = { where: real.where, run: (argv, o = {}) => real.run(argv, o.input === undefined ? o : { ...o, input: o.input.slice(0, Math.floor(o.input.length / 2)) }) };
      const before = readFileSync(hostsFile, 'utf8');
      const entries = Array.from({ length: 200 }, (_, i) => ({ ip: `10.1.${i >> 8}.${i & 255}`, names: [`svc-${i}.lab`] }));
      const plan = await planRemoteHosts(real, hostsFile, entries);
      expect(plan.changed).toBe(true);
      await expect(applyRemoteHosts(cut, plan, { expectSha256: plan.baseSha256 })).rejects.toMatchObject({ code: 'REMOTE_COMMAND', message: expect.stringContaining('incomplete') });
      expect(readFileSync(hostsFile, 'utf8')).toBe(before);
      expect(readdirSync(dir.path).filter((f) => f.includes('.outpost-'))).toEqual([]);
      // The whole text goes through.
      await applyRemoteHosts(real, plan, { expectSha256: plan.baseSha256 });
      expect(readFileSync(hostsFile, 'utf8')).toBe(plan.after);
    } finally {
      pool.close();
    }
  }, 30_000);

  it('a node that cannot be reached is UNREACHABLE, audited as failed, and its file is as it was', async () => {
    const before = readFileSync(hostsFile, 'utf8');
    const port = sshd.port;
    sshd.stop();
    const r = await outpost('hosts', 'push', ...node(), '--site', 'lab', '--vm', 'web-00000');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('UNREACHABLE');
    expect(readFileSync(hostsFile, 'utf8')).toBe(before);
    const audit = JSON.parse((await outpost('--json', 'audit', 'list')).stdout) as { entries: { action: string; target: string | null; outcome: string }[] };
    expect(audit.entries.find((e) => e.action === 'hosts.push' && e.outcome === 'failed')).toMatchObject({ target: `root@127.0.0.1:${port}` });
  }, 30_000);
});
