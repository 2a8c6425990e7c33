import { AsyncLocalStorage } from 'node:async_hooks';
import pg from 'pg';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { bindValues, short, translate, type Translated } from './pg-translate.js';
import { ForeignKeyViolation, UniqueViolation, type RunResult, type Sql, type SqlParams, type TransactionOptions } from './sql.js';
import { drain, Mutex } from './sqlite-sql.js';

/** Translated statements are kept per SQL text; a few stores build SQL from filters, so the cache is bounded. */
const STATEMENT_CACHE_LIMIT = 500;

/**
 * The advisory lock every `immediate` transaction takes first (pg_advisory_xact_lock, released at
 * COMMIT/ROLLBACK). SQLite's BEGIN IMMEDIATE makes read-then-write units (allocate the next free
 * address, take a procedure lease) run one at a time; this lock gives the same across every
 * workstation on the database. Chosen over SERIALIZABLE-with-retry because a unit of work may
 * have effects outside the database and must not silently run twice; READ COMMITTED after the
 * lock sees every write committed before it (each statement takes a fresh snapshot).
 */
export const IMMEDIATE_LOCK_KEY = 0x6f757470; // 'outp'

/** int8 and numeric arrive as text; the stores' zod schemas expect numbers (as SQLite gives). */
function safeNumber(text: string): number {
  const n = Number(text);
  if (!Number.isSafeInteger(n) && Number.isInteger(n)) {
    throw new OutpostError('INTERNAL', `A stored integer (${text}) is too large for this Outpost to read exactly.`);
  }
  return n;
}

const TYPE_INT8 = 20;
const TYPE_NUMERIC = 1700;
const TYPE_BOOL = 16;

/** Type parsers so rows look as SQLite's do: integers as numbers, booleans as 0/1, bytea as Buffer. */
export const rowTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary'): (value: string) => unknown {
    if (format !== 'binary') {
      if (oid === TYPE_INT8 || oid === TYPE_NUMERIC) return safeNumber;
      if (oid === TYPE_BOOL) return (v: string) => (v === 't' ? 1 : 0);
    }
    return pg.types.getTypeParser(oid, format ?? 'text');
  },
};

interface Frame {
  readonly client: pg.PoolClient;
  open: boolean;
  closing: boolean;
  parent: Frame | null;
  readonly nested: Mutex;
}

interface Prepared extends Translated {
  /** The server-side prepared statement's name (one per distinct text, per connection). */
  readonly name: string;
}

/**
 * The `Sql` interface over a pool of PostgreSQL connections. A transaction checks one
 * connection out and keeps it for as long as it runs; statements made inside its async context
 * (AsyncLocalStorage, as in sqlite-sql.ts) go to that connection, statements from elsewhere take
 * another connection and never join it. Nested transactions are savepoints.
 */
class PgSql implements Sql {
  readonly engine = 'postgres' as const;
  private readonly frames = new AsyncLocalStorage<Frame>();
  private readonly prepared = new Map<string, Prepared>();
  /** Tables whose `id` is an identity column: an INSERT into one reports the new id as `lastId`. */
  private identityTables = new Set<string>();
  private savepoints = 0;
  private statementNames = 0;

  constructor(private readonly pool: pg.Pool) {}

  async all<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T[]> {
    const result = await this.query(sql, params, false);
    return result.rows.map((row: unknown) => decode(sql, row, schema));
  }

  async get<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T | undefined> {
    const result = await this.query(sql, params, false);
    const row: unknown = result.rows[0];
    return row === undefined ? undefined : decode(sql, row, schema);
  }

