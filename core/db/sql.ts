import type { z } from 'zod';

/**
 * The engine-neutral face of the database. Store files (`*-store.ts`) are the only callers: they
 * hold the SQL for the tables they own and pass a zod schema for every row they read, so nothing
 * outside core/db/ sees an engine's types or casts a row. The SQLite engine (sqlite-sql.ts)
 * implements it over better-sqlite3; a PostgreSQL engine can implement the same shape.
 *
 * Parameters are positional (`?`) or named (`@name` with an object). Integers come back as
 * numbers, blobs as Buffers; booleans are stored as 0/1 by the stores.
 */
export type SqlValue = string | number | bigint | null | Uint8Array;
export type SqlParams = readonly SqlValue[] | Readonly<Record<string, SqlValue>>;

export interface RunResult {
  /** Rows inserted, updated or deleted. */
  changes: number;
  /** The id of the row an INSERT created (0 when none). */
  lastId: number;
}

export interface TransactionOptions {
  /** Take the write lock at the start, so a read-then-write cannot interleave with another process's write. */
  immediate?: boolean;
}

export interface Sql {
  /** Every row, each decoded by `schema` (a row that does not match is an INTERNAL error). */
  all<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): T[];
  /** The first row decoded by `schema`, or undefined when there is none. */
  get<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): T | undefined;
  run(sql: string, params?: SqlParams): RunResult;
  /**
   * Runs `fn` in one transaction: all of it commits or none of it does (a throw rolls back).
   * Nested calls join as savepoints. `tx` is the handle to use inside; on SQLite it is this
   * handle, on an engine with pooled connections it is the transaction's connection.
   */
  transaction<T>(fn: (tx: Sql) => T, options?: TransactionOptions): T;
  /** The schema version the migrations brought this database to. */
  schemaVersion(): number;
}

/** A write broke a UNIQUE or PRIMARY KEY constraint (engine-neutral, so stores can map it to CONFLICT). */
export class UniqueViolation extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'UniqueViolation';
  }
}

/** A write referenced a row that does not exist, or removed one still referenced. */
export class ForeignKeyViolation extends Error {
  constructor(message: string, cause?: unknown) {
    super(message, { cause });
    this.name = 'ForeignKeyViolation';
  }
}

/**
 * One transaction around work that spans several stores (a service's unit of work: e.g. remove a
 * site, its credential and its inventory rows, and audit it, all or nothing). Store methods called
 * inside join it.
 */
export function atomically<T>(sql: Sql, work: () => T, options?: TransactionOptions): T {
  return sql.transaction(() => work(), options);
}
