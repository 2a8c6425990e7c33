import { createHash } from 'node:crypto';
import { chmodSync, closeSync, createReadStream, createWriteStream, existsSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Transform, type Readable, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { OutpostError } from '../contract/errors.js';
import { shellQuote } from '../ssh/shell-quote.js';
import type { SshConnection, ExecResult } from '../ssh/ssh-connection.js';
import type { SshTarget } from '../ssh/ssh-target.js';

/**
 * Where a host's backup goes before the host is wiped (seed 002: "Backup Data Store level", then
 * "Nuke 1 server"): the workstation's data folder, or a folder on an SSH target. Each run gets
 * its own file, `<root>/<site>/<host>/<run id>-<artefact name>`, so a later run never overwrites
 * the copy an earlier reinstall relied on.
 */
export type BackupDestination = { kind: 'local'; root: string } | { kind: 'ssh'; root: string; target: SshTarget };

/** The off-host copy as the copy step records it (its output) and the guard re-checks. */
export interface OffHostCopy {
  kind: 'local' | 'ssh';
  /** For people: the absolute path, or user@host:port:path. */
  location: string;
  path: string;
  sha256: string;
  bytes: number;
  verifiedAt: string;
}

/** What the copy needs from the outside world: SSH connections (host keys checked, pooled). */
export interface CopyIo {
  withConnection<T>(target: SshTarget, use: (c: SshConnection) => Promise<T>): Promise<T>;
}

// Folder and file names from vCenter names and operator paths: nothing that could climb out of the folder.
const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '_').slice(0, 120) || '_';

/**
 * The copy's folders (created 0700), path and a label for people. `remote` names the SSH target
 * (user@host:port) or is null for this workstation; it needs no credential, so status rows show
 * where a copy will go before it is made.
 */
export function offHostPlace(root: string, remote: string | null, o: { site: string; host: string; procedureId: string; artefactPath: string }): { dirs: string[]; path: string; location: string } {
  const site = join(root, safeName(o.site));
  const host = join(site, safeName(o.host));
  const path = join(host, `${safeName(o.procedureId)}-${safeName(basename(o.artefactPath))}`);
  return { dirs: [root, site, host], path, location: remote ? `${remote}:${path}` : path };
}

const notVerified = (message: string, details: Record<string, unknown> = {}): OutpostError => new OutpostError('BACKUP_NOT_VERIFIED', message, details);

async function run(c: SshConnection, command: string, what: string, signal?: AbortSignal): Promise<string> {
  const r: ExecResult = await c.exec(command, { timeoutMs: 6 * 3_600_000, ...(signal ? { signal } : {}) });
  if (r.exitCode !== 0) throw new OutpostError('REMOTE_COMMAND', `${what} on ${c.label} exited ${r.exitCode ?? r.signal}: ${r.stderr.toString('utf8').trim().slice(-300)}`);
  return r.stdout.toString('utf8');
}

/** SHA-256 and size of a local file, streamed (a backup may be far larger than memory). */
async function hashLocal(path: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path, signal ? { signal } : {})) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { sha256: hash.digest('hex'), bytes };
}

/** `sha256sum` and `stat` of a file on the SSH target (verified there, not from the bytes Outpost sent); null when it is not there. */
async function hashRemote(c: SshConnection, path: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number } | null> {
  const q = shellQuote([path]);
  const out = (await run(c, `if [ -f ${q} ]; then sha256sum -- ${q} && stat -c %s -- ${q}; fi`, 'Checksumming the copy', signal)).trim();
  if (!out) return null;
  const [line, size] = out.split('\n');
  return { sha256: line?.split(/\s+/)[0] ?? '', bytes: Number(size) };
}

/** The copy's SHA-256 and size where it lies (local file or on the SSH target); null when it is not there. */
export async function hashAtDestination(io: CopyIo, dest: BackupDestination, path: string, signal?: AbortSignal): Promise<{ sha256: string; bytes: number } | null> {
  if (dest.kind === 'local') return existsSync(path) ? hashLocal(path, signal) : null;
  return io.withConnection(dest.target, (c) => hashRemote(c, path, signal));
}

export interface CopyRequest {
  /** The host whose backup is copied (its SFTP serves the file). */
  source: SshTarget;
  artefactPath: string;
  /** What `sha256sum` and `stat` said on the host right after the backup. */
  sha256: string;
  bytes: number;
  dest: BackupDestination;
  place: { dirs: string[]; path: string; location: string };
  signal: AbortSignal;
  /** Called per chunk with the bytes read so far and the bytes the sink has written (-1: not known); the crash tests kill the process here. */
  onChunk?: (copied: number, written: number) => void;
}

