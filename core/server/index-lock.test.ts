import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dir.js';
import { acquireIndexLock } from './index-lock.js';

describe('the store index lock (one indexing process per store)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: string;
  beforeEach(() => {
    dir = tempDir();
    db = join(dir.path, 'outpost.db');
  });
  afterEach(() => dir.remove());

  it('is taken once: the file holds our pid, a second taker is told who holds it, release frees it', () => {
    const lock = acquireIndexLock(db);
    if ('heldBy' in lock) throw new Error('not acquired');
    expect(readFileSync(`${db}.index.lock`, 'utf8').trim()).toBe(String(process.pid));
    expect(acquireIndexLock(db)).toEqual({ heldBy: process.pid });
    lock.release();
    expect(existsSync(`${db}.index.lock`)).toBe(false);
    const again = acquireIndexLock(db);
    expect('release' in again).toBe(true);
    if ('release' in again) again.release();
  });

  it('a lock held by another live process is refused; one whose process is gone (killed) is taken over', async () => {
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      writeFileSync(`${db}.index.lock`, `${other.pid}\n`);
      expect(acquireIndexLock(db)).toEqual({ heldBy: other.pid });
    } finally {
      other.kill('SIGKILL');
      await new Promise((r) => other.once('exit', r));
    }
    const gone = spawnSync(process.execPath, ['-e', '']).pid; // exited and reaped: no such process now
    writeFileSync(`${db}.index.lock`, `${gone}\n`);
    const lock = acquireIndexLock(db);
    if ('heldBy' in lock) throw new Error(`not taken over from ${lock.heldBy}`);
    expect(readFileSync(`${db}.index.lock`, 'utf8').trim()).toBe(String(process.pid));
    lock.release();
  });
});
