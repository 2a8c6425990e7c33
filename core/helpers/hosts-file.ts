import { closeSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, chownSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';
import { mergeHostsFile, type HostEntry } from './hosts-entries.js';

/**
 * Writes Outpost's block into a hosts file atomically: the new text goes to a temporary file in
 * the same folder (same mode and owner as the old file), is flushed to disk, then renamed over
 * the old one. A resolver reading the file meanwhile, or a crash half-way, sees the old file or
 * the new one, never half of it (an in-place write truncates first, leaving an empty or partial
 * /etc/hosts until it finishes).
 */
export function writeHostsEntries(given: string, entries: HostEntry[]): void {
  // A symlinked hosts file (some distributions link /etc/hosts elsewhere) stays a link: write its target.
  let path = given;
  try {
    path = realpathSync(given);
  } catch {
    // Not there yet: it is created.
  }
  let existing = '';
  let mode = 0o644;
  let owner: { uid: number; gid: number } | null = null;
  try {
    existing = readFileSync(path, 'utf8');
    const st = statSync(path);
    mode = st.mode & 0o7777;
    owner = { uid: st.uid, gid: st.gid };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw new OutpostError('VALIDATION', `Cannot read ${path}: ${(err as Error).message}`);
  }
  const text = mergeHostsFile(existing, entries);
  const temp = join(dirname(path), `.${basename(path)}.outpost-${process.pid}-${randomBytes(4).toString('hex')}`);
  let fd: number | null = null;
  try {
    fd = openSync(temp, 'wx', mode);
    writeSync(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = null;
    // Keep the old file's owner where we may (root writing /etc/hosts keeps root:root anyway).
    if (owner && process.getuid?.() === 0) chownSync(temp, owner.uid, owner.gid);
    renameSync(temp, path);
  } catch (err) {
    if (fd !== null) closeSync(fd);
    try {
      unlinkSync(temp);
    } catch {
      // Already renamed or never created: nothing to clean up.
    }
    throw new OutpostError('VALIDATION', `Cannot write ${path}: ${(err as Error).message}. The file was not changed.`);
  }
}
