import { mkdir, mkdtemp, open, rm } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import { OutpostError } from '../contract/errors.js';
import { SFTP_CHUNK_BYTES, type FolderDownloadStatus, type RemoteEntryInfo } from '../contract/sftp.js';
import type { SshConnection } from '../ssh/ssh-connection.js';
import { sftpDownload } from './sftp-session.js';
import { listRemote, realRemotePath, sftpError } from './sftp-transfer.js';
import { packTar } from './tar-pack.js';

const PARTIAL = '.partial';

const cb = <T>(run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));

/** A folder download: copied into a staging folder (the CLI's transfer code), then packed as one tar. */
interface FolderDownload {
  remote: string;
  /** The folder's name; the archive is NAME.tar. */
  name: string;
  staging: string;
  archive: string;
  status: FolderDownloadStatus;
  error: OutpostError | null;
  abort: AbortController;
  /** Settles when the copy and the packing ended (either way). */
  settled: Promise<void>;
}

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
  private readonly downloads = new Map<number, FolderDownload>();
  private nextId = 1;
  private stagingReady: Promise<string> | null = null;

  /** `stagingDir()`: where folder downloads are copied before they are packed (in the data folder: a large tree may not fit a tmpfs /tmp). */
  constructor(private readonly stagingDir: () => Promise<string> = async () => Promise.reject(new OutpostError('INTERNAL', 'No staging folder for folder downloads.'))) {}

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
        throw sftpError(err, `Cannot read ${path}`, 'read');
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
        throw sftpError(err, `Cannot read ${path}`, 'read');
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

  /**
   * Starts downloading a remote folder: the CLI's `download` (sftp-transfer.ts) copies the tree
   * into a fresh staging folder with progress over every file's bytes, then it is packed into
   * NAME.tar, which the pane reads with `downloadRead` and saves as one file. The folder must be
   * listable (checked here, before anything runs); a file that turns out unreadable later fails the
   * download and removes the staging copy. Progress and the outcome come from `downloadStatus`.
   */
  async downloadBegin(conn: SshConnection, path: string): Promise<{ transfer: number; path: string; name: string }> {
    const real = await conn.withSftp(async (s) => {
      const p = await realRemotePath(s, path);
      const st = await cb<{ isDirectory(): boolean }>((done) => s.stat(p, done)).catch((err: unknown) => {
        throw sftpError(err, `Cannot read ${p}`, 'read');
      });
      if (!st.isDirectory()) throw new OutpostError('VALIDATION', `${p} is not a folder; download a file with its own Download button.`);
      await listRemote(s, p);
      return p;
    });
    const name = posix.basename(real) || 'root';
    const root = await (this.stagingReady ??= this.prepareStaging());
    const staging = await mkdtemp(join(root, 'dl-'));
    const id = this.nextId++;
    const abort = new AbortController();
    const d: FolderDownload = { remote: real, name, staging, archive: join(staging, `${name}.tar`), status: { state: 'copying', transferred: 0, total: 0, file: null, files: 0, size: 0 }, error: null, abort, settled: Promise.resolve() };
    d.settled = (async () => {
      try {
        const tree = join(staging, 'tree');
        await mkdir(tree);
        const r = await sftpDownload(conn, real, tree, {
          signal: abort.signal,
          onProgress: (p) => Object.assign(d.status, { transferred: p.transferred, total: p.total, file: p.file }),
        });
        Object.assign(d.status, { state: 'packing', transferred: r.bytes, total: r.bytes, files: r.files });
        if (abort.signal.aborted) throw new OutpostError('CANCELLED', 'The download was cancelled; nothing was saved.');
        d.status.size = await packTar(tree, name, d.archive);
        // The archive is all the pane needs now: free the copy.
        await rm(tree, { recursive: true, force: true });
        d.status.state = 'ready';
      } catch (err) {
        // Removed before the status says so: whoever sees "failed" finds nothing left.
        await rm(staging, { recursive: true, force: true }).catch(() => undefined);
        d.error = err instanceof OutpostError ? err : sftpError(err, `Download of ${real} failed`);
        d.status.state = abort.signal.aborted ? 'cancelled' : 'failed';
      }
    })();
    this.downloads.set(id, d);
    return { transfer: id, path: real, name };
  }

  /** Progress of a folder download; a failed one throws its error (once: the download is forgotten). */
  downloadStatus(id: number): FolderDownloadStatus {
    const d = this.download(id);
    if (d.status.state === 'failed' && d.error) {
      this.downloads.delete(id);
      throw d.error;
    }
    return { ...d.status };
  }

  /** A chunk of a ready folder download's archive. */
  async downloadRead(id: number, offset: number, length: number): Promise<{ data: string; size: number; eof: boolean }> {
    const d = this.download(id);
    if (d.status.state !== 'ready') throw new OutpostError('CONFLICT', `Folder download ${id} is ${d.status.state}, not ready; wait until its status says ready.`);
    const fh = await open(d.archive, 'r');
    try {
      const want = Math.max(0, Math.min(length, SFTP_CHUNK_BYTES, d.status.size - offset));
      const buf = Buffer.alloc(want);
      const { bytesRead } = await fh.read(buf, 0, want, offset);
      return { data: buf.subarray(0, bytesRead).toString('base64'), size: d.status.size, eof: offset + bytesRead >= d.status.size };
    } finally {
      await fh.close();
    }
  }

  /**
   * Cancels a folder download still copying (the SFTP channel is ended, the partial file and
   * everything copied so far removed), or releases a finished one once the pane saved it. Either
   * way its staging folder is gone when this resolves.
   */
  async downloadEnd(id: number): Promise<{ cancelled: boolean }> {
    const d = this.downloads.get(id);
    if (!d) return { cancelled: false };
    this.downloads.delete(id);
    const running = d.status.state === 'copying' || d.status.state === 'packing';
    d.abort.abort();
    await d.settled;
    await rm(d.staging, { recursive: true, force: true });
    return { cancelled: running };
  }

  /** The staging root, emptied of what a previous run left (a crash mid-download). */
  private async prepareStaging(): Promise<string> {
    const root = await this.stagingDir();
    await rm(root, { recursive: true, force: true });
    await mkdir(root, { recursive: true, mode: 0o700 });
    return root;
  }

  private download(id: number): FolderDownload {
    const d = this.downloads.get(id);
    if (!d) throw new OutpostError('NOT_FOUND', `No folder download ${id}: it was saved, cancelled or failed; start it again.`);
    return d;
  }

  private upload(id: number): Upload {
    const u = this.uploads.get(id);
    if (!u) throw new OutpostError('NOT_FOUND', `No upload ${id}: it finished, was cancelled or failed; start it again.`);
    return u;
  }
}
