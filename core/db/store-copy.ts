import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import type { Sql, SqlValue } from './sql.js';

/** Rows per INSERT: far below PostgreSQL's 65535 parameters for the widest table. */
const PAGE = 200;

const nameRow = z.object({ name: z.string() });
const columnRow = z.object({ name: z.string() });
const countRow = z.object({ n: z.number() });
const sqlValue = z.union([z.string(), z.number(), z.bigint(), z.null(), z.instanceof(Uint8Array)]);
const anyRow = z.record(z.string(), sqlValue);

export interface TableCount {
  table: string;
  /** Rows in the SQLite store. */
  source: number;
  /** Rows in the team database after the copy. */
  target: number;
}

export interface CopyOptions {
  /** Tables not copied (their owner handles them: the estate row). */
  skipTables: readonly string[];
  /** Rows not copied, by table (this workstation's own secrets, e.g. the team password). */
  skipRow?: (table: string, row: Readonly<Record<string, SqlValue>>) => boolean;
  /** Tables whose rows in the target are replaced by the source's (rows the target wrote as it opened). */
  replaceTables?: readonly string[];
}

const ident = (name: string): string => {
  // Names come from the engines' catalogs, never from input; checked anyway before they are quoted.
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new OutpostError('INTERNAL', `Unexpected table or column name ${JSON.stringify(name)}.`);
  return `"${name}"`;
};

/** The tables of an SQLite store in creation order (a table is created after those it references). */
async function sqliteTables(db: Sql): Promise<string[]> {
  const rows = await db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY rowid", [], nameRow);
  // FTS5 keeps its data in shadow tables named after the virtual table: they are not Outpost's.
  const virtual = new Set((await db.all("SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'", [], nameRow)).map((r) => r.name));
  return rows.map((r) => r.name).filter((n) => ![...virtual].some((v) => n.startsWith(`${v}_`)));
}

async function pgTables(db: Sql): Promise<Set<string>> {
  return new Set((await db.all("SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'", [], nameRow)).map((r) => r.name));
}

async function pgColumns(db: Sql, table: string): Promise<Set<string>> {
  return new Set((await db.all('SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ?', [table], columnRow)).map((r) => r.name));
}

async function count(db: Sql, table: string): Promise<number> {
  return (await db.get(`SELECT COUNT(*) AS n FROM ${ident(table)}`, [], countRow))?.n ?? 0;
}

/** Every Outpost table both stores have, with its row count on each side. */
export async function tableCounts(source: Sql, target: Sql, skipTables: readonly string[]): Promise<TableCount[]> {
  const present = await pgTables(target);
  const tables = (await sqliteTables(source)).filter((t) => present.has(t) && !skipTables.includes(t));
  const counts: TableCount[] = [];
  for (const table of tables) counts.push({ table, source: await count(source, table), target: await count(target, table) });
  return counts;
}

/**
 * Copies an SQLite store's rows into a PostgreSQL store of the same schema version, in one
 * transaction of the target: rows keep their ids (so references stay right), a row already
 * there (same primary key or unique key) is left as it is, so a second run adds nothing. The
 * identity sequences are moved past the copied ids afterwards, so new rows do not collide.
 * Run it inside the caller's transaction on `target` to make it part of a larger unit.
 */
export async function copySqliteToPostgres(source: Sql, target: Sql, options: CopyOptions): Promise<void> {
  if (source.engine !== 'sqlite' || target.engine !== 'postgres') throw new OutpostError('INTERNAL', 'copySqliteToPostgres copies from an SQLite store to a PostgreSQL one.');
  const present = await pgTables(target);
  const tables = (await sqliteTables(source)).filter((t) => present.has(t) && !options.skipTables.includes(t));
  await target.transaction(async (tx) => {
    for (const table of tables) {
      if (options.replaceTables?.includes(table)) await tx.run(`DELETE FROM ${ident(table)}`);
      const targetColumns = await pgColumns(tx, table);
      // Read in the table's own order: rowid, or the primary key of a WITHOUT ROWID table.
      const rows = await source.all(`SELECT * FROM ${ident(table)}`, [], anyRow);
      const kept = options.skipRow ? rows.filter((r) => !options.skipRow!(table, r)) : rows;
      if (kept.length === 0) continue;
      const columns = Object.keys(kept[0]!).filter((c) => targetColumns.has(c));
      for (let i = 0; i < kept.length; i += PAGE) {
        const page = kept.slice(i, i + PAGE);
        const values = page.map(() => `(${columns.map(() => '?').join(', ')})`).join(', ');
        const params = page.flatMap((r) => columns.map((c) => r[c] ?? null));
        await tx.run(`INSERT INTO ${ident(table)} (${columns.map(ident).join(', ')}) VALUES ${values} ON CONFLICT DO NOTHING`, params);
      }
      if (columns.includes('id')) {
        // The copied ids were given explicitly: move the identity past them.
        await tx.get(`SELECT setval(pg_get_serial_sequence(?, 'id'), GREATEST((SELECT COALESCE(MAX(id), 0) FROM ${ident(table)}), 1)) AS n`, [table], z.object({ n: z.number().nullable() }));
      }
    }
  });
}
