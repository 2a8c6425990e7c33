import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';

/** The lock that lets one process at a time keep a store's sites indexed. */
export interface IndexLock {
  path: string;
  release(): void;
}

/**
 * Takes `<db>.index.lock` (created exclusively, holding this process's pid) so that two processes on
 * one store (two `outpost serve`, or serve beside the desktop app) do not both index every site.
 * A lock whose pid no longer runs (the holder was killed) is taken over. Returns the holder's pid
 * when another live process has it. A file lock rather than a SQLite one: a SQLite lock would be
 * held by a transaction for the process's lifetime and block every writer.
 */
export function acquireIndexLock(dbPath: string): IndexLock | { heldBy: number } {
  const path = `${dbPath}.index.lock`;
  // Two cores in one process (tests, a CLI beside its own serve) conflict like two processes.
  if (heldHere.has(path)) return { heldBy: process.pid };
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      try {
        writeSync(fd, `${process.pid}\n`);
      } finally {
        closeSync(fd);
      }
      heldHere.add(path);
      return {
        path,
        release: () => {
          if (!heldHere.delete(path)) return;
          // Only our own lock: a process that took over a lock it thought stale must keep it.
          if (holder(path) === process.pid) rmSync(path, { force: true });
        },
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const pid = holder(path);
      if (pid !== null && alive(pid)) {
        // Our own pid in a lock this process does not hold: left by an earlier run whose pid we reuse.
        if (pid !== process.pid) return { heldBy: pid };
      }
      rmSync(path, { force: true }); // stale (holder gone, or unreadable): take it over
    }
  }
  const pid = holder(path);
  return { heldBy: pid ?? 0 };
}

const heldHere = new Set<string>();

function holder(path: string): number | null {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    return Number.isSafeInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // runs, as another user
  }
}
