import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
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

  type Status = { state: string; transferred: number; total: number; files: number; size: number };
  /** Polls a folder download until it leaves `copying`/`packing`; the statuses seen on the way. */
  const settle = async (transfer: number): Promise<{ last: Status; seen: Status[] }> => {
    const seen: Status[] = [];
    for (;;) {
      const st = await call<Status>('sftp.download.status', { transfer });
      seen.push(st);
      if (st.state !== 'copying' && st.state !== 'packing') return { last: st, seen };
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const staged = (): string[] => readdirSync(join(dir.path, 'data', 'sftp-downloads'));

  it('a folder downloads with its sub-folders as one tar: progress counts bytes over the whole tree, the archive unpacks byte for byte', async () => {
    const tree = join(area, 'mine', 'dl');
    const big = randomBytes(3 * MiB + 7);
    const small = randomBytes(1000);
    const longName = `${'n'.repeat(120)}.txt`;
    mkdirSync(join(tree, 'sub', 'deeper'), { recursive: true });
    mkdirSync(join(tree, 'empty'));
    writeFileSync(join(tree, 'big.bin'), big);
    writeFileSync(join(tree, 'sub', 'small.bin'), small);
    writeFileSync(join(tree, 'sub', 'deeper', longName), 'long name');
    execFileSync('chown', ['-R', user.name, tree]);
    const { transfer, name } = await call<{ transfer: number; name: string }>('sftp.download.begin', { terminal, path: tree });
    expect(name).toBe('dl');
    const { last, seen } = await settle(transfer);
    const total = big.length + small.length + 'long name'.length;
    expect(last).toMatchObject({ state: 'ready', transferred: total, total, files: 3 });
    const copying = seen.filter((st) => st.state === 'copying' && st.total > 0);
    for (const st of copying) expect(st.total).toBe(total);
    const parts: Buffer[] = [];
    for (let off = 0, eof = false; !eof; ) {
      const r = await call<{ data: string; eof: boolean; size: number }>('sftp.download.read', { transfer, offset: off, length: SFTP_CHUNK_BYTES });
      expect(r.size).toBe(last.size);
      parts.push(Buffer.from(r.data, 'base64'));
      off += parts.at(-1)!.length;
      eof = r.eof;
    }
    expect(await call('sftp.download.end', { transfer })).toEqual({ cancelled: false });
    expect(staged()).toEqual([]);
    const out = join(dir.path, 'unpacked');
    mkdirSync(out);
    writeFileSync(join(dir.path, 'dl.tar'), Buffer.concat(parts));
    execFileSync('tar', ['-xf', join(dir.path, 'dl.tar'), '-C', out]);
    expect(sha(readFileSync(join(out, 'dl', 'big.bin')))).toBe(sha(big));
    expect(readFileSync(join(out, 'dl', 'sub', 'small.bin')).equals(small)).toBe(true);
    expect(readFileSync(join(out, 'dl', 'sub', 'deeper', longName), 'utf8')).toBe('long name');
    expect(readdirSync(join(out, 'dl', 'empty'))).toEqual([]);
    const audit = await call<{ entries: { action: string; outcome: string; details: unknown }[] }>('audit.list', {});
    expect(audit.entries).toEqual(expect.arrayContaining([expect.objectContaining({ action: 'sftp.get', outcome: 'ok', details: expect.objectContaining({ from: tree, files: 3, bytes: total }) })]));
  });

  it('cancelling a folder download mid-copy leaves nothing on this computer', async () => {
    const tree = join(area, 'mine', 'huge');
    mkdirSync(tree);
    // Sparse: 2 GiB that cost no disk on the server side and take long enough to copy to cancel midway.
    execFileSync('truncate', ['-s', '2G', join(tree, 'zeros.bin')]);
    execFileSync('chown', ['-R', user.name, tree]);
    const { transfer } = await call<{ transfer: number }>('sftp.download.begin', { terminal, path: tree });
    let st: Status;
    // A pause per poll: status answers from memory, and a tight loop would starve the socket.
    do st = await new Promise((r) => setTimeout(r, 10)).then(() => call<Status>('sftp.download.status', { transfer }));
    while (st.transferred === 0);
    expect(st.state).toBe('copying');
    expect(await call('sftp.download.end', { transfer })).toEqual({ cancelled: true });
    expect(staged()).toEqual([]);
    expect(await core.dispatch('sftp.download.status', { transfer })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('a folder or a file in it this user may not read is one SFTP_REFUSED that says so, and nothing is kept', async () => {
    const locked = join(area, 'mine', 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o700); // root's: the user may not list it
    const r = await core.dispatch('sftp.download.begin', { terminal, path: locked });
    expect(r).toMatchObject({ ok: false, error: { code: 'SFTP_REFUSED', details: { reason: 'permission' } } });
    expect(JSON.stringify(r)).toMatch(/may not read/);
    const partly = join(area, 'mine', 'partly');
    mkdirSync(partly);
    writeFileSync(join(partly, 'a-ok.txt'), 'fine');
    writeFileSync(join(partly, 'b-secret.txt'), 'secret');
    chmodSync(join(partly, 'b-secret.txt'), 0o600); // root's
    execFileSync('chown', [user.name, partly, join(partly, 'a-ok.txt')]);
    const { transfer } = await call<{ transfer: number }>('sftp.download.begin', { terminal, path: partly });
    let failed: unknown = null;
    for (let i = 0; i < 200 && !failed; i++) {
      const s = await core.dispatch('sftp.download.status', { transfer });
      if (!s.ok) failed = s;
      else await new Promise((res) => setTimeout(res, 20));
    }
    expect(failed).toMatchObject({ ok: false, error: { code: 'SFTP_REFUSED', message: expect.stringContaining(`Cannot read ${join(partly, 'b-secret.txt')}: permission denied; this user may not read it`) } });
    expect(staged()).toEqual([]);
    expect(await core.dispatch('sftp.download.begin', { terminal, path: join(partly, 'a-ok.txt') })).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
  });

  it('a terminal that does not exist is NOT_FOUND', async () => {
    expect(await core.dispatch('sftp.list', { terminal: 4242, path: '~' })).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
