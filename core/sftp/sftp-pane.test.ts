import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { startSftpArea } from '../../test/fixtures/sftp-area.js';
import { sshdAvailable, type Sshd } from '../../test/peers/openssh-server.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { SFTP_CHUNK_BYTES } from '../contract/sftp.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;
if (!canRun) console.log('sftp pane tests skipped: need root and openssh-server');

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const MiB = 1024 * 1024;

describe.skipIf(!canRun)("the file pane's sftp.* commands over an SSH terminal (real sshd, ordinary user)", () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let user: { name: string; remove(): void };
  let core: OutpostCore;
  let area: string;
  let terminal: number;
  let password: string;

  const call = async <T,>(command: string, input: unknown): Promise<T> => {
    const r = await core.dispatch(command, input);
    expect(r, `${command} ${JSON.stringify(r).slice(0, 300)}`).toMatchObject({ ok: true });
    return (r as { value: T }).value;
  };

  beforeAll(async () => {
    ({ dir, sshd, user, area, password } = await startSftpArea('outpost-tp'));
    core = await createOutpostCore({ dataDir: join(dir.path, 'data'), transport: 'host', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 } });
    await call('vault.unlock', { passphrase: 'a long enough passphrase' });
    await call('credentials.add', { name: 'user', username: user.name, secret: { type: 'password', password } });
    await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });
    terminal = (await call<{ id: number }>('terminal.open', { target: { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'user' } })).id;
  }, 30_000);
  afterAll(async () => {
    await core?.close();
    sshd?.stop();
    user?.remove();
    dir?.remove();
  });

  const upload = async (folder: string, name: string, bytes: Buffer): Promise<{ path: string; bytes: number }> => {
    const { transfer } = await call<{ transfer: number }>('sftp.upload.begin', { terminal, folder, name, size: bytes.length });
    for (let off = 0; off < bytes.length; off += SFTP_CHUNK_BYTES) await call('sftp.upload.chunk', { transfer, offset: off, data: bytes.subarray(off, off + SFTP_CHUNK_BYTES).toString('base64') });
    return call('sftp.upload.finish', { transfer });
  };

  it("lists the user's home, uploads in chunks, lists the file and reads it back byte for byte", async () => {
    const home = await call<{ path: string }>('sftp.list', { terminal, path: '~' });
    expect(home.path).toBe('/tmp');
    const bytes = randomBytes(2 * MiB + 123);
    expect(await upload(join(area, 'mine'), 'a.bin', bytes)).toEqual({ path: join(area, 'mine', 'a.bin'), bytes: bytes.length });
    const listed = await call<{ entries: { name: string; type: string; size: number; mtime: string }[] }>('sftp.list', { terminal, path: join(area, 'mine') });
    expect(listed.entries).toEqual([expect.objectContaining({ name: 'a.bin', type: 'file', size: bytes.length, mtime: expect.stringMatching(/^\d{4}-/) })]);
    const parts: Buffer[] = [];
    for (let off = 0, eof = false; !eof; ) {
      const r = await call<{ data: string; eof: boolean; size: number }>('sftp.read', { terminal, path: join(area, 'mine', 'a.bin'), offset: off, length: SFTP_CHUNK_BYTES });
      parts.push(Buffer.from(r.data, 'base64'));
      off += parts.at(-1)!.length;
      eof = r.eof;
    }
    expect(sha(Buffer.concat(parts))).toBe(sha(bytes));
    const audit = await call<{ entries: { action: string; details: unknown }[] }>('audit.list', {});
    expect(audit.entries.map((e) => e.action)).toEqual(expect.arrayContaining(['sftp.put', 'sftp.get']));
  });

  it('a folder upload creates its sub-folders; . and .. names are refused before anything runs', async () => {
    await upload(join(area, 'mine'), 'tree/sub/x.txt', Buffer.from('hello'));
    expect(readFileSync(join(area, 'mine', 'tree', 'sub', 'x.txt'), 'utf8')).toBe('hello');
    expect(await core.dispatch('sftp.upload.begin', { terminal, folder: join(area, 'mine'), name: '../escape.txt', size: 1 })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('a folder the user may not write is SFTP_REFUSED and leaves nothing; a missing file too', async () => {
    expect(await core.dispatch('sftp.upload.begin', { terminal, folder: join(area, 'ro'), name: 'x.bin', size: 3 })).toMatchObject({ ok: false, error: { code: 'SFTP_REFUSED', details: { reason: 'permission' } } });
    expect(readdirSync(join(area, 'ro'))).toEqual([]);
    expect(await core.dispatch('sftp.read', { terminal, path: join(area, 'ro', 'nope'), offset: 0, length: 10 })).toMatchObject({ ok: false, error: { code: 'SFTP_REFUSED', details: { reason: 'missing' } } });
  });

  it('cancel removes the partial file; a chunk out of order or past the size is refused', async () => {
    const { transfer } = await call<{ transfer: number }>('sftp.upload.begin', { terminal, folder: join(area, 'mine'), name: 'c.bin', size: 10 });
    expect(existsSync(join(area, 'mine', 'c.bin.partial'))).toBe(true);
    expect(await core.dispatch('sftp.upload.chunk', { transfer, offset: 5, data: 'AAAA' })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await core.dispatch('sftp.upload.chunk', { transfer, offset: 0, data: randomBytes(11).toString('base64') })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await call('sftp.upload.chunk', { transfer, offset: 0, data: randomBytes(4).toString('base64') });
    expect(await core.dispatch('sftp.upload.finish', { transfer })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(await call('sftp.upload.cancel', { transfer })).toEqual({ cancelled: true });
    expect(readdirSync(join(area, 'mine')).filter((f) => f.startsWith('c.bin'))).toEqual([]);
    expect(await core.dispatch('sftp.upload.chunk', { transfer, offset: 4, data: 'AAAA' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a terminal that does not exist is NOT_FOUND', async () => {
    expect(await core.dispatch('sftp.list', { terminal: 4242, path: '~' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
