import Database from 'better-sqlite3';
import { chmodSync, closeSync, existsSync, fchmodSync, mkdirSync, openSync, readSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { OutpostError } from '../contract/errors.js';
import { migrate } from './migrate.js';

export type Db = Database.Database;

export interface OpenOptions {
  /** Path to a better_sqlite3.node built for this runtime (Electron has its own ABI). */
  nativeBinding?: string;
  /** Skip running migrations (used by `outpost db migrate` to report what it does). */
  skipMigrations?: boolean;
}

/** The store and the files SQLite keeps beside it in WAL mode; all hold store data. */
const STORE_FILE_SUFFIXES = ['', '-wal', '-shm'] as const;
const SQLITE_HEADER = Buffer.from('SQLite format 3\0', 'latin1');
/** Owner read/write only: the store holds the inventory, the audit log and sealed secrets. */
const STORE_FILE_MODE = 0o600;

function notAStore(path: string, why: string): OutpostError {
  return new OutpostError(
    'DB_NOT_STORE',
    `${path} is not an Outpost store (${why}). Nothing was changed. Check the --db path or OUTPOST_DATA_DIR; to start a new store, point at a file that does not exist yet.`,
    { path },
  );
}

function damaged(path: string, detail: string): OutpostError {
  return new OutpostError(
    'DB_CORRUPT',
    `The store ${path} is damaged (${detail}). Nothing was changed. Restore it from a backup, or copy it aside and salvage it with \`sqlite3 ${path} .recover\`; Outpost will not open it as it is.`,
    { path },
  );
}

/**
 * Looks at an existing file (exported for the CLI, which checks --db before any command runs) before SQLite touches it: SQLite would take an empty file for a new
 * database (and Outpost would then set up a fresh store with a new vault), and reports a file of
 * another kind only as "file is not a database".
 */
export function checkHeader(path: string): void {
  const size = statSync(path).size;
  if (size === 0) throw notAStore(path, 'the file is empty');
  const head = Buffer.alloc(SQLITE_HEADER.length);
  const fd = openSync(path, 'r');
  try {
    readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  if (!head.equals(SQLITE_HEADER)) throw notAStore(path, 'not an SQLite database');
}

/**
 * A new store file is created 0600 here, before SQLite opens it, whatever the umask: SQLite
 * gives the -wal and -shm files it creates later the mode of the database file.
 */
function createStoreFile(path: string): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const fd = openSync(path, 'wx', STORE_FILE_MODE);
  try {
    fchmodSync(fd, STORE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/** Files left 0644 by an older Outpost are tightened at open. */
function tightenStoreFiles(path: string): void {
  if (process.platform === 'win32') return;
  for (const suffix of STORE_FILE_SUFFIXES) {
    const file = `${path}${suffix}`;
    if (!existsSync(file) || (statSync(file).mode & 0o777) === STORE_FILE_MODE) continue;
    try {
      chmodSync(file, STORE_FILE_MODE);
    } catch (err) {
      throw new OutpostError(
        'VALIDATION',
        `Cannot make ${file} private (0600): ${(err as Error).message}. It belongs to another user; open a store of your own or fix its owner.`,
        { path: file },
      );
    }
  }
}

function sqliteCode(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string' ? err.code : '';
}

/**
 * Reads before anything writes: the page-level check (quick_check: every page and index entry,
 * not the slower cross-check of indexes against rows) and that a database that has tables is
 * one of ours. A damaged or foreign file is refused untouched.
 */
function checkContent(db: Db, path: string): void {
  let problems: string[];
  try {
    problems = db
      .prepare('PRAGMA quick_check(5)')
      .pluck()
      .all()
      .map((v) => String(v));
  } catch (err) {
    const code = sqliteCode(err);
    if (code === 'SQLITE_NOTADB') throw notAStore(path, 'not an SQLite database');
    if (code.startsWith('SQLITE_CORRUPT')) throw damaged(path, (err as Error).message);
    throw err;
  }
  if (problems.length !== 1 || problems[0] !== 'ok') throw damaged(path, `integrity check: ${problems.join('; ')}`);
  const version = Number(db.pragma('user_version', { simple: true }));
  const objects = Number(db.prepare('SELECT count(*) FROM sqlite_master').pluck().get());
  if (version === 0 && objects > 0) throw notAStore(path, 'an SQLite database of another program');
}

/**
 * Opens (creating if needed) the store: WAL so readers never block the writer, foreign keys
 * enforced, a busy timeout so a second process (CLI beside the app) waits instead of failing.
 *
 * synchronous=FULL: in WAL mode NORMAL only syncs at checkpoints, so a power cut can drop the
 * last commits; the store is the system of record for IP allocations, NAT rules, the CMDB,
 * procedure runs and the audit log, and Outpost has applied their effects to real devices by
 * the time it commits them. FULL syncs the WAL at every commit (bench/store-write.ts gives the
 * cost; bulk writes such as the inventory sync are one transaction, so they pay it once).
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  const onDisk = path !== ':memory:' && path !== '';
  if (onDisk) {
    if (existsSync(path)) checkHeader(path);
    else createStoreFile(path);
  }
  let db: Db;
  try {
    db = new Database(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (err) {
    throw new OutpostError('INTERNAL', `Cannot open the database at ${path}: ${(err as Error).message}`, { path });
  }
  try {
    db.pragma('busy_timeout = 5000');
    if (onDisk) {
      checkContent(db, path);
      tightenStoreFiles(path);
    }
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    db.pragma('synchronous = FULL');
    if (!options.skipMigrations) migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/** Folds the WAL into the main file (the store becomes one file that can be copied or moved). */
export function checkpointWal(path: string): void {
  const db = openDatabase(path, { skipMigrations: true });
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