/**
 * Streams the host's backup to the destination over SFTP (bounded memory: one stream window at a
 * time), into `<file>.partial`; checks the SHA-256 THERE (re-read from the destination's disk,
 * `sha256sum` on an SSH target) against the host's; only then renames it to its name. A partial or
 * mismatched file never carries the final name, so a kill -9 mid-copy leaves nothing a resume
 * could take for a verified copy: the resumed copy starts over.
 */
export async function copyOffHost(io: CopyIo, r: CopyRequest): Promise<OffHostCopy> {
  const { dest, place } = r;
  const done = (): OffHostCopy => ({ kind: dest.kind, location: place.location, path: place.path, sha256: r.sha256, bytes: r.bytes, verifiedAt: new Date().toISOString() });
  const tmp = `${place.path}.partial`;

  const copy = async (sink: () => Promise<{ stream: Writable; written: () => number }>): Promise<void> => {
    await io.withConnection(r.source, (c) =>
      c.withSftp(async (sftp) => {
        const source: Readable = sftp.createReadStream(r.artefactPath);
        const { stream, written } = await sink();
        let copied = 0;
        const meter = new Transform({
          transform(chunk: Buffer, _enc, next) {
            r.onChunk?.(copied, written());
            copied += chunk.length;
            next(null, chunk);
          },
        });
        await pipeline(source, meter, stream, { signal: r.signal });
      }),
    );
  };

  try {
    // A resumed run whose earlier attempt renamed the verified copy but died before recording it.
    const existing = await hashAtDestination(io, dest, place.path, r.signal);
    if (existing && existing.sha256 === r.sha256 && existing.bytes === r.bytes) return done();
    if (dest.kind === 'local') {
      for (const d of place.dirs) {
        mkdirSync(d, { recursive: true, mode: 0o700 });
        chmodSync(d, 0o700);
      }
      rmSync(tmp, { force: true }); // a partial file of a killed attempt: never resumed, never trusted
      await copy(async () => {
        const stream = createWriteStream(tmp, { mode: 0o600, flags: 'wx' });
        return { stream, written: () => stream.bytesWritten };
      });
      const fd = openSync(tmp, 'r+');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    } else {
      await io.withConnection(dest.target, async (c) => {
        const dirs = shellQuote(place.dirs);
        await run(c, `umask 077 && mkdir -p -- ${dirs} && chmod 700 -- ${dirs} && rm -f -- ${shellQuote([tmp])}`, 'Preparing the backup folder', r.signal);
        await c.withSftp(async (targetSftp) => {
          await copy(async () => {
            const stream = targetSftp.createWriteStream(tmp, { mode: 0o600, flags: 'w' });
            return { stream, written: () => -1 };
          });
        });
      });
    }
  } catch (err) {
    // A cancelled or failed copy leaves no temp file behind (only a kill -9 can, and the next attempt removes it).
    await removeAtDestination(io, dest, tmp).catch(() => undefined);
    if (r.signal.aborted) throw err;
    const cause = err instanceof OutpostError ? err.code : null;
    throw notVerified(`Copying the backup ${r.artefactPath} to ${place.location} failed: ${(err as Error).message}. The host is not reinstalled; fix the cause and resume the plan (the copy starts over).`, { stage: 'copy', cause });
  }

  const there = await hashAtDestination(io, dest, tmp, r.signal);
  if (!there || there.sha256 !== r.sha256 || there.bytes !== r.bytes) {
    await removeAtDestination(io, dest, tmp);
    throw notVerified(
      `The copy of ${r.artefactPath} at ${place.location} does not match the host's: sha256 ${there?.sha256 ?? 'none'} (${there?.bytes ?? 0} bytes) there, ${r.sha256} (${r.bytes} bytes) on the host. The copy was discarded and the host is not reinstalled. Check the host's disk, then roll this host's run back (outpost procedures rollback) and resume the plan for a new backup.`,
      { stage: 'verify', expected: r.sha256, actual: there?.sha256 ?? null },
    );
  }
  if (dest.kind === 'local') {
    renameSync(tmp, place.path);
    const dirFd = openSync(place.dirs[place.dirs.length - 1]!, 'r');
    try {
      fsyncSync(dirFd); // the rename survives a power cut before the run records the copy
    } finally {
      closeSync(dirFd);
    }
  } else {
    await io.withConnection(dest.target, (c) => run(c, `mv -f -- ${shellQuote([tmp, place.path])}`, 'Naming the verified copy', r.signal));
  }
  return done();
}

async function removeAtDestination(io: CopyIo, dest: BackupDestination, path: string): Promise<void> {
  if (dest.kind === 'local') rmSync(path, { force: true });
  else await io.withConnection(dest.target, (c) => run(c, `rm -f -- ${shellQuote([path])}`, 'Removing the mismatched copy'));
}
