import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import YAML from 'yaml';
import { tempDir } from './temp-dir.js';

const root = join(import.meta.dirname, '..');
const script = join(root, 'scripts', 'check-electron-fuses.mjs');
const repoConfig = join(root, 'electron-builder.yml');

/** Runs the lint step's check on a config file, as `npm run lint` does. */
function check(file: string): { code: number | null; output: string } {
  const r = spawnSync(process.execPath, [script, file], { cwd: root, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, output: `${r.stdout}${r.stderr}` };
}

/** The repo's config with `edit` applied, written to a temp file. */
function variant(dir: string, name: string, edit: (config: Record<string, unknown>) => void): string {
  const config = YAML.parse(readFileSync(repoConfig, 'utf8')) as Record<string, unknown>;
  edit(config);
  const file = join(dir, `${name}.yml`);
  writeFileSync(file, YAML.stringify(config));
  return file;
}

describe('Electron fuses check (scripts/check-electron-fuses.mjs, part of npm run lint)', () => {
  it('runs in the lint step', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.lint).toContain('node scripts/check-electron-fuses.mjs');
  });

  it("passes the repo's electron-builder.yml: RunAsNode, NODE_OPTIONS and --inspect off, asar integrity and asar-only loading on", () => {
    const r = check(repoConfig);
    expect(r.code, r.output).toBe(0);
    expect(YAML.parse(readFileSync(repoConfig, 'utf8')).electronFuses).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
  }, 60_000);

  it('fails when the fuses are missing, when one is wrong, or when the app is not in an asar', () => {
    const dir = tempDir('outpost-fuses-');
    try {
      const missing = check(variant(dir.path, 'missing', (c) => delete c.electronFuses));
      expect(missing.code).toBe(1);
      expect(missing.output).toContain('electronFuses is missing');
      expect(missing.output).toContain('electronFuses.runAsNode is missing (must be false)');

      const wrong = check(variant(dir.path, 'wrong', (c) => ((c.electronFuses as Record<string, boolean>).enableNodeCliInspectArguments = true)));
      expect(wrong.code).toBe(1);
      expect(wrong.output).toContain('electronFuses.enableNodeCliInspectArguments is true (must be false)');
      expect(wrong.output.match(/^ {2}- /gm)).toHaveLength(1);

      const noAsar = check(variant(dir.path, 'no-asar', (c) => (c.asar = false)));
      expect(noAsar.code).toBe(1);
      expect(noAsar.output).toContain('asar is false');
    } finally {
      dir.remove();
    }
  }, 30_000);

  it("fails a misspelt extra fuse: electron-builder's own schema rejects it", () => {
    const dir = tempDir('outpost-fuses-');
    try {
      const typo = check(variant(dir.path, 'typo', (c) => ((c.electronFuses as Record<string, boolean>).enableCookieEncryptoin = true)));
      expect(typo.code).toBe(1);
      expect(typo.output).toContain('electron-builder rejects the config');
    } finally {
      dir.remove();
    }
  }, 60_000);
});
