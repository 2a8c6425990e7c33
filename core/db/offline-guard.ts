import { z } from 'zod';
import { OutpostError, isOutpostError } from '../contract/errors.js';
import type { RunResult, Sql, SqlParams, TransactionOptions } from './sql.js';

/** How many distinct reads are kept to answer while the team database is gone (the views' last queries). */
const LAST_KNOWN_LIMIT = 300;

export interface OfflineGuardOptions {
  /** Told when a statement finds the database gone (the listener usually notices first). */
  onLost: (err: unknown) => void;
  /** The URL shown in the error (without password). */
  where: string;
}

/** Whether an error from the PostgreSQL engine means the server is unreachable or ended the session. */
export function isOfflineError(err: unknown): boolean {
  if (!isOutpostError(err)) return false;
  if (err.code === 'TEAM_OFFLINE') return true;
  return err.code === 'UNREACHABLE' && typeof err.details === 'object' && err.details !== null && 'engine' in err.details && err.details.engine === 'postgres';
}

/**
 * The team database as the services see it: while it is reachable every call goes through;
 * while it is not, every change is refused at once with TEAM_OFFLINE (nothing is queued to be
 * replayed later, so no write can land behind another workstation's back), and a read the
 * console made before is answered from the last known result, so views keep showing the
 * inventory they had, read-only. The read cache only serves when offline: online reads always
 * go to the database.
 */
export class OfflineGuard implements Sql {
  private offline = false;
  private readonly lastKnown = new Map<string, unknown>();

  constructor(
    private readonly inner: Sql,
    private readonly o: OfflineGuardOptions,
  ) {}

  get engine(): Sql['engine'] {
    return this.inner.engine;
  }

  get isOffline(): boolean {
    return this.offline;
  }

  /** Whether the database answers now; when it does, changes are accepted again. */
  async probe(): Promise<boolean> {
    try {
      await this.inner.get('SELECT 1 AS one', [], z.object({ one: z.number() }));
      this.offline = false;
      return true;
    } catch {
      return false;
    }
  }

  /** The listener (or a failed statement) says the database is gone or back. */
  setOffline(offline: boolean): void {
    this.offline = offline;
  }

  async all<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T[]> {
    return await this.read(`all\u0000${sql}`, params, () => this.inner.all(sql, params, schema));
  }

  async get<T>(sql: string, params: SqlParams, schema: z.ZodType<T>): Promise<T | undefined> {
    return await this.read(`get\u0000${sql}`, params, () => this.inner.get(sql, params, schema));
  }

  async run(sql: string, params?: SqlParams): Promise<RunResult> {
    this.refuseWhenOffline();
    return await this.guard(() => this.inner.run(sql, params));
  }

  async transaction<T>(fn: (tx: Sql) => Promise<T>, options?: TransactionOptions): Promise<T> {
    this.refuseWhenOffline();
    return await this.guard(() => this.inner.transaction(() => fn(this), options));
  }

  async schemaVersion(): Promise<number> {
    return await this.guard(() => this.inner.schemaVersion());
  }

  outside<T>(fn: () => T): T {
    return this.inner.outside(fn);
  }

  private refuseWhenOffline(): void {
    if (this.offline) throw this.offlineError();
  }

  private offlineError(cause?: unknown): OutpostError {
    const reason = isOutpostError(cause) ? cause.message : null;
    return new OutpostError(
      'TEAM_OFFLINE',
      `The team database (${this.o.where}) cannot be reached: nothing was changed and nothing is queued. Outpost reconnects by itself; try again when the status bar shows the team database connected.`,
      { where: this.o.where, ...(reason ? { reason } : {}) },
    );
  }

  private async guard<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (err) {
      if (!isOfflineError(err)) throw err;
      this.offline = true;
      this.o.onLost(err);
      throw this.offlineError(err);
    }
  }

  private async read<T>(kind: string, params: SqlParams, work: () => Promise<T>): Promise<T> {
    const key = `${kind}\u0000${JSON.stringify(params, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}`;
    if (this.offline) {
      if (this.lastKnown.has(key)) return this.lastKnown.get(key) as T;
      throw this.offlineError();
    }
    try {
      const value = await this.guard(work);
      // Most recent last: the oldest read is the first dropped.
      this.lastKnown.delete(key);
      this.lastKnown.set(key, value);
      if (this.lastKnown.size > LAST_KNOWN_LIMIT) this.lastKnown.delete(this.lastKnown.keys().next().value!);
      return value;
    } catch (err) {
      if (isOutpostError(err) && err.code === 'TEAM_OFFLINE' && this.lastKnown.has(key)) return this.lastKnown.get(key) as T;
      throw err;
    }
  }
}
