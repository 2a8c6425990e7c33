import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { posix } from 'node:path';
import type { SFTPWrapper, Stats } from 'ssh2';
import { OutpostError } from '../contract/errors.js';

/** One entry of a remote folder, as the file pane shows it. */
export interface RemoteEntry {
  name: string;
  type: 'file' | 'dir' | 'link' | 'other';
  size: number;
  /** Modification time, ISO. */
  mtime: string;
  mode: number;
}

export interface TransferProgress {
  /** Bytes done over the whole transfer (every file of a folder). */
  transferred: number;
  total: number;
  /** The file being copied now. */
  file: string;
}

export interface TransferOptions {
  onProgress?: (p: TransferProgress) => void;
  signal?: AbortSignal;
  /** Parallel requests in flight per file (ssh2's fastGet/fastPut); OpenSSH's sftp keeps 64. */
  concurrency?: number;
  /** Bytes per request: 255 KiB fits OpenSSH's 256 KiB packet limit and halves the round trips of 128 KiB. */
  chunkSize?: number;
}

const DEFAULTS = { concurrency: 64, chunkSize: 255 * 1024 };
const PARTIAL = '.partial';

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) that mean "you may not", as one clear error. */
export function sftpError(err: unknown, what: string, access: 'read' | 'write' = 'write'): OutpostError {
  if (err instanceof OutpostError) return err;
  const code = typeof err === 'object' && err !== null && 'code' in err ? (err as { code: unknown }).code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 3 || /permission denied/i.test(message))
    return new OutpostError(
      'SFTP_REFUSED',
      access === 'read' ? `${what}: permission denied; this user may not read it. Ask for read access or connect as another user.` : `${what}: permission denied. Pick a folder this user may write (e.g. their home) or connect as another user.`,
      { reason: 'permission' },
    );
  if (code === 2 || /no such file/i.test(message)) return new OutpostError('SFTP_REFUSED', `${what}: no such file or folder.`, { reason: 'missing' });
  if (code === 4 && /quota|space/i.test(message)) return new OutpostError('SFTP_REFUSED', `${what}: the server's disk is full or over quota.`, { reason: 'full' });
  const local = typeof code === 'string' ? code : undefined;
  if (local === 'EACCES' || local === 'EPERM' || local === 'EROFS') return new OutpostError('SFTP_REFUSED', `${what}: this computer refused the write (${local}). Pick a folder you may write.`, { reason: 'local-permission' });
  if (local === 'ENOSPC') return new OutpostError('SFTP_REFUSED', `${what}: this computer's disk is full.`, { reason: 'local-full' });
  return new OutpostError('UNREACHABLE', `${what}: ${message}.`);
}

