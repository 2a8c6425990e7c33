import type Database from 'better-sqlite3';
import type { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { openDatabase, schemaVersion, type Db, type OpenOptions } from './database.js';
import { ForeignKeyViolation, UniqueViolation, type RunResult, type Sql, type SqlParams, type TransactionOptions } from './sql.js';

/** Prepared statements are kept per SQL text; a few stores build SQL from filters, so the cache is bounded. */
const STATEMENT_CACHE_LIMIT = 500;

/** The `Sql` interface over one better-sqlite3 handle (synchronous; callers never see the handle). */
class SqliteSql implements Sql {
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Db) {}

  all<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): T[] {
    const rows: unknown[] = this.call(sql, (s) => bind(s, params, 'all') as unknown[]);
    return rows.map((row) => decode(sql, row, schema));
  }

  get<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): T | undefined {
    const row: unknown = this.call(sql, (s) => bind(s, params, 'get'));
    return row === undefined ? undefined : decode(sql, row, schema);
  }

  run(sql: string, params: SqlParams = []): RunResult {
    const info = this.call(sql, (s) => bind(s, params, 'run') as Database.RunResult);
    return { changes: info.changes, lastId: Number(info.lastInsertRowid) };
  }

  transaction<T>(fn: (tx: Sql) => T, options: TransactionOptions = {}): T {
    // better-sqlite3 turns a nested transaction into a savepoint, which is what callers expect.
    const run = this.db.transaction(() => fn(this));
    return options.immediate ? run.immediate() : run();
  }

  schemaVersion(): number {
    return schemaVersion(this.db);
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

function bind(statement: Database.Statement, params: SqlParams, how: 'all' | 'get' | 'run'): unknown {
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
  const code = (err as { code?: unknown } | null)?.code;
  if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') return new UniqueViolation((err as Error).message, err);
  if (code === 'SQLITE_CONSTRAINT_FOREIGNKEY') return new ForeignKeyViolation((err as Error).message, err);
  return err;
}

/** Wraps an open better-sqlite3 handle (one `Sql` per handle, so statement caches are shared). */
const wrapped = new WeakMap<Db, Sql>();
export function sqliteSql(db: Db): Sql {
  let sql = wrapped.get(db);
  if (!sql) {
    sql = new SqliteSql(db);
    wrapped.set(db, sql);
  }
  return sql;
}

/** Opens (creating and migrating) the SQLite file and returns the engine-neutral handle with the raw one. */
export function openSqliteStore(path: string, options: OpenOptions = {}): { sql: Sql; close: () => void } {
  const db = openDatabase(path, options);
  return { sql: sqliteSql(db), close: () => db.close() };
}
