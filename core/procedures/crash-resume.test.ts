import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { spawnAsync } from '../../test/spawn-async.js';
import { tempDir } from '../../test/temp-dir.js';
import { readLedger } from '../../test/fixtures/ledger-procedure.js';
import { openStore } from '../db/store.js';
import { PG_PASSWORD, startPostgres, type PgPeer } from '../../test/pg-peer.js';

const root = join(import.meta.dirname, '..', '..');
// Bundled inside the checkout so that its packages resolve from node_modules.
const runner = join(root, 'dist', 'test', 'procedure-crash-runner.mjs');

/** The store of a test's folder: its SQLite file, or (on PostgreSQL) a fresh database whose URL the folder records. */
const targets = new Map<string, string>();
const target = (dir: string): string => targets.get(dir) ?? join(dir, 'outpost.db');

/** One runner process (asynchronous: the vitest worker's event loop turns while it works). */
async function run(mode: 'start' | 'resume', dir: string, fault?: string, failAt?: string): Promise<{ signal: NodeJS.Signals | null; states: string[] }> {
  const env = { ...process.env, OUTPOST_FAULT: fault ?? '', OUTPOST_TEST_DB: targets.get(dir) ?? '', PGPASSWORD: PG_PASSWORD };
  const r = await spawnAsync(process.execPath, [runner, mode, dir, ...(failAt ? [failAt] : [])], { env, timeout: 20_000 });
  if (r.signal === null && r.status !== 0) throw new Error(`runner ${mode} failed: ${r.stderr}`);
  return { signal: r.signal, states: r.signal ? [] : (JSON.parse(r.stdout) as string[]) };
}

/** Everything a crash could corrupt: the world, the run's steps, and the audit trail. */
async function endState(dir: string) {
  const db = await openStore(target(dir), { password: PG_PASSWORD });
  try {
    const steps = await db.sql.all('SELECT name, state FROM procedure_steps ORDER BY idx', [], z.object({ name: z.string(), state: z.string() }));
    const audit = await db.sql.all('SELECT action, outcome FROM audit_log ORDER BY id', [], z.object({ action: z.string(), outcome: z.string() }));
    const procs = await db.sql.all('SELECT state FROM procedures', [], z.object({ state: z.string() }));
    return { ledger: readLedger(join(dir, 'ledger.json')), steps, audit, procs };
  } finally {
    await db.close();
  }
}

const STEPS = ['reserve', 'apply-rule', 'record'];

for (const engine of ['sqlite', 'postgres'] as const) describe(`procedures survive kill -9 at every step (real child processes, real ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'})`, () => {
  let peer: PgPeer | null = null;
  /** A test folder, with a fresh database of its own on PostgreSQL. */
  const newDir = async (): Promise<ReturnType<typeof tempDir>> => {
    const dir = tempDir();
    if (peer) targets.set(dir.path, peer.url(await peer.createDatabase()));
    return dir;
  };
  afterAll(async () => {
    await peer?.stop();
  });
  let reference: Awaited<ReturnType<typeof endState>>;
  let rolledBack: Awaited<ReturnType<typeof endState>>;

  beforeAll(async () => {
    await build({ entryPoints: [join(root, 'test/fixtures/procedure-crash-runner.ts')], outfile: runner, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
    if (engine === 'postgres') peer = await startPostgres();
    const clean = await newDir();
    expect((await run('start', clean.path)).states).toEqual(['succeeded']);
    reference = await endState(clean.path);
    clean.remove();
    const failing = await newDir();
    expect((await run('start', failing.path, undefined, 'record')).states).toEqual(['rolled-back']);
    rolledBack = await endState(failing.path);
    failing.remove();
  }, 60_000);

  for (const phase of ['kill-before', 'kill-during', 'kill-after'] as const) {
    for (const step of STEPS) {
      it(`${phase} "${step}": resumes to the same end state, no duplicate effect, no lost audit record`, async () => {
        const dir = await newDir();
        try {
          const first = await run('start', dir.path, `${phase}:test.ledger/${step}`);
          expect(first.signal).toBe('SIGKILL');
          expect((await run('resume', dir.path)).states).toEqual(['succeeded']);
          const after = await endState(dir.path);
          expect(after.ledger).toEqual(reference.ledger);
          expect(after.steps).toEqual(reference.steps);
          expect(after.procs).toEqual(reference.procs);
          expect(after.audit).toEqual(reference.audit);
          // A step interrupted before it committed runs again (idempotently); none runs a third time.
          const calls = readFileSync(join(dir.path, 'calls.log'), 'utf8').trim().split('\n');
          for (const s of STEPS) expect(calls.filter((c) => c === `run:${s}`).length).toBeLessThanOrEqual(phase === 'kill-after' || s !== step ? 1 : 2);
        } finally {
          dir.remove();
        }
      });
    }
  }

  for (const step of ['apply-rule', 'reserve']) {
    it(`kill-after-undo "${step}" during a rollback: resumes the rollback to a clean world`, async () => {
      const dir = tempDir();
      try {
        expect((await run('start', dir.path, `kill-after-undo:test.ledger/${step}`, 'record')).signal).toBe('SIGKILL');
        expect((await run('resume', dir.path)).states).toEqual(['rolled-back']);
        const after = await endState(dir.path);
        expect(after.ledger).toEqual({ reserved: [], rules: [], records: [] });
        expect(after.steps).toEqual(rolledBack.steps);
        expect(after.audit).toEqual(rolledBack.audit);
      } finally {
        dir.remove();
      }
    });
  }
});
