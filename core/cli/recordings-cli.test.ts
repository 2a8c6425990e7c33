import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore } from '../server/core.js';
import { DB_FILE } from '../server/data-dir.js';
import { RecordingStore } from '../terminal/recording/recording-store.js';

describe('outpost recordings list|export|cat (built binary, real store)', () => {
  let dir: ReturnType<typeof tempDir>;
  const cast = `${JSON.stringify({ version: 2, width: 80, height: 24, timestamp: 1, title: 'root@h:22' })}\n${JSON.stringify([0.1, 'o', 'hello '])}\n${JSON.stringify([0.2, 'o', 'world\r\n'])}\n`;

  beforeAll(async () => {
    dir = tempDir();
    const core = await createOutpostCore({ dataDir: dir.path, dbPath: join(dir.path, DB_FILE), transport: 'test' });
    const store = new RecordingStore(core.sql);
    mkdirSync(join(dir.path, 'recordings'), { recursive: true });
    writeFileSync(join(dir.path, 'recordings', 'one.cast'), cast, { mode: 0o600 });
    const r = await store.add({ file: 'one.cast', actor: 'alice', target: 'root@h:22', kind: 'ssh', startedAt: '2026-12-06T10:00:00.000Z' });
    await store.finish(r.id, { endedAt: '2026-12-06T10:05:00.000Z', durationMs: 300_000, bytes: cast.length, errorCode: null });
    await core.close();
  }, 60_000);
  afterAll(() => dir?.remove());

  it('lists who, where, when and how long; exports the cast; prints its output', async () => {
    const db = ['--db', join(dir.path, DB_FILE)];
    const list = await runOutpost([...db, 'recordings', 'list']);
    expect(list.code).toBe(0);
    expect(list.stdout).toMatch(/1\s+2026-12-06T10:00:00.000Z\s+alice\s+root@h:22\s+ssh\s+300.0 s/);
    const to = join(dir.path, 'out.cast');
    const exported = await runOutpost([...db, 'recordings', 'export', '1', to]);
    expect(exported.code).toBe(0);
    expect(readFileSync(to, 'utf8')).toBe(cast);
    const shown = await runOutpost([...db, 'recordings', 'cat', '1']);
    expect(shown.stdout).toBe('hello world\r\n');
    const missing = await runOutpost([...db, 'recordings', 'export', '99', to]);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('NOT_FOUND');
  }, 60_000);
});
