import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'outpost.mjs');

describe('outpost input hardening (built binary, real SQLite file)', () => {
  let dir: ReturnType<typeof tempDir>;
  const outpost = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, '--db', join(dir.path, 'o.db'), ...args], { encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')]);
  });
  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('hosts-entries --apply replaces the hosts file by rename (never rewritten in place), keeping its mode, its symlink and the rest', () => {
    const list = join(dir.path, 'list');
    writeFileSync(list, '192.168.100.12 keystone\n');
    const real = join(dir.path, 'hosts.real');
    writeFileSync(real, '127.0.0.1 localhost\n');
    chmodSync(real, 0o640);
    const link = join(dir.path, 'hosts');
    symlinkSync(real, link);
    const before = statSync(real).ino;

    const r = outpost('hosts-entries', '--from', list, '--apply', link);
    expect(r.code, r.stderr).toBe(0);
    // A new inode: the text went to a temporary file that was renamed over the old one, so a
    // resolver reading meanwhile sees the old file or the new one, never a truncated one.
    expect(statSync(real).ino).not.toBe(before);
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toMatch(/^127\.0\.0\.1 localhost\n# BEGIN outpost-managed entries.*\n192\.168\.100\.12\s+keystone\n# END outpost-managed entries\n$/);
    expect(readdirSync(dir.path).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left behind
  });
});
