// The store file at open: private modes whatever the umask, power-loss durability, and refusing
// (untouched) an empty, foreign or damaged file instead of opening it as a fresh store.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { openDatabase } from './database.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

describe('store files are private (0700 folder, 0600 files), whatever the umask', () => {
  let dir: ReturnType<typeof tempDir>;
  let umask: number;
  beforeEach(() => {
    dir = tempDir();
    // The loosest umask: modes must come from Outpost, not from the environment (vitest runs
    // test files in forked processes, where process.umask can be set).
    umask = process.umask(0o000);
  });
  afterEach(() => {
    process.umask(umask);
    dir.remove();
  });

  it('creates the data folder 0700 and outpost.db, -wal and -shm 0600', async () => {
    const dataDir = join(dir.path, 'data');
    const core = await createOutpostCore({ dataDir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 } });
    try {
      await core.sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 'now')");
      expect(mode(dataDir).toString(8)).toBe('700');
      for (const f of ['outpost.db', 'outpost.db-wal', 'outpost.db-shm']) {
        expect(existsSync(join(dataDir, f)), f).toBe(true);
        expect(mode(join(dataDir, f)).toString(8), f).toBe('600');
      }
    } finally {
      await core.close();
    }
  });

  it('tightens a folder and files left readable by an older Outpost', async () => {
    const dataDir = join(dir.path, 'data');
    openDatabase(join(dataDir, 'outpost.db')).close();
    // As an older Outpost left them: 0755 folder, 0644 files, and a connection keeping -wal/-shm.
    const held = new Database(join(dataDir, 'outpost.db'));
    try {
      held.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 'now')").run();
      chmodSync(dataDir, 0o755);
      for (const f of ['outpost.db', 'outpost.db-wal', 'outpost.db-shm']) chmodSync(join(dataDir, f), 0o644);
      const core = await createOutpostCore({ dataDir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 } });
      await core.close();
      expect(mode(dataDir).toString(8)).toBe('700');
      for (const f of ['outpost.db', 'outpost.db-wal', 'outpost.db-shm']) expect(mode(join(dataDir, f)).toString(8), f).toBe('600');
    } finally {
      held.close();
    }
  });

  it('leaves the folder of a --db path alone (it may be /tmp), only the store files are 0600', async () => {
    chmodSync(dir.path, 0o755);
    const dbPath = join(dir.path, 'chosen.db');
    const core = await createOutpostCore({ dataDir: dir.path, dbPath, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 } });
    await core.close();
    expect(mode(dir.path).toString(8)).toBe('755');
    expect(mode(dbPath).toString(8)).toBe('600');
  });
});

describe('durability', () => {
  it('commits with synchronous=FULL (WAL synced at every commit, not only at checkpoints)', () => {
    const dir = tempDir();
    try {
      const db = openDatabase(join(dir.path, 'outpost.db'));
      expect(db.pragma('synchronous', { simple: true })).toBe(2); // 2 = FULL, 1 = NORMAL
      db.close();
    } finally {
      dir.remove();
    }
  });
});

describe('an empty, foreign or damaged store is refused, untouched', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  const refuses = (path: string, code: string, text: RegExp): void => {
    const before = readFileSync(path);
    let error: unknown;
    try {
      openDatabase(path).close();
    } catch (err) {
      error = err;
    }
    expect(error).toMatchObject({ code, message: expect.stringMatching(text) });
    expect((error as Error).message).toContain(path);
    expect(readFileSync(path).equals(before), 'the file must not change').toBe(true);
    expect(existsSync(`${path}-wal`), 'no WAL created beside it').toBe(false);
  };

  it('an empty (0-byte) outpost.db is not opened as a new store', () => {
    const path = join(dir.path, 'outpost.db');
    writeFileSync(path, '');
    refuses(path, 'DB_NOT_STORE', /empty/);
  });

  it('a file that is not SQLite', () => {
    const path = join(dir.path, 'notes.txt');
    writeFileSync(path, 'hello, this is not a database\n'.repeat(200));
    refuses(path, 'DB_NOT_STORE', /not an SQLite database/);
  });

  it("another program's SQLite database is not migrated into", () => {
    const path = join(dir.path, 'other.db');
    const other = new Database(path);
    other.exec('CREATE TABLE photos (id INTEGER PRIMARY KEY, name TEXT)');
    other.close();
    refuses(path, 'DB_NOT_STORE', /another program/);
  });

  it('a store with a damaged page (DB_CORRUPT, not "database disk image is malformed" at some later query)', () => {
    const path = join(dir.path, 'outpost.db');
    const db = openDatabase(path);
    const insert = db.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, ?, 'now')");
    db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`key-${i}`, JSON.stringify('x'.repeat(100)));
    })();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    const bytes = readFileSync(path);
    const page = 4096;
    // Scribble over the middle of the file (b-tree pages of the settings table), past page 1.
    bytes.fill(0xa5, Math.floor(bytes.length / page / 2) * page, Math.floor(bytes.length / page / 2) * page + 3 * page);
    writeFileSync(path, bytes);
    refuses(path, 'DB_CORRUPT', /damaged/);
  });

  it('a new path still creates a new store', () => {
    const db = openDatabase(join(dir.path, 'sub', 'outpost.db'));
    expect(db.pragma('user_version', { simple: true })).toBeGreaterThan(0);
    db.close();
  });
});
