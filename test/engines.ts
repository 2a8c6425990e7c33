// Runs a store-level suite against both engines: SQLite (a real file) and PostgreSQL (a private
// cluster per test file, a fresh database per test). `open()` gives a migrated, empty store.
import { join } from 'node:path';
import { afterAll, beforeAll, describe } from 'vitest';
import { openStore, type Store } from '../core/db/store.js';
import { PG_PASSWORD, startPostgres, type PgPeer } from './pg-peer.js';
import { tempDir } from './temp-dir.js';

export type Engine = 'sqlite' | 'postgres';
/** A new empty store of the suite's engine; closed and removed after the file's tests. */
export type OpenStore = () => Promise<Store>;

/** Where each store `open()` gave lives, so a test can open a second handle (another connection) on it. */
const targets = new WeakMap<Store, { target: string; password?: string }>();

/** A second, independent handle on the same store (another process would have one): close it yourself. */
export async function reopen(store: Store): Promise<Store> {
  const t = targets.get(store);
  if (!t) throw new Error('reopen: this store was not opened by describeEngines');
  return await openStore(t.target, t.password !== undefined ? { password: t.password } : {});
}

export function describeEngines(name: string, body: (open: OpenStore, engine: Engine) => void): void {
  describe(`${name} [sqlite]`, () => {
    const dirs: ReturnType<typeof tempDir>[] = [];
    afterAll(() => dirs.forEach((d) => d.remove()));
    body(async () => {
      const dir = tempDir();
      dirs.push(dir);
      const target = join(dir.path, 'outpost.db');
      const store = await openStore(target);
      targets.set(store, { target });
      return store;
    }, 'sqlite');
  });
  describe(`${name} [postgres]`, () => {
    let peer: PgPeer | null = null;
    beforeAll(async () => {
      peer = await startPostgres();
    }, 30_000);
    afterAll(async () => {
      await peer?.stop();
    });
    body(async () => {
      if (!peer) throw new Error('the PostgreSQL peer did not start');
      const target = peer.url(await peer.createDatabase());
      const store = await openStore(target, { password: PG_PASSWORD });
      targets.set(store, { target, password: PG_PASSWORD });
      return store;
    }, 'postgres');
  });
}

/**
 * For suites that start a whole core (createOutpostCore): `dbPath()` is undefined on SQLite (the
 * data folder's store) and a fresh database's postgres:// URL on PostgreSQL (PGPASSWORD set for
 * the suite, as an operator's shell would).
 */
export function describeCoreEngines(name: string, body: (dbPath: () => Promise<string | undefined>, engine: Engine) => void): void {
  describe(`${name} [sqlite]`, () => {
    body(() => Promise.resolve(undefined), 'sqlite');
  });
  describe(`${name} [postgres]`, () => {
    let peer: PgPeer | null = null;
    const saved = process.env['PGPASSWORD'];
    beforeAll(async () => {
      peer = await startPostgres();
      process.env['PGPASSWORD'] = PG_PASSWORD;
    }, 30_000);
    afterAll(async () => {
      if (saved === undefined) delete process.env['PGPASSWORD'];
      else process.env['PGPASSWORD'] = saved;
      await peer?.stop();
    });
    body(async () => {
      if (!peer) throw new Error('the PostgreSQL peer did not start');
      return peer.url(await peer.createDatabase());
    }, 'postgres');
  });
}
