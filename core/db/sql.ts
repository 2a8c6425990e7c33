import type { z } from 'zod';

/**
 * The engine-neutral face of the database. Store files (`*-store.ts`) are the only callers: they
 * hold the SQL for the tables they own and pass a zod schema for every row they read, so nothing
 * outside core/db/ sees an engine's types or casts a row. The SQLite engine (sqlite-sql.ts)
 * implements it over better-sqlite3; a PostgreSQL engine (pooled connections) can implement the
 * same shape. Every call is asynchronous for that reason, even though SQLite answers at once.
 *
 * Transactions travel with the async context (AsyncLocalStorage): a statement issued anywhere
 * inside `transaction(fn)`/`atomically(...)` - by a store holding its own handle, after any
 * number of awaits - runs on that transaction's connection; a statement from outside it never
 * joins it.
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
  /** Which engine answers: a store branches on it only where the engines truly differ (search). */
  readonly engine: 'sqlite' | 'postgres';
  /** Every row, each decoded by `schema` (a row that does not match is an INTERNAL error). */
  all<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T[]>;
  /** The first row decoded by `schema`, or undefined when there is none. */
  get<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T | undefined>;
  run(sql: string, params?: SqlParams): Promise<RunResult>;
  /**
   * Runs `fn` in one transaction: all of it commits or none of it does (a throw or a rejected
   * promise rolls back). Nested calls become savepoints. Statements made through any handle of
   * this engine inside `fn`'s async context run in the transaction; `tx` is the same facade.
   * Do not await work inside `fn` that itself waits for a statement started outside it (that
   * statement waits for the transaction to end).
   */
  transaction<T>(fn: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T>;
  /** The schema version the migrations brought this database to. */
  schemaVersion(): Promise<number>;
  /**
   * Runs `fn` outside any transaction open in the caller's async context: work it starts in the
   * background (a procedure run kicked off inside a transaction) then waits for that transaction
   * to end instead of joining it, so it cannot commit or roll back with it.
   */
  outside<T>(fn: () => T): T;
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
 * The placeholders of an `IN (...)` list of `values.length` parameters (the values themselves
 * are passed as parameters, never spliced in); `(NULL)` for none, which matches nothing on
 * either engine. Replaces SQLite's json_each(?), which PostgreSQL lacks.
 */
export function inList(values: readonly unknown[]): string {
  return values.length === 0 ? '(NULL)' : `(${values.map(() => '?').join(', ')})`;
}

/**
 * One transaction around work that spans several stores (a service's unit of work: e.g. remove a
 * site, its credential and its inventory rows, and audit it, all or nothing). Store methods called
 * inside join it, whichever handle they hold: the transaction travels with the async context.
 */
export function atomically<T>(sql: Sql, work: () => Promise<T>, options?: TransactionOptions): Promise<T> {
  return sql.transaction(() => work(), options);
}
