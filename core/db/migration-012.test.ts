import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';

describe('migration 012 (inventory events)', () => {
  it('keeps the events a version-9 store recorded, gives them ids, and still refuses a second copy of an event', () => {
    const dir = tempDir();
    try {
      const db = openDatabase(join(dir.path, 'outpost.db'), { skipMigrations: true });
      migrate(db, migrations.filter((m) => m.version <= 9));
      db.prepare("INSERT INTO sites (name, url, username, created_at) VALUES ('lab', 'https://vc/sdk', 'u', 'now')").run();
      const insert = db.prepare("INSERT INTO inv_events (site_id, event_key, type, vm_moref, vm_name, user_name, created_at, message) VALUES (1, ?, 'VmPoweredOffEvent', 'vm-1', 'web', 'alice', ?, 'off')");
      insert.run(7, '2026-01-01T00:00:07Z');
      insert.run(8, '2026-01-01T00:00:08Z');
      migrate(db);
      const rows = db.prepare('SELECT id, event_key, user_name, recorded_at, host_name FROM inv_events ORDER BY id').all();
      expect(rows).toEqual([
        { id: 1, event_key: 7, user_name: 'alice', recorded_at: '2026-01-01T00:00:07Z', host_name: null },
        { id: 2, event_key: 8, user_name: 'alice', recorded_at: '2026-01-01T00:00:08Z', host_name: null },
      ]);
      expect(() => db.prepare("INSERT INTO inv_events (site_id, event_key, type, created_at, recorded_at, message) VALUES (1, 8, 'X', 'now', 'now', '')").run()).toThrow(/UNIQUE/);
      db.close();
    } finally {
      dir.remove();
    }
  });
});
