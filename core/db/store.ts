import { OutpostError } from '../contract/errors.js';
import { checkHeader, checkpointWal, openDatabase, schemaVersion } from './database.js';
import { migrate, type MigrationReport } from './migrate.js';
import { migratePg } from './pg-migrate.js';
import { pgSql, type PgHandle } from './pg-sql.js';
import { isPostgresTarget, pgPoolConfig, redactTarget, type PgConnectOptions } from './pg-target.js';
import type { Sql } from './sql.js';
import { sqliteSql } from './sqlite-sql.js';

/**
 * The one place a store is opened, whatever the engine: callers get the engine-neutral `Sql`
 * handle and never an engine's own types. The target is an SQLite file path (or `:memory:`),
 * or a `postgres://` URL for a team database (core/db/pg-sql.ts).
 */
export interface Store {
  readonly sql: Sql;
  readonly engine: 'sqlite' | 'postgres';
  /** Waits for an open transaction to end, then closes. */
  close(): Promise<void>;
}

export interface StoreOptions extends PgConnectOptions {
  /** SQLite only: path to a better_sqlite3.node built for this runtime (Electron has its own ABI). */
  nativeBinding?: string;
  /** Open as it is, without bringing the schema up to date (e.g. to audit into a store another version owns). */
  skipMigrations?: boolean;
}

function sqliteTarget(target: string): string {
  if (isPostgresTarget(target)) {
    throw new OutpostError('VALIDATION', 'This works on an SQLite store file only; for a PostgreSQL team database use the server\'s own tools (pg_dump).', { target: redactTarget(target) });
  }
  return target;
}

/** Connects, checks the login and TLS, and reads (or, with `apply`, brings up to date) the schema version. */
async function openPg(target: string, options: StoreOptions, apply: boolean): Promise<{ handle: PgHandle; report: MigrationReport }> {
  const config = pgPoolConfig(target, options);
  const handle = pgSql(config);
  try {
    const report = await migratePg(handle, config.label, { apply });
    await handle.refresh();
    return { handle, report };
  } catch (err) {
    await handle.close().catch(() => undefined);
    throw err;
  }
}

/** Opens (creating if needed) the store, checks it and brings its schema up to date. */
export async function openStore(target: string, options: StoreOptions = {}): Promise<Store> {
  if (isPostgresTarget(target)) {
    const { handle } = await openPg(target, options, !options.skipMigrations);
    return { sql: handle.sql, engine: 'postgres', close: () => handle.close() };
  }
  const db = openDatabase(sqliteTarget(target), {
    ...(options.nativeBinding ? { nativeBinding: options.nativeBinding } : {}),
    ...(options.skipMigrations ? { skipMigrations: true } : {}),
  });
  const { sql, close } = sqliteSql(db);
  return Promise.resolve({ sql, engine: 'sqlite', close });
}

/** `outpost db migrate`: opens the store without migrating, then applies what is pending and reports it. */
export async function migrateStore(target: string, options: PgConnectOptions = {}): Promise<MigrationReport & { version: number }> {
  if (isPostgresTarget(target)) {
    const { handle, report } = await openPg(target, options, true);
    await handle.close();
    return { ...report, version: report.to };
  }
  const db = openDatabase(sqliteTarget(target), { skipMigrations: true });
  try {
    const report = migrate(db);
    return Promise.resolve({ ...report, version: schemaVersion(db) });
  } finally {
    db.close();
  }
}

/** The schema version of an existing store, read without migrating it. */
export async function storeSchemaVersion(target: string, options: PgConnectOptions = {}): Promise<number> {
  if (isPostgresTarget(target)) {
    const { handle, report } = await openPg(target, options, false);
    await handle.close();
    return report.from;
  }
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
