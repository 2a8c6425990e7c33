import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { schemaVersion, type Db } from './database.js';
import { ForeignKeyViolation, UniqueViolation, type RunResult, type Sql, type SqlParams, type TransactionOptions } from './sql.js';

/** Prepared statements are kept per SQL text; a few stores build SQL from filters, so the cache is bounded. */
const STATEMENT_CACHE_LIMIT = 500;

/** A FIFO lock: `lock()` resolves, in call order, once every earlier holder has released. */
export class Mutex {
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;

  /** Someone holds the lock or waits for it. */
  get busy(): boolean {
    return this.pending > 0;
  }

  async lock(): Promise<() => void> {
    this.pending++;
    const previous = this.tail;
    let release!: () => void;
    this.tail = new Promise<void>((resolve) => (release = resolve));
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.pending--;
      release();
    };
  }
}

/**
 * One open transaction or savepoint, carried by the async context of the work inside it. `open`
 * turns false when it ends, so work that outlives it (a promise nobody awaited) no longer joins it.
 */
interface Frame {
  open: boolean;
  /** Its own work has ended: savepoints still running (background work that joined it) finish first, later ones start outside. */
  closing: boolean;
  parent: Frame | null;
  /** Savepoints opened side by side in one transaction take turns (each is a stack level). */
  readonly nested: Mutex;
}

/**
 * The `Sql` interface over one better-sqlite3 handle. SQLite is one connection: while a
 * transaction is open (its work awaits, so other work runs meanwhile), a statement from outside
 * its async context would silently join it; such statements, and other transactions, wait on
 * `lock` until it commits or rolls back. Statements inside run at once.
 */
class SqliteSql implements Sql {
  readonly engine = 'sqlite' as const;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly frames = new AsyncLocalStorage<Frame>();
  private readonly lock = new Mutex();
  private savepoints = 0;

  constructor(private readonly db: Db) {}

  async all<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T[]> {
    const rows = await this.statement(sql, (s) => bind(s, params, 'all'));
    if (!Array.isArray(rows)) throw new OutpostError('INTERNAL', 'The SQLite driver returned no row list.');
    return rows.map((row: unknown) => decode(sql, row, schema));
  }

  async get<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T | undefined> {
    const row = await this.statement(sql, (s) => bind(s, params, 'get'));
    return row === undefined ? undefined : decode(sql, row, schema);
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    const info = await this.statement(sql, (s) => (Array.isArray(params) ? s.run(...(params as unknown[])) : s.run(params)));
    return { changes: info.changes, lastId: Number(info.lastInsertRowid) };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const inside = this.current();
    if (inside) return this.savepoint(inside, fn);
    const release = await this.lock.lock();
    const frame: Frame = { open: true, closing: false, parent: null, nested: new Mutex() };
    try {
      // IMMEDIATE takes the write lock now, so a read-then-write cannot interleave with another process's write.
      this.exec(options.immediate ? 'BEGIN IMMEDIATE' : 'BEGIN');
      try {
        const result = await this.frames.run(frame, () => fn(this));
        await drain(frame);
        this.exec('COMMIT');
        return result;
      } catch (err) {
        await drain(frame);
        // SQLite may have rolled back already (e.g. a full disk); a second ROLLBACK would mask the cause.
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    } finally {
      frame.open = false;
      release();
    }
  }

  async schemaVersion(): Promise<number> {
    const inside = this.current();
    if (inside || !this.lock.busy) return schemaVersion(this.db);
    const release = await this.lock.lock();
    try {
      return schemaVersion(this.db);
    } finally {
      release();
    }
  }

  /** Closes the handle once any open transaction has ended. */
  async close(): Promise<void> {
    const release = await this.lock.lock();
    try {
      this.db.close();
    } finally {
      release();
    }
  }

  outside<T>(fn: () => T): T {
    return this.frames.exit(fn);
  }

  /** The innermost transaction or savepoint still open in this async context, if any. */
  private current(): Frame | null {
    let frame = this.frames.getStore() ?? null;
    while (frame && !frame.open) frame = frame.parent;
    return frame;
  }

  private async savepoint<T>(outer: Frame, fn: (tx: Sql) => Promise<T>): Promise<T> {
    const release = await outer.nested.lock();
    if (outer.closing || !outer.open) {
      // The transaction this work started in has finished its own work: run as a transaction of its own after it.
      release();
      return this.frames.exit(() => this.transaction(fn));
    }
    const name = `outpost_sp${++this.savepoints}`;
    const frame: Frame = { open: true, closing: false, parent: outer, nested: new Mutex() };
    try {
      this.exec(`SAVEPOINT ${name}`);
      try {
        const result = await this.frames.run(frame, () => fn(this));
        await drain(frame);
        this.exec(`RELEASE ${name}`);
        return result;
      } catch (err) {
        await drain(frame);
        if (this.db.inTransaction) {
          this.db.exec(`ROLLBACK TO ${name}`);
          this.db.exec(`RELEASE ${name}`);
        }
        throw err;
      }
    } finally {
      frame.open = false;
      release();
    }
  }

  /** Runs one statement: at once inside a transaction or when none is open, else after the open one ends. */
  private async statement<R>(sql: string, use: (s: Database.Statement) => R): Promise<R> {
    if (this.current() || !this.lock.busy) return this.call(sql, use);
    const release = await this.lock.lock();
    try {
      return this.call(sql, use);
    } finally {
      release();
    }
  }

  private exec(sql: string): void {
    try {
      this.db.exec(sql);
    } catch (err) {
      throw neutral(err);
    }
  }

  private call<R>(sql: string, use: (s: Database.Statement) => R): R {
    let statement = this.statements.get(sql);
    try {
      if (!statement) {
        if (this.statements.size >= STATEMENT_CACHE_LIMIT) this.statements.clear();
        statement = this.db.prepare(sql);
        this.statements.set(sql, statement);
      }
      return use(statement);
    } catch (err) {
      throw neutral(err);
    }
  }
}

/** Waits for the savepoints still running inside `frame`; any that arrive later run outside it. */
export async function drain(frame: Pick<Frame, 'closing' | 'nested'>): Promise<void> {
  frame.closing = true;
  (await frame.nested.lock())();
}

function bind(statement: Database.Statement, params: SqlParams, how: 'all' | 'get'): unknown {
  if (Array.isArray(params)) return statement[how](...(params as unknown[]));
  return statement[how](params);
}

function decode<T>(sql: string, row: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');
  throw new OutpostError('INTERNAL', `A stored row does not have the expected shape (${issues}). The database may come from another Outpost version.`, {
    query: sql.replace(/\s+/g, ' ').slice(0, 200),
  });
}

/** Constraint errors become engine-neutral classes; anything else passes through unchanged. */
function neutral(err: unknown): unknown {
  const code = typeof err === 'object' && err !== null && 'code' in err ? err.code : undefined;
  const message = err instanceof Error ? err.message : String(err);
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new UniqueViolation(message, err);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ForeignKeyViolation(message, err);
  return err;
}

/** The engine-neutral handle over an open better-sqlite3 database, and how to close it. */
export function sqliteSql(db: Db): { sql: Sql; close: () => Promise<void> } {
  const sql = new SqliteSql(db);
  return { sql, close: () => sql.close() };
}
