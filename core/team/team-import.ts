import { OutpostError } from '../contract/errors.js';
import { atomically, type Sql } from '../db/sql.js';
import { copySqliteToPostgres, tableCounts, type TableCount } from '../db/store-copy.js';
import { EstateStore } from './estate-store.js';
import { TEAM_CREDENTIAL } from './team-config.js';

export interface ImportReport {
  estate: string;
  /** false: the team database already held this estate (an earlier import); nothing was copied. */
  copied: boolean;
  tables: TableCount[];
}

/**
 * Rows a store may hold before anything was imported (the core writes them as it opens). Any
 * other row means the team database is in use: refused, so two estates never mix.
 */
const OPEN_TIME_TABLES = ['settings', 'vault_meta', 'tasks', 'inv_index_status'];

/**
 * `outpost team import`: copies this workstation's SQLite estate into the team database. The
 * estate id is claimed in the same transaction as the copy, so a database holds exactly one
 * estate, copied whole or not at all: a second run finds its own id and copies nothing, a
 * database holding another estate (or rows without an estate id) is refused.
 */
export async function importEstate(local: Sql, team: Sql): Promise<ImportReport> {
  if (local.engine !== 'sqlite' || team.engine !== 'postgres') {
    throw new OutpostError('VALIDATION', 'team import copies this workstation\'s SQLite store into the team PostgreSQL database: connect to the team first (outpost team connect).');
  }
  const estate = await new EstateStore(local).ensure();
  const teamEstate = new EstateStore(team);
  const copied = await atomically(
    team,
    async () => {
      const held = await teamEstate.read();
      if (held === estate) return false;
      if (held !== null) {
        throw new OutpostError('ESTATE_MISMATCH', `The team database holds another estate (${held}); this workstation's is ${estate}. Nothing was copied. Join that team's estate as it is (no import), or use an empty database for this one.`, { team: held, local: estate });
      }
      const used = (await tableCounts(local, team, ['estate'])).filter((c) => c.target > 0 && !OPEN_TIME_TABLES.includes(c.table));
      if (used.length > 0) {
        throw new OutpostError('ESTATE_MISMATCH', `The team database already holds data (${used.map((c) => `${c.table}: ${c.target}`).join(', ')}) but no estate id. Nothing was copied; import only into an empty database.`, { tables: used });
      }
      await teamEstate.claim(estate);
      await copySqliteToPostgres(local, team, {
        skipTables: ['estate'],
        replaceTables: OPEN_TIME_TABLES,
        // The team password stays in this workstation's vault only.
        skipRow: (table, row) => table === 'credentials' && row.name === TEAM_CREDENTIAL,
      });
      return true;
    },
    { immediate: true },
  );
  return { estate, copied, tables: await tableCounts(local, team, ['estate']) };
}
