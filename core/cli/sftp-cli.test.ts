import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createTestUser, generateKey, sshdAvailable, startSshd, type Sshd } from '../../test/peers/openssh-server.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;

describe.skipIf(!canRun)('outpost sftp get|put (built binary, real sshd)', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let user: { name: string; remove(): void };
  let keyFile: string;
  const password = `pw-${randomBytes(9).toString('base64url')}`;
  const db = () => ['--db', join(dir.path, 'outpost.db')];

  beforeAll(async () => {
    dir = tempDir();
    chmodSync(dir.path, 0o755);
    keyFile = join(dir.path, 'id');
    sshd = await startSshd({ dir: dir.path, authorizedKeys: [generateKey(keyFile).publicKey] });
    user = createTestUser(`outpost-t${randomBytes(3).toString('hex')}`, password);
    mkdirSync(join(dir.path, 'ro'), { mode: 0o755 });
  }, 60_000);
  afterAll(() => {
    sshd?.stop();
    user?.remove();
    dir?.remove();
  });

  it('puts and gets a file with the host picked as outpost exec does; the audit log says who copied what where', async () => {
    const src = join(dir.path, 'src.bin');
    writeFileSync(src, randomBytes(2 * 1024 * 1024));
    const remote = join(dir.path, 'remote.bin');
    const put = await runOutpost([...db(), '--json', 'sftp', 'put', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, '--trust', sshd.fingerprint, src, remote]);
    expect(put.stderr).toBe('');
    expect(put.code).toBe(0);
    expect(JSON.parse(put.stdout)).toMatchObject({ files: 1, bytes: 2 * 1024 * 1024 });
    expect(readFileSync(remote).equals(readFileSync(src))).toBe(true);
    const back = join(dir.path, 'back.bin');
    const get = await runOutpost([...db(), 'sftp', 'get', '--host', `127.0.0.1:${sshd.port}`, '--user', 'root', '--key', keyFile, remote, back]);
    expect(get.code).toBe(0);
    expect(get.stdout).toMatch(/^Downloaded 1 file\(s\), 2\.0 MiB/);
    expect(readFileSync(back).equals(readFileSync(src))).toBe(true);
    const audit = await runOutpost([...db(), '--json', 'audit', 'list']);
    expect(audit.stdout).toContain('sftp.put');
    expect(audit.stdout).toContain('sftp.get');
  }, 60_000);

  it('a path the user may not write: one SFTP_REFUSED line, non-zero exit, nothing left on the server', async () => {
    const src = join(dir.path, 'small.bin');
    writeFileSync(src, 'hello');
    const r = await runOutpost([...db(), 'sftp', 'put', '--host', `127.0.0.1:${sshd.port}`, '--user', user.name, '--password-stdin', src, join(dir.path, 'ro', 'x.bin')], { input: `${password}\n` });
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/permission denied.*\[SFTP_REFUSED\]/);
    expect(r.stderr).not.toContain(password);
    expect(readdirSync(join(dir.path, 'ro'))).toEqual([]);
    expect(existsSync(join(dir.path, 'ro', 'x.bin.partial'))).toBe(false);
  }, 60_000);
});
