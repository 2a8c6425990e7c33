import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import type { MigrationReport } from './migrate.js';
import { migrations, postgresSql, type Migration } from './migrations/index.js';
import type { PgHandle } from './pg-sql.js';

/**
 * The advisory lock that serialises migrations: two workstations opening a new team database
 * at once must not both create the tables.
 */
const MIGRATION_LOCK_KEY = 0x6f75746d; // 'outm'

const versionRow = z.object({ version: z.number() });

/**
 * PostgreSQL's counterpart of migrate.ts: the same numbered list, each migration's PostgreSQL
 * DDL and the version bump in one transaction (PostgreSQL DDL is transactional), the version
 * kept in the one-row table outpost_schema. A database at a newer version than this Outpost
 * knows is refused (DB_MIGRATION), as on SQLite; a database with tables that is not an Outpost
 * store is refused (DB_NOT_STORE) before anything is written.
 */
export async function migratePg(handle: Pick<PgHandle, 'sql' | 'script'>, label: string, options: { apply: boolean }, list: readonly Migration[] = migrations): Promise<MigrationReport> {
  const { sql } = handle;
  return await sql.transaction(async () => {
    await sql.run('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
    const present = await sql.get("SELECT to_regclass('outpost_schema') IS NOT NULL AS present", [], z.object({ present: z.number() }));
    let from = 0;
    if (present?.present) {
      from = (await sql.get('SELECT version FROM outpost_schema', [], versionRow))?.version ?? 0;
    } else {
      const tables = await sql.get('SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = current_schema()', [], z.object({ n: z.number() }));
      if ((tables?.n ?? 0) > 0) {
        throw new OutpostError('DB_NOT_STORE', `${label} is not an Outpost store (it holds tables of another program). Nothing was changed. Give an empty database or one Outpost created.`, { target: label });
      }
    }
    const applied: MigrationReport['applied'] = [];
    // Opened as it is (reading its version, auditing into it): as on SQLite, a newer store is not refused then.
    if (!options.apply) return { from, to: from, applied };
    const latest = list.length === 0 ? 0 : list[list.length - 1]!.version;
    if (from > latest) {
      throw new OutpostError('DB_MIGRATION', `This database is at schema version ${from}, newer than this Outpost knows (${latest}). Upgrade Outpost or open another database.`, { from, latest });
    }
    if (!present?.present) {
      await sql.run('CREATE TABLE outpost_schema (one BIGINT PRIMARY KEY DEFAULT 1 CHECK (one = 1), version BIGINT NOT NULL)');
      await sql.run('INSERT INTO outpost_schema (one, version) VALUES (1, 0)');
    }
    for (const m of list) {
      if (m.version <= from) continue;
      try {
        // Each migration is a savepoint of the one transaction: all pending ones land, or none.
        await sql.transaction(async () => {
          await handle.script(postgresSql(m));
          await sql.run('UPDATE outpost_schema SET version = ?', [m.version]);
        });
      } catch (err) {
        if (err instanceof OutpostError) throw err;
        throw new OutpostError('DB_MIGRATION', `Migration ${m.version} (${m.name}) failed on PostgreSQL: ${(err as Error).message}`, { version: m.version });
      }
      applied.push({ version: m.version, name: m.name });
    }
    return { from, to: Math.max(from, latest), applied };
  });
}
