import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { startSftpArea } from '../../test/fixtures/sftp-area.js';
import { sshdAvailable, type Sshd } from '../../test/peers/openssh-server.js';
import { SshConnection } from '../ssh/ssh-connection.js';
import { sftpDownload, sftpList, sftpUpload } from './sftp-session.js';
import { CANCEL_GRACE_MS, onAbort } from './sftp-transfer.js';

const canRun = sshdAvailable() && process.getuid?.() === 0;
if (!canRun) console.log('sftp tests skipped: need root and openssh-server');

const accept = { verify: async () => Promise.resolve(), preferredKeyTypes: async () => Promise.resolve([]) };
const sha = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

describe.skipIf(!canRun)('SFTP against a real OpenSSH sshd on 127.0.0.1', () => {
  let dir: ReturnType<typeof tempDir>;
  let sshd: Sshd;
  let user: { name: string; remove(): void };
  let conn: SshConnection;
  let area: string;
  let password: string;

  beforeAll(async () => {
    ({ dir, sshd, user, area, password } = await startSftpArea('outpost-t'));
    // Logged in as an ordinary user, so the server's permission checks are real.
    conn = await SshConnection.open({ host: '127.0.0.1', port: sshd.port, user: user.name, auth: { type: 'password', password } }, { hostKeys: accept });
  }, 30_000);
  afterAll(() => {
    conn?.close();
    sshd?.stop();
    user?.remove();
    dir?.remove();
  });

  it('uploads and downloads a file with progress; the bytes match', async () => {
    const src = join(dir.path, 'src.bin');
    writeFileSync(src, randomBytes(3 * 1024 * 1024 + 17));
    const seen: number[] = [];
    const up = await sftpUpload(conn, src, join(area, 'mine', 'a.bin'), { onProgress: (p) => seen.push(p.transferred) });
    expect(up).toEqual({ files: 1, bytes: 3 * 1024 * 1024 + 17 });
    expect(seen.at(-1)).toBe(3 * 1024 * 1024 + 17);
    expect(sha(join(area, 'mine', 'a.bin'))).toBe(sha(src));
    const back = join(dir.path, 'back.bin');
    await sftpDownload(conn, join(area, 'mine', 'a.bin'), back);
    expect(sha(back)).toBe(sha(src));
    expect(readdirSync(join(area, 'mine')).filter((f) => f.endsWith('.partial'))).toEqual([]);
  });

  it('copies folders both ways, and lists a folder folders first', async () => {
    const tree = join(dir.path, 'tree');
    mkdirSync(join(tree, 'sub', 'deeper'), { recursive: true });
    writeFileSync(join(tree, 'one.txt'), 'one');
    writeFileSync(join(tree, 'sub', 'two.txt'), 'two');
    writeFileSync(join(tree, 'sub', 'deeper', 'three.txt'), 'three');
    const up = await sftpUpload(conn, tree, join(area, 'mine'));
    expect(up.files).toBe(3);
    expect(readFileSync(join(area, 'mine', 'tree', 'sub', 'deeper', 'three.txt'), 'utf8')).toBe('three');
    const listing = await sftpList(conn, join(area, 'mine', 'tree'));
    expect(listing.entries.map((e) => [e.name, e.type])).toEqual([['sub', 'dir'], ['one.txt', 'file']]);
    const localCopy = join(dir.path, 'copy');
    mkdirSync(localCopy);
    await sftpDownload(conn, join(area, 'mine', 'tree'), localCopy);
    expect(readFileSync(join(localCopy, 'tree', 'sub', 'two.txt'), 'utf8')).toBe('two');
  });

  it('a folder the user may not write is one SFTP_REFUSED error and leaves no partial file', async () => {
    const src = join(dir.path, 'small.bin');
    writeFileSync(src, randomBytes(100_000));
    await expect(sftpUpload(conn, src, join(area, 'ro', 'x.bin'))).rejects.toMatchObject({ code: 'SFTP_REFUSED', details: { reason: 'permission' } });
    expect(readdirSync(join(area, 'ro'))).toEqual([]);
    await expect(sftpDownload(conn, join(area, 'ro', 'missing.bin'), join(dir.path, 'm.bin'))).rejects.toMatchObject({ code: 'SFTP_REFUSED', details: { reason: 'missing' } });
    expect(existsSync(join(dir.path, 'm.bin'))).toBe(false);
    expect(existsSync(join(dir.path, 'm.bin.partial'))).toBe(false);
  });

  it('cancel stops an upload and a download midway; neither side keeps a partial file, the connection stays usable', async () => {
    const src = join(dir.path, 'big.bin');
    writeFileSync(src, randomBytes(64 * 1024 * 1024));
    const ac = new AbortController();
    await expect(sftpUpload(conn, src, join(area, 'mine', 'big.bin'), { onProgress: (p) => p.transferred > 4 * 1024 * 1024 && ac.abort(), signal: ac.signal, concurrency: 4, chunkSize: 32 * 1024 })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(readdirSync(join(area, 'mine')).filter((f) => f.startsWith('big'))).toEqual([]);
    writeFileSync(join(area, 'mine', 'big.bin'), readFileSync(src));
    const ac2 = new AbortController();
    const dest = join(dir.path, 'big-down.bin');
    await expect(sftpDownload(conn, join(area, 'mine', 'big.bin'), dest, { onProgress: (p) => p.transferred > 4 * 1024 * 1024 && ac2.abort(), signal: ac2.signal, concurrency: 4, chunkSize: 32 * 1024 })).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.partial`)).toBe(false);
    expect((await sftpList(conn, join(area, 'mine'))).entries.length).toBeGreaterThan(0);
  }, 60_000);
  it('a cancel ends the transfer even when its next request, sent after the session ended, is never answered (ssh2 drops it)', async () => {
    const ac = new AbortController();
    const started = Date.now();
    const cancelled = conn.withSftp((s) => {
      // What a transfer does when its local read finishes after the cancel ended the channel: one more request.
      const late = new Promise<void>((resolve, reject) => s.once('end', () => s.stat(area, (err) => (err ? reject(err) : resolve()))));
      setTimeout(() => ac.abort(), 50);
      return onAbort(s, ac.signal, late);
    });
    await expect(cancelled).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(CANCEL_GRACE_MS);
    expect((await sftpList(conn, area)).entries.length).toBeGreaterThan(0);
  });
});
