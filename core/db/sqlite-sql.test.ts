import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { openSqliteStore } from './sqlite-sql.js';
import { ForeignKeyViolation, UniqueViolation } from './sql.js';

describe('Sql over SQLite (real file)', () => {
  const dirs: string[] = [];
  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-sql-'));
    dirs.push(dir);
    return openSqliteStore(join(dir, 'o.db'));
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('decodes rows with the schema and refuses a row of another shape with INTERNAL', () => {
    const { sql, close } = open();
    sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('theme', '\"dark\"', 'now')");
    expect(sql.all('SELECT key, value FROM settings', [], z.object({ key: z.string(), value: z.string() }))).toEqual([{ key: 'theme', value: '"dark"' }]);
    const wrong = (() => {
      try {
        sql.get('SELECT key, value FROM settings', [], z.object({ key: z.number() }));
      } catch (err) {
        return err;
      }
    })();
    expect(wrong).toBeInstanceOf(OutpostError);
    expect((wrong as OutpostError).code).toBe('INTERNAL');
    expect((wrong as OutpostError).message).toContain('key');
    close();
  });

  it('maps constraint failures to engine-neutral errors', () => {
    const { sql, close } = open();
    sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 'now')");
    expect(() => sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('a', '2', 'now')")).toThrow(UniqueViolation);
    expect(() => sql.run("INSERT INTO cmdb_records (site_id, vm_moref, vm_name, private_ip, firewall, credential, service_account, enrolled_at, enrolled_by) VALUES (99, 'vm-1', 'x', '10.0.0.1', 'fw', 'c', 's', 'now', 'me')")).toThrow(
      ForeignKeyViolation,
    );
    close();
  });

  it('rolls a whole transaction back, nested ones included, and commits otherwise', () => {
    const { sql, close } = open();
    const count = () => sql.get('SELECT count(*) AS n FROM settings', [], z.object({ n: z.number() }))!.n;
    expect(() =>
      sql.transaction((tx) => {
        tx.run("INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 'now')");
        tx.transaction((inner) => inner.run("INSERT INTO settings (key, value, updated_at) VALUES ('b', '1', 'now')"));
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(count()).toBe(0);
    sql.transaction((tx) => tx.run("INSERT INTO settings (key, value, updated_at) VALUES ('a', '1', 'now')"), { immediate: true });
    expect(count()).toBe(1);
    expect(sql.schemaVersion()).toBeGreaterThan(0);
    close();
  });
});
