import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { OutpostError } from '../contract/errors.js';
import { SFTP_CHUNK_BYTES, type RemoteEntryInfo } from '../contract/sftp.js';
import type { SshConnection } from '../ssh/ssh-connection.js';
import { listRemote, realRemotePath, sftpError } from './sftp-transfer.js';

const PARTIAL = '.partial';

const cb = <T>(run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));

interface Upload {
  sftp: SFTPWrapper;
  handle: Buffer;
  partial: string;
  path: string;
  size: number;
  written: number;
  /** Ends the SFTP channel held for this upload. */
  release(): void;
}

/**
 * The file pane's SFTP: browse, chunked reads (downloads) and chunked writes (uploads) over a
 * terminal's SSH connection. An upload holds one SFTP channel and writes NAME.partial; `finish`
 * renames it over NAME (OpenSSH posix-rename, atomic), `cancel` or a failed chunk removes it, so a
 * half-written file never carries the final name.
 */
export class SftpPane {
  private readonly uploads = new Map<number, Upload>();
  private nextId = 1;

  async list(conn: SshConnection, path: string): Promise<{ path: string; entries: RemoteEntryInfo[] }> {
    return conn.withSftp(async (s) => {
      const real = await realRemotePath(s, path);
      return { path: real, entries: await listRemote(s, real) };
    });
  }

  async read(conn: SshConnection, path: string, offset: number, length: number): Promise<{ data: string; size: number; eof: boolean }> {
    return conn.withSftp(async (s) => {
      let handle: Buffer;
      try {
        handle = await cb<Buffer>((done) => s.open(path, 'r', done));
      } catch (err) {
        throw sftpError(err, `Cannot read ${path}`);
      }
      try {
        const st = await cb<{ size: number; isDirectory(): boolean }>((done) => s.fstat(handle, done));
        if (st.isDirectory()) throw new OutpostError('VALIDATION', `${path} is a folder; download its files one by one (or use outpost sftp get for a whole folder).`);
        const want = Math.max(0, Math.min(length, SFTP_CHUNK_BYTES, st.size - offset));
        const buf = Buffer.alloc(want);
        let got = 0;
        // One SFTP read returns at most the server's packet size: loop until the chunk is full or EOF.
        while (got < want) {
          const n = await new Promise<number>((resolve, reject) => s.read(handle, buf, got, want - got, offset + got, (err, bytes) => (err ? reject(err) : resolve(bytes))));
          if (n <= 0) break;
          got += n;
        }
        return { data: buf.subarray(0, got).toString('base64'), size: st.size, eof: offset + got >= st.size };
      } catch (err) {
        throw sftpError(err, `Cannot read ${path}`);
      } finally {
        await cb<void>((done) => s.close(handle, done)).catch(() => undefined);
      }
    });
  }

  async begin(conn: SshConnection, folder: string, name: string, size: number): Promise<{ transfer: number; path: string }> {
    let release = (): void => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const sftp = await new Promise<SFTPWrapper>((resolve, reject) => {
      // The channel stays open until finish/cancel release it; withSftp ends it then.
      conn.withSftp((s) => (resolve(s), held)).catch(reject);
    });
    try {
      const base = await realRemotePath(sftp, folder);
      const path = posix.join(base, name);
      // A folder upload sends relative names: create their folders (mkdir -p) first.
      let dir = base;
      for (const seg of name.split('/').slice(0, -1)) {
        dir = posix.join(dir, seg);
        try {
          await cb<void>((done) => sftp.mkdir(dir, done));
        } catch (err) {
          const isDir = await cb<{ isDirectory(): boolean }>((done) => sftp.stat(dir, done)).then((st) => st.isDirectory(), () => false);
          if (!isDir) throw sftpError(err, `Cannot create ${dir}`);
        }
      }
      const partial = path + PARTIAL;
      let handle: Buffer;
      try {
        handle = await cb<Buffer>((done) => sftp.open(partial, 'w', done));
      } catch (err) {
        throw sftpError(err, `Cannot write ${path}`);
      }
      const id = this.nextId++;
      this.uploads.set(id, { sftp, handle, partial, path, size, written: 0, release });
      return { transfer: id, path };
    } catch (err) {
      release();
      throw err;
    }
  }

  async chunk(id: number, offset: number, data: string): Promise<{ written: number }> {
    const u = this.upload(id);
    if (offset !== u.written) throw new OutpostError('VALIDATION', `Upload ${id} expected offset ${u.written}, got ${offset}; send the chunks in order.`);
    const buf = Buffer.from(data, 'base64');
    if (u.written + buf.length > u.size) throw new OutpostError('VALIDATION', `Upload ${id} would exceed its declared size of ${u.size} bytes.`);
    try {
      let done = 0;
      while (done < buf.length) {
        const n = Math.min(buf.length - done, 255 * 1024);
        await cb<void>((d) => u.sftp.write(u.handle, buf, done, n, u.written + done, d));
        done += n;
      }
    } catch (err) {
      await this.abandon(id, u);
      throw sftpError(err, `Upload to ${u.path} failed`);
    }
    u.written += buf.length;
    return { written: u.written };
  }

  async finish(id: number): Promise<{ path: string; bytes: number }> {
    const u = this.upload(id);
    if (u.written !== u.size) throw new OutpostError('VALIDATION', `Upload ${id} has ${u.written} of ${u.size} bytes; send the rest or cancel it.`);
    try {
      await cb<void>((d) => u.sftp.close(u.handle, d));
      await cb<void>((d) => u.sftp.ext_openssh_rename(u.partial, u.path, d));
    } catch (err) {
      await this.abandon(id, u);
      throw sftpError(err, `Cannot complete ${u.path}`);
    }
    this.uploads.delete(id);
    u.release();
    return { path: u.path, bytes: u.written };
  }

  async cancel(id: number): Promise<{ cancelled: boolean }> {
    const u = this.uploads.get(id);
    if (!u) return { cancelled: false };
    await this.abandon(id, u);
    return { cancelled: true };
  }

  private async abandon(id: number, u: Upload): Promise<void> {
    this.uploads.delete(id);
    await cb<void>((d) => u.sftp.close(u.handle, d)).catch(() => undefined);
    await cb<void>((d) => u.sftp.unlink(u.partial, d)).catch(() => undefined);
    u.release();
  }

  private upload(id: number): Upload {
    const u = this.uploads.get(id);
    if (!u) throw new OutpostError('NOT_FOUND', `No upload ${id}: it finished, was cancelled or failed; start it again.`);
    return u;
  }
}
