import type Database from 'better-sqlite3';
import { OutpostError } from '../contract/errors.js';
import { migrations, type Migration } from './migrations/index.js';

export interface MigrationReport {
  from: number;
  to: number;
  applied: { version: number; name: string }[];
}

/**
 * Applies every pending migration, each in its own transaction together with the version bump,
 * so a crash leaves the database at a whole version. A database written by a newer Outpost is
 * refused rather than guessed at.
 */
export function migrate(db: Database.Database, list: readonly Migration[] = migrations): MigrationReport {
  const from = db.pragma('user_version', { simple: true }) as number;
  const latest = list.length === 0 ? 0 : list[list.length - 1]!.version;
  if (from > latest) {
    throw new OutpostError(
      'DB_MIGRATION',
      `This database is at schema version ${from}, newer than this Outpost knows (${latest}). Upgrade Outpost or open another database.`,
      { from, latest },
    );
  }
  const applied: MigrationReport['applied'] = [];
  for (const m of list) {
    if (m.version <= from) continue;
    const run = db.transaction(() => {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    });
    try {
      run();
    } catch (err) {
      throw new OutpostError('DB_MIGRATION', `Migration ${m.version} (${m.name}) failed: ${(err as Error).message}`, {
        version: m.version,
      });
    }
    applied.push({ version: m.version, name: m.name });
  }
  return { from, to: Math.max(from, latest), applied };
}
