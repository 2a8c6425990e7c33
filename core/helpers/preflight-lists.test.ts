import { afterEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { openStore, type Store } from '../db/store.js';
import { PreflightLists } from './preflight-lists.js';

describe('saved preflight lists (real SQLite file)', () => {
  let db: Store | undefined;
  let dir: ReturnType<typeof tempDir> | undefined;
  afterEach(async () => {
    await db?.close();
    dir?.remove();
  });

  it('save returns the row as stored, also when SQLite stores a different name than the one given', async () => {
    dir = tempDir();
    db = await openStore(join(dir.path, 'outpost.db'));
    const lists = new PreflightLists(db.sql);
    expect(await lists.save('ports', [{ host: '127.0.0.1', port: 22 }], 500)).toMatchObject({ name: 'ports', targets: [{ host: '127.0.0.1', port: 22 }], timeoutMs: 500 });
    // A lone surrogate comes back as U+FFFD: looking the saved list up by the given name found nothing.
    const saved = await lists.save('a\uD800', [{ host: '::1', port: 1 }], 3000);
    expect(saved).toMatchObject({ name: expect.stringMatching(/^a\uFFFD+$/), targets: [{ host: '::1', port: 1 }], timeoutMs: 3000 });
    expect((await lists.list()).map((l) => l.name)).toEqual([saved.name, 'ports']);
  });
});
