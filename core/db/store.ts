import { OutpostError } from '../contract/errors.js';
import { checkHeader, checkpointWal, openDatabase, schemaVersion } from './database.js';
import { migrate, type MigrationReport } from './migrate.js';
import type { Sql } from './sql.js';
import { sqliteSql } from './sqlite-sql.js';

/**
 * The one place a store is opened, whatever the engine: callers get the engine-neutral `Sql`
 * handle and never an engine's own types. Today the target is an SQLite file path (or
 * `:memory:`); the team-mode PostgreSQL engine is chosen here by a `postgres://` target.
 */
export interface Store {
  readonly sql: Sql;
  readonly engine: 'sqlite';
  /** Waits for an open transaction to end, then closes. */
  close(): Promise<void>;
}

export interface StoreOptions {
  /** SQLite only: path to a better_sqlite3.node built for this runtime (Electron has its own ABI). */
  nativeBinding?: string;
  /** Open as it is, without bringing the schema up to date (e.g. to audit into a store another version owns). */
  skipMigrations?: boolean;
}

function sqliteTarget(target: string): string {
  if (/^postgres(ql)?:\/\//i.test(target)) {
    throw new OutpostError('VALIDATION', 'PostgreSQL stores are not supported by this Outpost yet; give the path of an SQLite store file.', { target: target.replace(/\/\/[^@/]*@/, '//') });
  }
  return target;
}

/** Opens (creating if needed) the store, checks it and brings its schema up to date. */
export async function openStore(target: string, options: StoreOptions = {}): Promise<Store> {
  const db = openDatabase(sqliteTarget(target), {
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.skipMigrations ? { skipMigrations: true } : {}),
  });
  const { sql, close } = sqliteSql(db);
  return Promise.resolve({ sql, engine: 'sqlite', close });
}

/** `outpost db migrate`: opens the store without migrating, then applies what is pending and reports it. */
export async function migrateStore(target: string): Promise<MigrationReport & { version: number }> {
  const db = openDatabase(sqliteTarget(target), { skipMigrations: true });
  try {
    const report = migrate(db);
    return Promise.resolve({ ...report, version: schemaVersion(db) });
  } finally {
    db.close();
  }
}

/** The schema version of an existing store, read without migrating it. */
export async function storeSchemaVersion(target: string): Promise<number> {
  const db = openDatabase(sqliteTarget(target), { skipMigrations: true });
  try {
    return Promise.resolve(schemaVersion(db));
  } finally {
    db.close();
  }
}

/** A consistent copy of a live store at `dest` (SQLite's online backup); returns the copy's schema version. */
export async function backupStore(target: string, dest: string): Promise<number> {
  const db = openDatabase(sqliteTarget(target), { skipMigrations: true });
  try {
    await db.backup(dest);
    return schemaVersion(db);
  } finally {
    db.close();
  }
}

/** Refuses a file that is not an Outpost store before anything opens it (the CLI checks --db first). */
export function checkStoreFile(path: string): void {
  checkHeader(sqliteTarget(path));
}

/** Makes the store one self-contained file (SQLite: folds the WAL in), e.g. before it is copied. */
export function settleStoreFile(path: string): void {
  checkpointWal(sqliteTarget(path));
}
