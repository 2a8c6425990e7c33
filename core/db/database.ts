import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
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

/**
 * Opens (creating if needed) the store: WAL so readers never block the writer, foreign keys
 * enforced, a busy timeout so a second process (CLI beside the app) waits instead of failing.
 */
export function openDatabase(path: string, options: OpenOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  let db: Db;
  try {
    db = new Database(path, options.nativeBinding ? { nativeBinding: options.nativeBinding } : {});
  } catch (err) {
    throw new OutpostError('INTERNAL', `Cannot open the database at ${path}: ${(err as Error).message}`);
  }
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.pragma('synchronous = NORMAL');
  if (!options.skipMigrations) migrate(db);
  return db;
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}
