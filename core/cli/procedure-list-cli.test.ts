import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { build } from 'esbuild';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';

const root = join(import.meta.dirname, '..', '..');
// The kill -9 runner of core/procedures/crash-resume.test.ts, bundled inside the checkout so its packages resolve.
const runner = join(root, 'dist', 'test', 'procedure-crash-runner-cli.mjs');

describe('outpost procedures list (built binary, a run whose process was killed -9)', () => {
  beforeAll(async () => {
    await build({ entryPoints: [join(root, 'test/fixtures/procedure-crash-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
  }, 60_000);

  it('says "interrupted" (not "running") for a run whose process is dead, and how to resume it; --json has interrupted: true', async () => {
    const dir = tempDir();
    try {
      const killed = spawnSync(process.execPath, [runner, 'start', dir.path], { encoding: 'utf8', env: { ...process.env, OUTPOST_FAULT: 'kill-during:test.ledger/apply-rule' }, timeout: 20_000 });
      expect(killed.signal).toBe('SIGKILL');
      const db = join(dir.path, 'outpost.db');
      const json = JSON.parse((await runOutpost(['--db', db, '--json', 'procedures', 'list'])).stdout) as { id: string; state: string; interrupted?: boolean }[];
      expect(json).toHaveLength(1);
      expect(json[0]).toMatchObject({ state: 'running', interrupted: true });
      const text = await runOutpost(['--db', db, 'procedures', 'list']);
      expect(text.code).toBe(0);
      expect(text.stdout).toMatch(/interrupted \(running\)/);
      expect(text.stdout).toContain(`outpost procedures resume ${json[0]!.id}`);
    } finally {
      dir.remove();
    }
  }, 60_000);
});
