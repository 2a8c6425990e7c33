import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PG_PASSWORD, startPostgres, type PgPeer } from '../../test/pg-peer.js';
import { openStore, storeSchemaVersion } from './store.js';

const count = z.object({ n: z.number() });

describe('PostgreSQL store: bad input (real PostgreSQL 15 with TLS)', () => {
  let peer: PgPeer;
  beforeAll(async () => {
    peer = await startPostgres({ tls: true });
  }, 30_000);
  afterAll(async () => {
    await peer?.stop();
  });

  it('refuses a malformed URL, a URL without a database, and plain text to another machine, before connecting', async () => {
    await expect(openStore('postgres://outpost@127.0.0.1:notaport/x')).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(openStore(`postgres://outpost@127.0.0.1:${peer.port}`)).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('names no database') });
    // 192.0.2.1 (TEST-NET) is never contacted: the refusal comes first.
    await expect(openStore('postgres://outpost@192.0.2.1/outpost?sslmode=disable')).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('verified TLS') });
  });

  it('says which database does not exist', async () => {
    await expect(openStore(peer.url('missing'), { password: PG_PASSWORD })).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('missing') });
  });

  it('a wrong password or none is DB_AUTH, and the password is not in the message', async () => {
    const db = await peer.createDatabase();
    const err: unknown = await openStore(peer.url(db), { password: 'not-the-password' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DB_AUTH' });
    expect(String((err as Error).message)).not.toContain('not-the-password');
    const saved = process.env['PGPASSWORD'];
    delete process.env['PGPASSWORD'];
    try {
      await expect(openStore(peer.url(db), { password: undefined })).rejects.toMatchObject({ code: 'DB_AUTH' });
    } finally {
      if (saved !== undefined) process.env['PGPASSWORD'] = saved;
    }
  });

  it('takes the password from PGPASSWORD', async () => {
    const db = await peer.createDatabase();
    process.env['PGPASSWORD'] = PG_PASSWORD;
    try {
      const store = await openStore(peer.url(db));
      await store.close();
    } finally {
      delete process.env['PGPASSWORD'];
    }
  });

  it('verifies TLS: the issuing CA is accepted, another CA is TLS_UNTRUSTED, a pinned certificate is accepted', async () => {
    const db = await peer.createDatabase();
    const ok = await openStore(peer.url(db, 'localhost'), { password: PG_PASSWORD, ca: peer.ca! });
    expect(await ok.sql.get('SELECT count(*) AS n FROM pg_stat_ssl WHERE pid = pg_backend_pid() AND ssl', [], count)).toEqual({ n: 1 });
    await ok.close();
    await expect(openStore(peer.url(db, 'localhost'), { password: PG_PASSWORD, ca: peer.otherCa! })).rejects.toMatchObject({ code: 'TLS_UNTRUSTED' });
    const { X509Certificate } = await import('node:crypto');
    const { readFileSync } = await import('node:fs');
    const serverPin = new X509Certificate(readFileSync(`${peer.dir}/server.pem`)).fingerprint256;
    const pinned = await openStore(peer.url(db), { password: PG_PASSWORD, pinSha256: serverPin });
    await pinned.close();
    const otherPin = new X509Certificate(peer.otherCa!).fingerprint256;
    await expect(openStore(peer.url(db), { password: PG_PASSWORD, pinSha256: otherPin })).rejects.toMatchObject({ code: 'TLS_UNTRUSTED' });
  });

  it('refuses a database newer than this Outpost (DB_MIGRATION) and another program\'s database (DB_NOT_STORE), changing nothing', async () => {
    const db = await peer.createDatabase();
    const store = await openStore(peer.url(db), { password: PG_PASSWORD });
    const version = await store.sql.schemaVersion();
    await store.sql.run('UPDATE outpost_schema SET version = ?', [version + 1]);
    await store.close();
    await expect(openStore(peer.url(db), { password: PG_PASSWORD })).rejects.toMatchObject({ code: 'DB_MIGRATION', message: expect.stringContaining('newer') });
    expect(await storeSchemaVersion(peer.url(db), { password: PG_PASSWORD })).toBe(version + 1);

    const foreign = await peer.createDatabase();
    await peer.admin(`CREATE TABLE customers (id int); ALTER TABLE customers OWNER TO outpost`, [], foreign);
    await expect(openStore(peer.url(foreign), { password: PG_PASSWORD })).rejects.toMatchObject({ code: 'DB_NOT_STORE' });
    const tables = await peer.admin<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'", [], foreign);
    expect(tables.rows[0]!.n).toBe('1');
  });

  it('a connection cut mid-transaction: a clear error, nothing half-written, the store works on', async () => {
    const db = await peer.createDatabase();
    const store = await openStore(peer.url(db), { password: PG_PASSWORD });
    const { sql } = store;
    const err: unknown = await sql
      .transaction(async () => {
        await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('half', '1', 'x')");
        const me = await sql.get('SELECT pg_backend_pid() AS n', [], count);
        await peer.admin('SELECT pg_terminate_backend($1)', [me!.n]);
        await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('other-half', '2', 'x')");
      })
      .catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNREACHABLE' });
    expect(await sql.get("SELECT count(*) AS n FROM settings WHERE key IN ('half', 'other-half')", [], count)).toEqual({ n: 0 });
    await store.close();
  });
});