  async run(sql: string, params: SqlParams = []): Promise<RunResult> {
    const result = await this.query(sql, params, true);
    const first: unknown = result.rows[0];
    let lastId = 0;
    if (typeof first === 'object' && first !== null && 'id' in first && typeof first.id === 'number') lastId = first.id;
    return { changes: result.rowCount ?? 0, lastId };
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>, options: TransactionOptions = {}): Promise<T> {
    const inside = this.current();
    if (inside) return this.savepoint(inside, fn);
    const { client, lost } = await this.connect();
    const frame: Frame = { client, open: true, closing: false, parent: null, nested: new Mutex() };
    try {
      await this.exec(client, 'BEGIN');
      if (options.immediate) await this.exec(client, 'SELECT pg_advisory_xact_lock($1)', [IMMEDIATE_LOCK_KEY]);
      let result: T;
      try {
        result = await this.frames.run(frame, () => fn(this));
        await drain(frame);
      } catch (err) {
        await drain(frame);
        // After a cut connection there is nothing to roll back (the server aborted it).
        if (!lost()) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
      const commit = await this.exec(client, 'COMMIT');
      // A statement failed and its error was caught inside: PostgreSQL then rolls the whole transaction back at COMMIT.
      if (commit.command === 'ROLLBACK') {
        throw new OutpostError('INTERNAL', 'The transaction was rolled back: a statement inside it failed. Nothing was written.');
      }
      return result;
    } finally {
      frame.open = false;
      client.release(lost() ?? undefined);
    }
  }

  async schemaVersion(): Promise<number> {
    return pgSchemaVersion(this);
  }

  outside<T>(fn: () => T): T {
    return this.frames.exit(fn);
  }

  /**
   * Runs a script of several statements (migration DDL) as it is, with no parameters, through
   * the simple query protocol, in the transaction open in this context if any.
   */
  async script(text: string): Promise<void> {
    const frame = this.current();
    if (frame) {
      await this.exec(frame.client, text);
      return;
    }
    const { client, lost } = await this.connect();
    try {
      await this.exec(client, text);
    } finally {
      client.release(lost() ?? undefined);
    }
  }

  /** Re-reads which tables have an identity `id` (after migrations changed the schema). */
  async loadIdentityTables(): Promise<void> {
    const rows = await this.all(
      "SELECT table_name FROM information_schema.columns WHERE table_schema = current_schema() AND column_name = 'id' AND is_identity = 'YES'",
      [],
      z.object({ table_name: z.string() }),
    );
    this.identityTables = new Set(rows.map((r) => r.table_name));
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  private current(): Frame | null {
    let frame = this.frames.getStore() ?? null;
    while (frame && !frame.open) frame = frame.parent;
    return frame;
  }

  private async savepoint<T>(outer: Frame, fn: (tx: Sql) => Promise<T>): Promise<T> {
    const release = await outer.nested.lock();
    if (outer.closing || !outer.open) {
      release();
      return this.frames.exit(() => this.transaction(fn));
    }
    const name = `outpost_sp${++this.savepoints}`;
    const frame: Frame = { client: outer.client, open: true, closing: false, parent: outer, nested: new Mutex() };
    try {
      await this.exec(frame.client, `SAVEPOINT ${name}`);
      try {
        const result = await this.frames.run(frame, () => fn(this));
        await drain(frame);
        await this.exec(frame.client, `RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (err) {
        await drain(frame);
        await frame.client.query(`ROLLBACK TO SAVEPOINT ${name}`).catch(() => undefined);
        await frame.client.query(`RELEASE SAVEPOINT ${name}`).catch(() => undefined);
        throw err;
      }
    } finally {
      frame.open = false;
      release();
    }
  }

  /** Checks a connection out; `lost()` tells whether it broke meanwhile (then it is discarded, not reused). */
  private async connect(): Promise<{ client: pg.PoolClient; lost: () => Error | null }> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw neutral(err, '');
    }
    let broken: Error | null = null;
    // A checked-out client whose connection dies emits 'error'; without a listener that would end the process.
    const onError = (err: Error): void => {
      broken = err;
    };
    client.on('error', onError);
    const release = client.release.bind(client);
    client.release = (err?: Error | boolean) => {
      client.off('error', onError);
      release(err);
    };
    return { client, lost: () => broken };
  }

  private async exec(client: pg.PoolClient, text: string, values: unknown[] = []): Promise<pg.QueryResult> {
    try {
      return await client.query(text, values);
    } catch (err) {
      throw neutral(err, text);
    }
  }

  private statement(sql: string, forRun: boolean): Prepared {
    let p = this.prepared.get(sql);
    if (!p) {
      if (this.prepared.size >= STATEMENT_CACHE_LIMIT) this.prepared.clear();
      p = { ...translate(sql), name: `outpost_s${++this.statementNames}` };
      this.prepared.set(sql, p);
    }
    if (forRun && p.insertInto && !p.returning && this.identityTables.has(p.insertInto)) {
      const key = `${sql}\u0000returning`;
      let r = this.prepared.get(key);
      if (!r) {
        r = { ...p, text: `${p.text.replace(/;\s*$/, '')} RETURNING id`, returning: true, name: `outpost_s${++this.statementNames}` };
        this.prepared.set(key, r);
      }
      return r;
    }
    return p;
  }

  private async query(sql: string, params: SqlParams, forRun: boolean): Promise<pg.QueryResult> {
    const p = this.statement(sql, forRun);
    const config: pg.QueryConfig = { name: p.name, text: p.text, values: bindValues(p, params, sql) };
    const frame = this.current();
    if (frame) {
      try {
        return await frame.client.query(config);
      } catch (err) {
        throw neutral(err, sql);
      }
    }
    const { client, lost } = await this.connect();
    try {
      return await client.query(config);
    } catch (err) {
      throw neutral(err, sql);
    } finally {
      client.release(lost() ?? undefined);
    }
  }
}

function decode<T>(sql: string, row: unknown, schema: z.ZodType<T>): T {
  const parsed = schema.safeParse(row);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => `${i.path.join('.') || '(row)'}: ${i.message}`).join('; ');
  throw new OutpostError('INTERNAL', `A stored row does not have the expected shape (${issues}). The database may come from another Outpost version.`, {
    query: short(sql),
  });
}

function field(err: unknown, name: string): string {
  if (typeof err !== 'object' || err === null || !(name in err)) return '';
  const v: unknown = (err as Record<string, unknown>)[name];
  return typeof v === 'string' ? v : '';
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_UNTRUSTED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_PINNED_MISMATCH',
]);
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ENOENT']);
/** SQLSTATEs of a server that went away or ended this session (admin shutdown, crash, terminated backend). */
const GONE_STATES = new Set(['57P01', '57P02', '57P03', '08000', '08003', '08006', '08001', '08004']);

/**
 * PostgreSQL's errors as the rest of Outpost knows them: constraint violations become the
 * engine-neutral classes (stores map them to CONFLICT and friends), connection and login
 * failures get a stable code and a message saying what to do. Anything else passes through.
 */
export function neutral(err: unknown, sql: string): unknown {
  if (err instanceof OutpostError || err instanceof UniqueViolation || err instanceof ForeignKeyViolation) return err;
  const code = field(err, 'code');
  const message = err instanceof Error ? err.message : String(err);
  if (code === '23505') return new UniqueViolation(message, err);
  if (code === '23503') return new ForeignKeyViolation(message, err);
  if (code === '28P01' || code === '28000') {
    return new OutpostError('DB_AUTH', `PostgreSQL refused the login (${message}). Check the user name and password (PGPASSWORD, ~/.pgpass or the team connection's saved password).`, { sqlstate: code });
  }
  if (/client password must be a string/i.test(message)) {
    return new OutpostError('DB_AUTH', 'PostgreSQL asks for a password and none was given. Set PGPASSWORD, add it to ~/.pgpass, or connect with `outpost team connect --password-stdin`.', {});
  }
  if (code === '3D000') return new OutpostError('VALIDATION', `${message}. Check the database name in the postgres:// URL.`, { sqlstate: code });
  if (TLS_CODES.has(code)) {
    return new OutpostError('TLS_UNTRUSTED', `The PostgreSQL server's certificate is not trusted (${code}). Give the CA that issued it (--ca FILE) or check the host name.`, { reason: code });
  }
  if (NETWORK_CODES.has(code) || GONE_STATES.has(code) || /Connection terminated|connection.*(closed|ended)|not queryable/i.test(message)) {
    return new OutpostError('UNREACHABLE', `The PostgreSQL server cannot be reached or ended the session (${message}). Nothing from the interrupted work was written.`, {
      engine: 'postgres',
      ...(code ? { reason: code } : {}),
    });
  }
  if (/does not support SSL/i.test(message)) {
    return new OutpostError('TLS_UNTRUSTED', 'The PostgreSQL server does not offer TLS; Outpost will not send a password to a remote server in clear. Turn on ssl on the server.', {});
  }
  if (sql && err instanceof Error && code) {
    // Keep the driver's error (and its SQLSTATE) as the cause; the statement helps whoever reads the log.
    return Object.assign(err, { query: short(sql) });
  }
  return err;
}

/** The schema version recorded in the one-row outpost_schema table (0 when the database is new). */
export async function pgSchemaVersion(sql: Pick<Sql, 'get'>): Promise<number> {
  const exists = await sql.get("SELECT to_regclass('outpost_schema') IS NOT NULL AS present", [], z.object({ present: z.number() }));
  if (!exists?.present) return 0;
  const row = await sql.get('SELECT version FROM outpost_schema', [], z.object({ version: z.number() }));
  return row?.version ?? 0;
}

export interface PgHandle {
  sql: Sql;
  /** Runs migration DDL (several statements, no parameters). */
  script(text: string): Promise<void>;
  close(): Promise<void>;
  /** After migrations: learn the identity tables (lastId). */
  refresh(): Promise<void>;
}

export function pgSql(config: pg.PoolConfig): PgHandle {
  const pool = new pg.Pool({ max: 10, idleTimeoutMillis: 30_000, ...config, types: rowTypes });
  // An idle connection the server ends (restart, terminate) must not end the process; the next use reconnects.
  pool.on('error', () => undefined);
  const sql = new PgSql(pool);
  return { sql, script: (text) => sql.script(text), close: () => sql.close(), refresh: () => sql.loadIdentityTables() };
}
