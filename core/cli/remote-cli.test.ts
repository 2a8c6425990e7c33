import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { startWsmanServer, type WsmanServer } from '../../test/peers/wsman-test-server.js';
import { tempDir } from '../../test/temp-dir.js';
import { runOutpost } from '../../test/outpost-binary.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

/** The run without its line timings and signal: these tests compare whole results (code, stdout, stderr). */
const outpost = async (...args: Parameters<typeof runOutpost>): Promise<Omit<Awaited<ReturnType<typeof runOutpost>>, 'lines' | 'signal'>> => {
  const { lines: _lines, signal: _signal, ...run } = await runOutpost(...args);
  return run;
};

describe.skipIf(!canRun)('outpost exec / fanout / winrm / known-hosts / credential (built binary, real sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: string;
  let keyFile: string;
  let key: { privateKey: string; publicKey: string };
  let sshd: Sshd;
  let jump: Sshd;
  let second: Sshd;
  let wsman: WsmanServer;
  const vault = 'cli test vault passphrase';
  const winrmPassword = 'Wr-cli-secret-9f3k';

  beforeAll(async () => {
    dir = tempDir();
    db = join(dir.path, 'outpost.db');
    keyFile = join(dir.path, 'id_ed25519');
    key = generateKey(keyFile);
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    jump = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    second = await startSshd({ dir: dir.path, authorizedKeys: [key.publicKey] });
    wsman = await startWsmanServer({
      auth: 'basic',
      user: 'Administrator',
      password: winrmPassword,
      commands: { 'ipconfig /all': { chunks: [{ stdout: 'Windows IP Configuration\r\n' }, { stderr: 'note\r\n' }], exitCode: 3 } },
    });
  });
  afterAll(async () => {
    for (const s of [sshd, jump, second]) s?.stop();
    await wsman?.stop();
    dir?.remove();
  });

  it('refuses an unknown host key without --trust (non-interactive): exit 255, one line with the fingerprint, no auth reached sshd', async () => {
    const before = sshd.log().length;
    const r = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--', 'echo', 'never']);
    expect(r.code).toBe(255);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('HOST_KEY_UNKNOWN');
    expect(r.stderr).toContain(sshd.fingerprint);
    await new Promise((res) => setTimeout(res, 200));
    expect(sshd.log().slice(before)).not.toMatch(/authenticating user|Accepted publickey/);
  });

  it('exec passes the remote exit code through and prints stdout and stderr unchanged (with --trust, then from the store)', async () => {
    const t0 = performance.now();
    const r = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--trust', sshd.fingerprint, '--', 'printf', "'a\\nb  c'", ';', 'printf', 'e-r-r', '>&2', ';', 'exit', '42']);
    const ms = performance.now() - t0;
    expect(r).toEqual({ code: 42, stdout: 'a\nb  c', stderr: 'e-r-r' });
    const again = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--stdin', '--', 'wc', '-c'], { input: 'seventeen bytes!\n' });
    expect(again).toEqual({ code: 0, stdout: '17\n', stderr: '' });
    const binary = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--', 'printf', "'\\303\\244\\342\\234\\223'"]);
    expect(binary.stdout).toBe('ä✓');
    console.log(`outpost exec (process start, connect, auth, exec): ${ms.toFixed(0)} ms`);
  });

  it('exec through --jump with both host keys vouched for; a wrong --trust is refused', async () => {
    const r = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${second.port}`, '--user', 'root', '--key', keyFile, '--jump', `root@127.0.0.1:${jump.port}`, '--trust', jump.fingerprint, '--trust', second.fingerprint, '--', 'echo', 'via-jump']);
    expect(r).toEqual({ code: 0, stdout: 'via-jump\n', stderr: '' });
    await outpost(['--db', db, 'known-hosts', 'remove', '--host', `127.0.0.1:${second.port}`]);
    const wrong = await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${second.port}`, '--user', 'root', '--key', keyFile, '--trust', sshd.fingerprint, '--', 'true']);
    expect(wrong.code).toBe(255);
    expect(wrong.stderr).toMatch(/not the fingerprint given with --trust/);
  });

  it('fans out from a hosts file; a dead host fails alone; --json gives one document', async () => {
    const hosts = join(dir.path, 'hosts.txt');
    writeFileSync(hosts, `# lab\n127.0.0.1:${sshd.port}\n127.0.0.1:1\n127.0.0.1:${jump.port}\n`);
    const r = await outpost(['--db', db, '--json', 'fanout', '--hosts-file', hosts, '--user', 'root', '--key', keyFile, '--concurrency', '2', '--', 'echo', 'fan-$((6*7))']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { results: { host: string; exitCode: number | null; stdoutHead: string; error: { code: string } | null }[]; failed: number };
    expect(doc.failed).toBe(1);
    expect(doc.results.map((x) => [x.host, x.exitCode, x.stdoutHead, x.error?.code ?? null])).toEqual([
      [`127.0.0.1:${sshd.port}`, 0, 'fan-42', null],
      ['127.0.0.1:1', null, '', 'UNREACHABLE'],
      [`127.0.0.1:${jump.port}`, 0, 'fan-42', null],
    ]);
    const text = await outpost(['--db', db, 'fanout', '--hosts-file', hosts, '--user', 'root', '--key', keyFile, '--', 'true']);
    expect(text.stdout).toMatch(/HOST\s+EXIT\s+MS\s+OUTPUT/);
    expect(text.stdout).toContain('2/3 hosts exited 0');
  });

  it('winrm exec (own WS-Man test server): exit code, stdout and stderr; --json; a wrong password is WINRM_AUTH without the password', async () => {
    const r = await outpost(['--db', db, 'winrm', 'exec', '--url', wsman.url, '--user', 'Administrator', '--password-stdin', '--', 'ipconfig', '/all'], { input: `${winrmPassword}\n` });
    expect(r).toEqual({ code: 3, stdout: 'Windows IP Configuration\r\n', stderr: 'note\r\n' });
    const json = await outpost(['--db', db, '--json', 'winrm', 'exec', '--url', wsman.url, '--user', 'Administrator', '--password-stdin', '--', 'ipconfig', '/all'], { input: winrmPassword });
    expect(JSON.parse(json.stdout)).toMatchObject({ exitCode: 3, stdout: 'Windows IP Configuration\r\n' });
    const bad = await outpost(['--db', db, 'winrm', 'exec', '--url', wsman.url, '--user', 'Administrator', '--password-stdin', '--', 'ipconfig'], { input: 'wrong-pass-77' });
    expect(bad.code).toBe(255);
    expect(bad.stderr).toContain('WINRM_AUTH');
    expect(bad.stderr).not.toContain('wrong-pass-77');
  });

  it('known-hosts list / trust / remove / import, and credential add / list / remove with the vault; no secret in output or audit', async () => {
    const env = { OUTPOST_VAULT_PASSPHRASE: vault };
    const list = JSON.parse((await outpost(['--db', db, '--json', 'known-hosts', 'list'])).stdout) as { port: number; fingerprint: string }[];
    expect(list.map((k) => k.fingerprint)).toContain(sshd.fingerprint);
    expect((await outpost(['--db', db, 'known-hosts', 'remove', '--host', `127.0.0.1:${sshd.port}`])).stdout).toContain('Removed 1 key');
    expect((await outpost(['--db', db, 'known-hosts', 'trust', '--host', `127.0.0.1:${sshd.port}`, '--fingerprint', sshd.fingerprint])).code).toBe(0);
    const kh = join(dir.path, 'known_hosts');
    writeFileSync(kh, `[127.0.0.1]:${second.port} ${readFileSync(`${second.hostKeyFile}.pub`, 'utf8')}`);
    execFileSync('ssh-keygen', ['-H', '-f', kh], { stdio: 'ignore' });
    expect((await outpost(['--db', db, 'known-hosts', 'import', '--file', kh])).stdout).toContain('Imported 1 key');
    expect((await outpost(['--db', db, 'exec', '--host', `127.0.0.1:${second.port}`, '--user', 'root', '--key', keyFile, '--', 'echo', 'hashed-ok'])).stdout).toBe('hashed-ok\n');

    const added = await outpost(['--db', db, 'credential', 'add', '--name', 'win-admin', '--user', 'Administrator', '--password-stdin', '--vm', 'vm-42'], { input: winrmPassword, env });
    expect(added).toMatchObject({ code: 0, stdout: 'Credential win-admin (password, Administrator) saved.\n' });
    expect((await outpost(['--db', db, 'credential', 'add', '--name', 'lab-key', '--user', 'root', '--key', keyFile], { env })).code).toBe(0);
    const fw = await outpost(['--db', db, 'firewall', 'add', '--name', 'edge-ssh', '--driver', 'linux-iptables', '--ssh', `root@127.0.0.1:${sshd.port}`, '--credential', 'lab-key', '--host-key', sshd.fingerprint], { env });
    expect(fw.code, fw.stderr).toBe(0);
    expect((await outpost(['--db', db, 'firewall', 'list'])).stdout).toContain(`ssh root@127.0.0.1:${sshd.port}`);
    const creds = await outpost(['--db', db, 'credential', 'list'], { env });
    expect(creds.stdout).toMatch(/win-admin\s+password\s+Administrator\s+vm vm-42/);
    expect((await outpost(['--db', db, 'credential', 'remove', '--name', 'win-admin'], { env })).code).toBe(0);
    const audit = await outpost(['--db', db, '--json', 'audit', 'list', '--limit', '1000']);
    expect(audit.stdout).toContain('credential.add');
    for (const text of [audit.stdout, creds.stdout, added.stdout, added.stderr, readFileSync(db).toString('latin1')]) {
      expect(text).not.toContain(winrmPassword);
      expect(text).not.toContain('OPENSSH PRIVATE KEY');
    }
  }, 90_000); // five CLI runs unlock the vault at the shipped scrypt cost (N=2^17, ~0.4 s each idle, seconds on a loaded machine)

  it('bad input is one line and exit 2', async () => {
    const cases: string[][] = [
      ['exec', '--host', '127.0.0.1', '--user', 'root', '--', 'true'],
      ['exec', '--host', '127.0.0.1:99999', '--user', 'root', '--key', keyFile, '--', 'true'],
      ['exec', '--host', '127.0.0.1', '--user', 'root', '--key', keyFile, '--trust', 'md5:aa', '--', 'true'],
      ['exec', '--host', '127.0.0.1', '--user', 'root', '--key', join(dir.path, 'missing'), '--', 'true'],
      ['fanout', '--hosts-file', join(dir.path, 'none.txt'), '--user', 'root', '--key', keyFile, '--', 'true'],
      ['fanout', '--hosts-file', keyFile, '--user', 'root', '--key', keyFile, '--concurrency', '0', '--', 'true'],
      ['winrm', 'exec', '--url', 'ftp://x/wsman', '--user', 'a', '--password-stdin', '--', 'dir'],
      ['known-hosts', 'trust', '--host', '127.0.0.1', '--fingerprint', 'SHA256:short'],
      ['credential', 'add', '--name', 'x', '--user', 'u'],
      ['firewall', 'add', '--name', 'f', '--driver', 'linux-iptables', '--ssh', 'root@h'],
    ];
    for (const args of cases) {
      const r = await outpost(['--db', db, ...args], { input: 'pw' });
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(/^outpost: /);
    }
  });
});
