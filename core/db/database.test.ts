import { z } from 'zod';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { openDatabase, schemaVersion } from './database.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';

describe('SQLite store (real file)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('creates the schema with WAL and foreign keys on, at the latest version', () => {
    const db = openDatabase(join(dir.path, 'nested', 'outpost.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(migrations[migrations.length - 1]!.version);
    const tables = z.array(z.object({ name: z.string() })).parse(db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all()).map((t) => t.name);
    for (const t of ['sites', 'inventory_objects', 'credentials', 'vault_meta', 'procedures', 'procedure_steps', 'procedure_journal', 'audit_log', 'settings']) {
      expect(tables).toContain(t);
    }
    db.close();
  });

  it('runs migrations once: reopening applies nothing', () => {
    const path = join(dir.path, 'outpost.db');
    openDatabase(path).close();
    const db = openDatabase(path, { skipMigrations: true });
    const report = migrate(db);
    expect(report.applied).toEqual([]);
    expect(report.from).toBe(report.to);
    db.close();
  });

  it('refuses a database written by a newer Outpost', () => {
    const path = join(dir.path, 'outpost.db');
    const db = openDatabase(path);
    db.pragma('user_version = 999');
    db.close();
    expect(() => openDatabase(path)).toThrowError(expect.objectContaining({ code: 'DB_MIGRATION' }));
  });

  it('rolls a failed migration back whole, leaving the previous version', () => {
    const db = openDatabase(join(dir.path, 'outpost.db'));
    const before = schemaVersion(db);
    const broken = [...migrations, { version: before + 1, name: 'broken', sql: 'CREATE TABLE half_done (x); THIS IS NOT SQL;' }];
    expect(() => migrate(db, broken)).toThrowError(expect.objectContaining({ code: 'DB_MIGRATION' }));
    expect(schemaVersion(db)).toBe(before);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'half_done'").get()).toEqual({ n: 0 });
    db.close();
  });

  it('enforces foreign keys (a step of a procedure that does not exist is refused)', () => {
    const db = openDatabase(join(dir.path, 'outpost.db'));
    expect(() =>
      db.prepare("INSERT INTO procedure_steps (procedure_id, idx, name, state) VALUES ('nope', 0, 'x', 'pending')").run(),
    ).toThrow(/FOREIGN KEY/);
    db.close();
  });

  it('keeps the audit log append-only', () => {
    const db = openDatabase(join(dir.path, 'outpost.db'));
    db.prepare("INSERT INTO audit_log (at, actor, action, outcome) VALUES ('2026-01-01T00:00:00Z', 'a', 'b', 'ok')").run();
    expect(() => db.prepare("UPDATE audit_log SET actor = 'someone else'").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_log').run()).toThrow(/append-only/);
    expect(db.prepare('SELECT actor FROM audit_log').all()).toEqual([{ actor: 'a' }]);
    db.close();
  });

  it('lets a second connection read while the first writes (WAL, busy timeout)', () => {
    const path = join(dir.path, 'outpost.db');
    const writer = openDatabase(path);
    const reader = openDatabase(path);
    const insert = writer.prepare("INSERT INTO settings (key, value, updated_at) VALUES (?, '1', 'now')");
    writer.transaction(() => {
      insert.run('a');
      // Inside an open write transaction, the reader still sees the last committed state.
      expect(reader.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 0 });
    })();
    expect(reader.prepare('SELECT count(*) AS n FROM settings').get()).toEqual({ n: 1 });
    writer.close();
    reader.close();
  });
});
