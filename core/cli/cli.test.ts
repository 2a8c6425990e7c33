import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { migrations } from '../db/migrations/index.js';
import { runOutpost } from '../../test/outpost-binary.js';

const latest = migrations[migrations.length - 1]!.version;

const root = join(import.meta.dirname, '..', '..');

/**
 * Runs the real `outpost` binary (the built bundle), as an operator or a script would; asynchronously, so a
 * test of many runs lets the vitest worker's event loop turn (its RPC times out after 60 s of blocking).
 */
const outpost = (args: string[], env: Record<string, string> = {}) => runOutpost(args, { env });

describe('outpost CLI (built binary, real SQLite file)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: string;
  beforeEach(() => {
    dir = tempDir();
    db = join(dir.path, 'outpost.db');
  });
  afterEach(() => dir.remove());

  it('lists its commands with --help and exits 0', async () => {
    const r = await outpost(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['db', 'audit', 'info', 'settings', '--db <path>', '--json']) expect(r.stdout).toContain(c);
  });

  it('has --help on every level', async () => {
    for (const args of [['db', '--help'], ['db', 'migrate', '--help'], ['audit', 'list', '--help'], ['settings', 'set', '--help']]) {
      const r = await outpost(args);
      expect(r.code, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: outpost /);
    }
  });

  it('migrates a new store and reports it, in text and JSON', async () => {
    const first = await outpost(['--db', db, 'db', 'migrate']);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain(`migrated from version 0 to ${latest}`);
    const again = JSON.parse((await outpost(['--db', db, '--json', 'db', 'migrate'])).stdout) as { from: number; applied: unknown[] };
    expect(again).toMatchObject({ from: latest, to: latest, applied: [] });
  });

  it('lists audit records written by other commands, newest first, as JSON', async () => {
    expect((await outpost(['--db', db, 'settings', 'set', 'operatorName', 'night-shift'])).code).toBe(0);
    expect((await outpost(['--db', db, 'settings', 'set', 'auditPageSize', '50'])).code).toBe(0);
    const r = await outpost(['--db', db, '--json', 'audit', 'list', '--limit', '1']);
    expect(r.code).toBe(0);
    const page = JSON.parse(r.stdout) as { entries: { action: string; target: string; actor: string }[]; nextBeforeId: number | null };
    expect(page.entries).toEqual([expect.objectContaining({ action: 'settings.update', target: 'auditPageSize', actor: 'night-shift' })]);
    expect(page.nextBeforeId).not.toBeNull();
    const text = await outpost(['--db', db, 'audit', 'list']);
    expect(text.stdout).toMatch(/ACTION[\s\S]*settings\.update/);
  });

  it('fails bad input with a one-line error and a non-zero exit, writing nothing', async () => {
    const cases: string[][] = [
      ['--db', db, 'audit', 'list', '--limit', 'abc'],
      ['--db', db, 'audit', 'list', '--limit', '0'],
      ['--db', db, 'nonsense'],
      ['--db', db, 'audit', 'list', '--frobnicate'],
      ['--db', db, 'settings', 'set', 'theme', 'purple'],
      ['--db', db, 'settings', 'set', 'noSuchSetting', '1'],
    ];
    for (const args of cases) {
      const r = await outpost(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr).toMatch(/^outpost: /);
    }
    const audit = JSON.parse((await outpost(['--db', db, '--json', 'audit', 'list'])).stdout) as { entries: unknown[] };
    expect(audit.entries).toEqual([]);
  });

  it('reports a database from a newer Outpost with exit 1 and the code', async () => {
    expect((await outpost(['--db', db, 'db', 'migrate'])).code).toBe(0);
    execFileSync(process.execPath, ['-e', `const D=require(${JSON.stringify(join(root, 'node_modules', 'better-sqlite3'))});const d=new D(${JSON.stringify(db)});d.pragma('user_version = 99');d.close()`]);
    const r = await outpost(['--db', db, 'audit', 'list']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[DB_MIGRATION]');
  });

  it('defaults to the app data dir (OUTPOST_DATA_DIR)', async () => {
    const r = await outpost(['--json', 'info'], { OUTPOST_DATA_DIR: dir.path });
    expect(JSON.parse(r.stdout)).toMatchObject({ dataDir: dir.path, dbPath: join(dir.path, 'outpost.db'), transport: 'cli' });
  });

  it('refuses a --db that is not a store with one line, its code and the file, exit 2, before anything runs', async () => {
    const notes = join(dir.path, 'notes.txt');
    writeFileSync(notes, 'not a database\n'.repeat(100));
    const empty = join(dir.path, 'empty.db');
    writeFileSync(empty, '');
    for (const [file, args] of [
      [notes, ['info']],
      [notes, ['db', 'migrate']],
      [empty, ['settings', 'set', 'operatorName', 'x']],
    ] as const) {
      const r = await outpost(['--db', file, ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(file);
      expect(r.stderr).toMatch(/\[DB_NOT_STORE\]$/m);
      expect(r.stderr).not.toMatch(/INTERNAL|file is not a database/);
    }
    expect(readFileSync(empty).length).toBe(0);
    expect(existsSync(`${empty}-wal`)).toBe(false);
  });

  it('refuses to set up the vault with a short OUTPOST_VAULT_PASSPHRASE (the 12-character minimum holds here too)', async () => {
    const r = await outpost(['--db', db, 'info'], { OUTPOST_VAULT_PASSPHRASE: 'short' });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/at least 12 characters.*\[VALIDATION\]/);
    const ok = await outpost(['--db', db, '--json', 'info'], { OUTPOST_VAULT_PASSPHRASE: 'twelve chars ok' });
    expect(ok.code, ok.stderr).toBe(0);
  });
});