const cb = <T>(run: (done: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> =>
  new Promise<T>((resolve, reject) => run((err, value) => (err ? reject(err) : resolve(value as T))));

const remoteStat = (sftp: SFTPWrapper, path: string): Promise<Stats> => cb<Stats>((done) => sftp.stat(path, done));

function entryType(s: { isDirectory(): boolean; isFile(): boolean; isSymbolicLink(): boolean }): RemoteEntry['type'] {
  if (s.isDirectory()) return 'dir';
  if (s.isFile()) return 'file';
  if (s.isSymbolicLink()) return 'link';
  return 'other';
}

/** A remote folder's entries, folders first then by name ("." and ".." left out). */
export async function listRemote(sftp: SFTPWrapper, path: string): Promise<RemoteEntry[]> {
  try {
    const list = await cb<{ filename: string; attrs: Stats }[]>((done) => sftp.readdir(path, done));
    return list
      .filter((e) => e.filename !== '.' && e.filename !== '..')
      .map((e) => ({ name: e.filename, type: entryType(e.attrs), size: e.attrs.size, mtime: new Date(e.attrs.mtime * 1000).toISOString(), mode: e.attrs.mode }))
      .sort((a, b) => (a.type === 'dir' ? 0 : 1) - (b.type === 'dir' ? 0 : 1) || a.name.localeCompare(b.name));
  } catch (err) {
    throw sftpError(err, `Cannot list ${path}`, 'read');
  }
}

/** The remote path a `~`-relative or relative path means (the server's realpath). */
export async function realRemotePath(sftp: SFTPWrapper, path: string): Promise<string> {
  try {
    return await cb<string>((done) => sftp.realpath(path === '~' || path === '' ? '.' : path.replace(/^~\//, './'), done));
  } catch (err) {
    throw sftpError(err, `Cannot resolve ${path}`);
  }
}

interface Job {
  from: string;
  to: string;
  size: number;
}

function aborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new OutpostError('CANCELLED', 'The transfer was cancelled; nothing partial was kept.');
}

/**
 * Copies remote → local (a file, or a folder with everything in it). Each file is written to
 * NAME.partial and renamed when complete, so a failure or a cancel never leaves a file that looks
 * whole; the partial is removed. Cancelling ends the SFTP session (ssh2's fastGet has no abort).
 */
export async function download(sftp: SFTPWrapper, remote: string, local: string, o: TransferOptions = {}): Promise<{ files: number; bytes: number }> {
  aborted(o.signal);
  let top: Stats;
  try {
    top = await remoteStat(sftp, remote);
  } catch (err) {
    throw sftpError(err, `Cannot read ${remote}`, 'read');
  }
  const target = await localTarget(local, posix.basename(remote));
  const jobs: Job[] = [];
  const dirs: string[] = [];
  if (top.isDirectory()) {
    const walk = async (r: string, l: string): Promise<void> => {
      dirs.push(l);
      for (const e of await listRemote(sftp, r)) {
        if (e.type === 'dir') await walk(posix.join(r, e.name), join(l, e.name));
        else if (e.type === 'file') jobs.push({ from: posix.join(r, e.name), to: join(l, e.name), size: e.size });
      }
    };
    await walk(remote, target);
  } else jobs.push({ from: remote, to: target, size: top.size });
  try {
    for (const d of dirs) await mkdir(d, { recursive: true });
  } catch (err) {
    throw sftpError(err, `Cannot create ${dirs[0]}`);
  }
  return runJobs(jobs, o, async (job, step) => {
    const partial = job.to + PARTIAL;
    try {
      await onAbort(sftp, o.signal, cb<void>((done) => sftp.fastGet(job.from, partial, { ...DEFAULTS, ...pick(o), step }, done)));
      await rename(partial, job.to);
    } catch (err) {
      await rm(partial, { force: true });
      aborted(o.signal);
      // A numeric code is the server's (a file this user may not read); a string one is this computer's.
      const remoteSide = typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'number';
      throw remoteSide ? sftpError(err, `Cannot read ${job.from}`, 'read') : sftpError(err, `Download of ${job.from} to ${job.to} failed`);
    }
  });
}

/**
 * Copies local → remote (a file, or a folder). Each file goes to NAME.partial on the server and is
 * renamed over the final name when complete (OpenSSH's posix-rename, atomic); a refused path is one
 * SFTP_REFUSED error and the partial is removed.
 */
export async function upload(sftp: SFTPWrapper, local: string, remote: string, o: TransferOptions = {}): Promise<{ files: number; bytes: number }> {
  aborted(o.signal);
  let top;
  try {
    top = await stat(local);
  } catch (err) {
    throw sftpError(err, `Cannot read ${local}`);
  }
  let target = remote;
  try {
    if ((await remoteStat(sftp, remote)).isDirectory()) target = posix.join(remote, basename(local));
  } catch {
    // A new name: the copy takes it.
  }
  const jobs: Job[] = [];
  const dirs: string[] = [];
  if (top.isDirectory()) {
    const walk = async (l: string, r: string): Promise<void> => {
      dirs.push(r);
      for (const e of await readdir(l, { withFileTypes: true })) {
        if (e.isDirectory()) await walk(join(l, e.name), posix.join(r, e.name));
        else if (e.isFile()) jobs.push({ from: join(l, e.name), to: posix.join(r, e.name), size: (await stat(join(l, e.name))).size });
      }
    };
    await walk(local, target);
  } else jobs.push({ from: local, to: target, size: top.size });
  for (const d of dirs) {
    try {
      await cb<void>((done) => sftp.mkdir(d, done));
    } catch (err) {
      const exists = await remoteStat(sftp, d).then((s) => s.isDirectory(), () => false);
      if (!exists) throw sftpError(err, `Cannot create ${d}`);
    }
  }
  return runJobs(jobs, o, async (job, step) => {
    const partial = job.to + PARTIAL;
    try {
      await onAbort(sftp, o.signal, cb<void>((done) => sftp.fastPut(job.from, partial, { ...DEFAULTS, ...pick(o), step }, done)));
      await cb<void>((done) => sftp.ext_openssh_rename(partial, job.to, done));
    } catch (err) {
      if (!o.signal?.aborted) await cb<void>((done) => sftp.unlink(partial, done)).catch(() => undefined);
      // A cancel ended this SFTP session: the caller removes the partial over a new one (see sftpUpload).
      if (o.signal?.aborted) throw new OutpostError('CANCELLED', 'The transfer was cancelled; nothing partial was kept.', { partial });
      throw sftpError(err, `Upload of ${job.from} to ${job.to} failed`);
    }
  });
}

const pick = (o: TransferOptions): Partial<typeof DEFAULTS> => ({ ...(o.concurrency ? { concurrency: o.concurrency } : {}), ...(o.chunkSize ? { chunkSize: o.chunkSize } : {}) });

/** A local destination: into a folder when `local` is one, else that very name. */
async function localTarget(local: string, name: string): Promise<string> {
  const s = await stat(local).catch(() => null);
  return s?.isDirectory() ? join(local, name) : local;
}

/** How long a cancelled transfer may take to fail by itself once its SFTP session is ended. */
export const CANCEL_GRACE_MS = 2000;

/**
 * Ends the SFTP session when the signal fires, which fails the transfer in flight: ssh2 fails the
 * requests waiting for an answer when the channel ends. A request the transfer sends after that
 * (its next chunk was still being read or written locally) is dropped by ssh2 and never answered,
 * so the cancel also settles the transfer itself after CANCEL_GRACE_MS: a cancel always ends.
 */
export async function onAbort<T>(sftp: SFTPWrapper, signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  let grace: ReturnType<typeof setTimeout> | undefined;
  let stop = (): void => undefined;
  const cancelled = new Promise<never>((_resolve, reject) => {
    stop = () => {
      sftp.end();
      grace = setTimeout(() => reject(new OutpostError('CANCELLED', 'The transfer was cancelled; nothing partial was kept.')), CANCEL_GRACE_MS);
    };
  });
  cancelled.catch(() => undefined);
  if (signal.aborted) stop();
  else signal.addEventListener('abort', stop, { once: true });
  try {
    return await Promise.race([work, cancelled]);
  } finally {
    signal.removeEventListener('abort', stop);
    clearTimeout(grace);
  }
}

async function runJobs(jobs: Job[], o: TransferOptions, copy: (job: Job, step: (done: number) => void) => Promise<void>): Promise<{ files: number; bytes: number }> {
  const total = jobs.reduce((n, j) => n + j.size, 0);
  let before = 0;
  for (const job of jobs) {
    aborted(o.signal);
    await copy(job, (done) => o.onProgress?.({ transferred: before + done, total, file: job.from }));
    before += job.size;
    o.onProgress?.({ transferred: before, total, file: job.from });
  }
  return { files: jobs.length, bytes: total };
}
