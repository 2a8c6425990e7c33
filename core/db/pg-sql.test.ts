import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PG_PASSWORD, startPostgres, type PgPeer } from '../../test/pg-peer.js';
import { translate } from './pg-translate.js';
import { ForeignKeyViolation, UniqueViolation } from './sql.js';
import { openStore, type Store } from './store.js';

describe('placeholder translation', () => {
  it('numbers ? and @name, leaving quoted text and comments alone', () => {
    expect(translate("SELECT '?', \"a?\", x FROM t WHERE a = ? AND b = ? -- ?\n").text).toBe("SELECT '?', \"a?\", x FROM t WHERE a = $1 AND b = $2 -- ?\n");
    const named = translate("SELECT 'it''s @x' AS s WHERE a = @a OR b = @b OR c = @a /* @c */");
    expect(named.text).toBe("SELECT 'it''s @x' AS s WHERE a = $1 OR b = $2 OR c = $1 /* @c */");
    expect(named.names).toEqual(['a', 'b']);
    expect(translate("x LIKE ? ESCAPE '\\' AND 'LIKE' = y").text).toBe("x ILIKE $1 ESCAPE '\\' AND 'LIKE' = y");
    expect(translate('INSERT INTO ip_pools (a) VALUES (?)').insertInto).toBe('ip_pools');
  });
});

describe('PostgreSQL engine (real PostgreSQL 15)', () => {
  let peer: PgPeer;
  let store: Store;
  beforeAll(async () => {
    peer = await startPostgres();
    store = await openStore(peer.url(await peer.createDatabase()), { password: PG_PASSWORD });
  }, 30_000);
  afterAll(async () => {
    await store?.close();
    await peer?.stop();
  });

  it('runs the migrations, records the version, decodes integers, blobs and lastId', async () => {
    const { sql } = store;
    expect(store.engine).toBe('postgres');
    expect(await sql.schemaVersion()).toBeGreaterThanOrEqual(12);
    const at = new Date().toISOString();
    const info = await sql.run('INSERT INTO sites (name, url, username, created_at) VALUES (?, ?, ?, ?)', ['s1', 'https://vc/sdk', 'u', at]);
    expect(info).toEqual({ changes: 1, lastId: expect.any(Number) });
    const site = await sql.get('SELECT id, sync_run, name FROM sites WHERE id = @id', { id: info.lastId }, z.object({ id: z.number(), sync_run: z.number(), name: z.string() }));
    expect(site).toEqual({ id: info.lastId, sync_run: 0, name: 's1' });
    await sql.run("INSERT INTO inv_datastores (site_id, moref, name, capacity_bytes, seen_run, first_seen_at, updated_at) VALUES (?, 'ds-1', 'big', ?, 1, ?, ?)", [info.lastId, 2 ** 50, at, at]);
    expect(await sql.get('SELECT capacity_bytes, count(*) AS n FROM inv_datastores GROUP BY capacity_bytes', [], z.object({ capacity_bytes: z.number(), n: z.number() }))).toEqual({ capacity_bytes: 2 ** 50, n: 1 });
    const secret = Buffer.from([0, 1, 2, 255]);
    await sql.run("INSERT INTO credentials (name, kind, cipher, secret, created_at, updated_at) VALUES ('c', 'password', 'os', ?, ?, ?)", [secret, at, at]);
    expect((await sql.get("SELECT secret FROM credentials WHERE name = 'c'", [], z.object({ secret: z.instanceof(Buffer) })))?.secret).toEqual(secret);
  });

  it('maps unique and foreign-key violations to the engine-neutral errors', async () => {
    const at = new Date().toISOString();
    await store.sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', ?)", [at]);
    await expect(store.sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('k', '2', ?)", [at])).rejects.toBeInstanceOf(UniqueViolation);
    await expect(store.sql.run("INSERT INTO nat_records (firewall_id, public_ip, private_ip, state, created_at, created_by) VALUES (999, 'a', 'b', 'active', ?, 'x')", [at])).rejects.toBeInstanceOf(ForeignKeyViolation);
  });

  it('commits or rolls back as one, nests savepoints, keeps outside statements out', async () => {
    const { sql } = store;
    const row = z.object({ value: z.string() });
    await expect(
      sql.transaction(async () => {
        await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('t1', '1', 'x')");
        // Another connection does not see the uncommitted row.
        expect(await sql.outside(() => sql.get("SELECT value FROM settings WHERE key = 't1'", [], row))).toBeUndefined();
        await sql.transaction(async () => {
          await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('t2', '2', 'x')");
        });
        await expect(
          sql.transaction(async () => {
            await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('t3', '3', 'x')");
            throw new Error('inner');
          }),
        ).rejects.toThrow('inner');
        expect(await sql.get("SELECT value FROM settings WHERE key = 't2'", [], row)).toEqual({ value: '2' });
        throw new Error('outer');
      }),
    ).rejects.toThrow('outer');
    expect(await sql.all("SELECT value FROM settings WHERE key IN ('t1', 't2', 't3')", [], row)).toEqual([]);
    await sql.transaction(async () => {
      await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('t4', '4', 'x')");
      await sql.transaction(async () => sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('t5', '5', 'x')"));
    });
    expect(await sql.all("SELECT value FROM settings WHERE key IN ('t4', 't5') ORDER BY key", [], row)).toEqual([{ value: '4' }, { value: '5' }]);
  });

  it('serialises immediate transactions: a read-then-write never interleaves', async () => {
    const { sql } = store;
    await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('counter', '0', 'x')");
    const bump = () =>
      sql.transaction(
        async () => {
          const v = Number((await sql.get("SELECT value FROM settings WHERE key = 'counter'", [], z.object({ value: z.string() })))!.value);
          await new Promise((r) => setTimeout(r, 5));
          await sql.run("UPDATE settings SET value = ? WHERE key = 'counter'", [String(v + 1)]);
        },
        { immediate: true },
      );
    await Promise.all(Array.from({ length: 8 }, bump));
    expect((await sql.get("SELECT value FROM settings WHERE key = 'counter'", [], z.object({ value: z.string() })))!.value).toBe('8');
  });
});
