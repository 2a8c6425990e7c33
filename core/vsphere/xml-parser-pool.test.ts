import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { parseXml } from './xml.js';
import { parseXmlAsync } from './xml-parser-pool.js';

const root = join(import.meta.dirname, '..', '..');

describe('XML parser pool (worker threads for large answers)', () => {
  it('parses a large answer exactly as the main thread does, and a broken one as VCENTER_PROTOCOL', async () => {
    const big = `<r>${'<v xsi:type="xsd:string" a="1">x &lt; y</v>'.repeat(20_000)}</r>`;
    expect(big.length).toBeGreaterThan(512 * 1024);
    expect(await parseXmlAsync(big)).toEqual(parseXml(big));
    await expect(parseXmlAsync(`${big.slice(0, -4)}</r`)).rejects.toMatchObject({ code: 'VCENTER_PROTOCOL' });
  });

  it('lets a process exit by itself once parsing is done (child process)', async () => {
    // Bundled inside the project so the runner finds node_modules like the CLI does.
    const runner = join(root, '.cache', 'test-runners', `xml-pool-${process.pid}.mjs`);
    try {
      await build({ entryPoints: [join(root, 'test/fixtures/xml-pool-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
      const r = spawnSync(process.execPath, [runner], { cwd: root, encoding: 'utf8', timeout: 15_000 });
      expect(r.signal, 'the process was still alive after 15 s').toBeNull();
      expect(r.stdout).toBe('root\n');
    } finally {
      rmSync(runner, { force: true });
    }
  });
});
