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

export function describeEngines(name: string, body: (open: OpenStore, engine: Engine) => void): void {
  describe(`${name} [sqlite]`, () => {
    const dirs: ReturnType<typeof tempDir>[] = [];
    afterAll(() => dirs.forEach((d) => d.remove()));
    body(async () => {
      const dir = tempDir();
      dirs.push(dir);
      return await openStore(join(dir.path, 'outpost.db'));
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
      return await openStore(peer.url(await peer.createDatabase()), { password: PG_PASSWORD });
    }, 'postgres');
  });
}
