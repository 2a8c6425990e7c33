import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { openDatabase } from './database.js';
import { migrate } from './migrate.js';
import { migrations } from './migrations/index.js';

describe('migration 016 (VM search by substring)', () => {
  it('indexes the VMs a version-15 store holds by trigram, and the triggers keep following writes', () => {
    const dir = tempDir();
    try {
      const db = openDatabase(join(dir.path, 'outpost.db'), { skipMigrations: true });
      migrate(db, migrations.filter((m) => m.version <= 15));
      db.prepare("INSERT INTO sites (name, url, username, created_at) VALUES ('lab', 'https://vc/sdk', 'u', 'now')").run();
      const insert = db.prepare("INSERT INTO inv_vms (site_id, moref, name, ip_addresses, guest_full_name, seen_run, first_seen_at, updated_at) VALUES (1, ?, ?, ?, ?, 1, 'now', 'now')");
      insert.run('vm-1', 'vm499', '10.0.12.7', 'Ubuntu Linux (64-bit)');
      insert.run('vm-2', 'prod-VM4990', '110.0.12.1', 'Microsoft Windows Server 2019 (64-bit)');
      insert.run('vm-3', 'vm49', '192.168.4.9', null);
      const found = (match: string): string[] =>
        db.prepare('SELECT v.name FROM inv_vms_fts f JOIN inv_vms v ON v.id = f.rowid WHERE inv_vms_fts MATCH ? ORDER BY v.name').pluck().all(match).map(String);
      expect(found('"M499"')).toEqual([]); // schema 15: word prefixes only
      migrate(db);
      expect(found('"M499"')).toEqual(['prod-VM4990', 'vm499']);
      expect(found('"indows"')).toEqual(['prod-VM4990']);
      expect(found('"0.12.7"')).toEqual(['vm499']);
      db.prepare("UPDATE inv_vms SET name = 'renamed-alpha' WHERE moref = 'vm-3'").run();
      db.prepare("DELETE FROM inv_vms WHERE moref = 'vm-1'").run();
      expect(found('"ed-alp"')).toEqual(['renamed-alpha']);
      expect(found('"M499"')).toEqual(['prod-VM4990']);
      db.close();
    } finally {
      dir.remove();
    }
  });
});
