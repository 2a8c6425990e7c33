// Several Outpost processes writing to one store at once (two workstations on one database): real
// child processes, a real SQLite file (WAL, busy timeout) and a real PostgreSQL cluster (its own,
// started by test/pg-peer.ts), the same code paths the app takes.
// Conflicts must be impossible by construction: the unique indexes and conditional UPDATEs decide.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'esbuild';
import { z } from 'zod';
import { readLedger } from '../../test/fixtures/ledger-procedure.js';
import { tempDir } from '../../test/temp-dir.js';
import { AuditLog } from '../audit/audit-log.js';
import { Ipam } from '../ipam/ipam.js';
import { createOutpostCore } from '../server/core.js';
import { PG_PASSWORD, startPostgres, type PgPeer } from '../../test/pg-peer.js';
import { openStore } from './store.js';

const root = join(import.meta.dirname, '..', '..');
const writer = join(root, 'dist', 'test', 'team-writer.mjs');
const LEASE_MS = 1500;

interface Child {
  proc: ChildProcess;
  lines: string[];
  ready: Promise<void>;
  done: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

function start(args: string[], env: Record<string, string> = {}): Child {
  // PGPASSWORD: the test cluster's password, for the PostgreSQL runs (libpq's own variable).
  const proc = spawn(process.execPath, [writer, ...args], { env: { ...process.env, PGPASSWORD: PG_PASSWORD, OUTPOST_PROCEDURE_LEASE_MS: String(LEASE_MS), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  proc.stdout!.on('data', (c: Buffer) => {
    partial += c.toString();
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const line of parts) {
      if (line === 'ready') onReady();
      else lines.push(line);
    }
  });
  proc.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const done = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) => proc.on('close', (code, signal) => resolve({ code, signal, stderr })));
  return { proc, lines, ready, done };
}

/** Starts the writers, lets them all go at once, and returns each one's last JSON line. */
async function together(dir: string, argsList: string[][]): Promise<unknown[]> {
  rmSync(join(dir, 'go'), { force: true }); // an earlier race's signal
  const children = argsList.map((args) => start(args));
  await Promise.race([Promise.all(children.map((c) => c.ready)), ...children.map((c) => c.done.then((d) => Promise.reject(new Error(`writer ended early: ${d.stderr}`))))]);
  writeFileSync(join(dir, 'go'), '');
  const ends = await Promise.all(children.map((c) => c.done));
  for (const e of ends) expect(e, e.stderr).toMatchObject({ code: 0 });
  return children.map((c) => JSON.parse(c.lines.at(-1)!) as unknown);
}

for (const engine of ['sqlite', 'postgres'] as const) describe(`two processes writing to one store at once (real child processes, real ${engine === 'sqlite' ? 'SQLite file' : 'PostgreSQL'})`, () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  let peer: PgPeer | null = null;
  const fresh = (): string => {
    const d = tempDir();
    dirs.push(d);
    return d.path;
  };
  /** The store every process of one test opens: the folder's SQLite file, or a new PostgreSQL database. */
  const storeIn = async (dir: string): Promise<string> => (peer ? peer.url(await peer.createDatabase()) : join(dir, 'outpost.db'));
  const open = (target: string) => openStore(target, peer ? { password: PG_PASSWORD } : {});

  beforeAll(async () => {
    await build({ entryPoints: [join(root, 'test/fixtures/team-writer.ts')], outfile: writer, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });
    if (engine === 'postgres') {
      peer = await startPostgres();
      process.env.PGPASSWORD = PG_PASSWORD; // the in-process core below opens the store as the app does
    }
  }, 60_000);
  afterAll(async () => {
    await peer?.stop();
    dirs.forEach((d) => d.remove());
  });

  it('2 processes x 200 concurrent allocations from one pool: 400 distinct addresses, each audited once', async () => {
    const dir = fresh();
    const path = await storeIn(dir);
    const setup = await open(path);
    await new Ipam(setup.sql).addPool({ name: 'shared', cidr: '10.40.0.0/22', kind: 'private' }, 'setup');
    await setup.close();

    const results = z.array(z.object({ addresses: z.array(z.string()), ms: z.number() })).parse(await together(dir, [['allocate', path, dir, '200'], ['allocate', path, dir, '200']]));
    const all = results.flatMap((r) => r.addresses);
    expect(all).toHaveLength(400);
    expect(new Set(all).size).toBe(400);

    const db = await open(path);
    try {
      const live = await db.sql.all('SELECT address FROM ip_allocations WHERE released_at IS NULL', [], z.object({ address: z.string() }));
      expect(new Set(live.map((r) => r.address)).size).toBe(400);
      expect(live).toHaveLength(400);
      const audited = await db.sql.get("SELECT count(*) AS n FROM audit_log WHERE action = 'ipam.allocate'", [], z.object({ n: z.number() }));
      expect(audited?.n).toBe(400);
      // The lowest free addresses, none skipped: 10.40.0.1 .. 10.40.1.144.
      expect((await new Ipam(db.sql, new AuditLog(db.sql)).pools())[0]).toMatchObject({ allocated: 400 });
    } finally {
      await db.close();
    }
  }, 60_000);

  it('two operators adding NAT for one public IP at once: one wins, the other gets NAT_CONFLICT', async () => {
    const dir = fresh();
    const path = await storeIn(dir);
    const setup = await createOutpostCore({ dataDir: dir, dbPath: path, transport: 'test' });
    expect(await setup.dispatch('ipam.pools.add', { name: 'pub', cidr: '203.0.113.0/24', kind: 'public' })).toMatchObject({ ok: true });
    expect(await setup.dispatch('firewalls.add', { name: 'fw', driver: 'manual' })).toMatchObject({ ok: true });
    await setup.close();

    const outcomes = z
      .array(z.union([z.object({ refused: z.string() }), z.object({ state: z.string(), error: z.string().nullable() })]))
      .parse(await together(dir, [['nat', path, dir, '10.0.0.5'], ['nat', path, dir, '10.0.0.6']]));
    // The winner's manual firewall waits for the operator to apply the rules; the loser is refused
    // (if the winner's record was already there) or its run rolled back with the conflict.
    const winners = outcomes.filter((o) => 'state' in o && o.state === 'waiting');
    const losers = outcomes.filter((o) => ('refused' in o ? o.refused : o.error) === 'NAT_CONFLICT');
    expect({ winners: winners.length, losers: losers.length }).toEqual({ winners: 1, losers: 1 });

    const db = await open(path);
    try {
      expect(await db.sql.all("SELECT public_ip FROM nat_records WHERE state != 'removed'", [], z.object({ public_ip: z.string() }))).toEqual([{ public_ip: '203.0.113.7' }]);
      expect(await db.sql.all('SELECT address FROM ip_allocations WHERE released_at IS NULL', [], z.object({ address: z.string() }))).toEqual([{ address: '203.0.113.7' }]);
    } finally {
      await db.close();
    }
  }, 60_000);

  it('two workstations creating upgrade plans for one host, then starting two plans, at once: one wins each race, the others get UPGRADE_CONFLICT', async () => {
    const dir = fresh();
    const path = await storeIn(dir);
    const setup = await open(path);
    await setup.sql.run(`INSERT INTO sites (id, name, url, username, created_at) VALUES (1, 'lab', 'https://127.0.0.1/sdk', 'u', ?)`, [new Date().toISOString()]);
    await setup.close();

    const plans = z.array(z.object({ created: z.number(), refused: z.array(z.string()) })).parse(await together(dir, [['plan', path, dir, '10'], ['plan', path, dir, '10']]));
    expect(plans.reduce((n, p) => n + p.created, 0)).toBe(1);
    expect(plans.flatMap((p) => p.refused)).toEqual(Array(19).fill('UPGRADE_CONFLICT'));
    const db = await open(path);
    let winner = '';
    try {
      const rows = await db.sql.all('SELECT id FROM upgrade_plans', [], z.object({ id: z.string() }));
      expect(rows).toHaveLength(1);
      winner = rows[0]!.id;
      // Nothing of the losers was kept (their plans, hosts and claims rolled back).
      expect(await db.sql.get('SELECT count(*) AS n FROM upgrade_plan_hosts', [], z.object({ n: z.number() }))).toEqual({ n: 2 });
      expect(await db.sql.all('SELECT plan_id FROM upgrade_host_claims WHERE host_moref = ?', ['host-9'], z.object({ plan_id: z.string() }))).toEqual([{ plan_id: winner }]);
      // A second plan for other hosts, so both workstations can try to start one.
      await db.sql.run(`INSERT INTO upgrade_plans (id, site_id, cluster, target_version, target_build, options, state, reason, created_at, created_by, updated_at) SELECT 'other', site_id, cluster, target_version, target_build, options, 'draft', NULL, created_at, created_by, updated_at FROM upgrade_plans WHERE id = ?`, [winner]);
    } finally {
      await db.close();
    }
    const runs = z.array(z.union([z.object({ started: z.boolean() }), z.object({ refused: z.string() })])).parse(await together(dir, [['run-plan', path, dir, winner], ['run-plan', path, dir, 'other']]));
    expect(runs.filter((r) => 'started' in r && r.started)).toHaveLength(1);
    expect(runs.filter((r) => 'refused' in r)).toEqual([{ refused: 'UPGRADE_CONFLICT' }]);
  }, 60_000);

  it('kill -9 of the process driving a run: another process resumes it once the lease has run out, no duplicate effect, no lost audit row', async () => {
    // The reference: the same run, undisturbed.
    const clean = fresh();
    const cleanStore = await storeIn(clean);
    const ref = start(['drive', cleanStore, clean]);
    expect((await ref.done).code).toBe(0);
    const refDb = await open(cleanStore);
    const auditRow = z.object({ action: z.string(), outcome: z.string() });
    const reference = await refDb.sql.all('SELECT action, outcome FROM audit_log ORDER BY id', [], auditRow);
    const stepRow = z.object({ name: z.string(), state: z.string() });
    const referenceSteps = await refDb.sql.all('SELECT name, state FROM procedure_steps ORDER BY idx', [], stepRow);
    await refDb.close();

    const dir = fresh();
    const path = await storeIn(dir);
    await (await open(path)).close(); // created (and migrated) before either process opens it
    const watcher = start(['watch', path, dir]);
    await watcher.ready;
    const driver = start(['drive', path, dir], { OUTPOST_FAULT: 'kill-during:test.ledger/apply-rule' });
    const killed = await driver.done;
    expect(killed.signal).toBe('SIGKILL');
    const killedAt = Date.now();

    const db = await open(path);
    const held = await db.sql.get('SELECT runner, lease_until FROM procedures', [], z.object({ runner: z.string().nullable(), lease_until: z.string().nullable() }));
    await db.close();
    // The dead driver still holds the lease: nobody may take the run before it runs out.
    expect(held?.runner).toContain(String(driver.proc.pid));
    const leaseEnd = Date.parse(held!.lease_until!);
    expect(leaseEnd).toBeGreaterThan(killedAt - 50);

    const end = await watcher.done;
    expect(end.code, end.stderr).toBe(0);
    const settled = z.object({ id: z.string(), state: z.string(), settledAt: z.number() }).parse(JSON.parse(watcher.lines.at(-1)!));
    expect(settled.state).toBe('succeeded');
    expect(settled.settledAt).toBeGreaterThanOrEqual(leaseEnd);
    expect(settled.settledAt - killedAt).toBeLessThan(LEASE_MS * 4);

    const after = await open(path);
    try {
      expect(await after.sql.all('SELECT action, outcome FROM audit_log ORDER BY id', [], auditRow)).toEqual(reference);
      expect(await after.sql.all('SELECT name, state FROM procedure_steps ORDER BY idx', [], stepRow)).toEqual(referenceSteps);
      // The resumed run names who drove its steps after the takeover, and where it started.
      expect(await after.sql.get('SELECT created_by, workstation, runner FROM procedures', [], z.object({ created_by: z.string(), workstation: z.string().nullable(), runner: z.string().nullable() }))).toMatchObject({
        created_by: 'alice',
        workstation: expect.any(String),
        runner: null,
      });
    } finally {
      await after.close();
    }
    expect(readLedger(join(dir, 'ledger.json'))).toEqual(readLedger(join(clean, 'ledger.json')));
    // The interrupted step ran again (an ensure) and no step ran a third time.
    const calls = readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n');
    expect(calls.filter((c) => c === 'run:apply-rule')).toHaveLength(2);
    expect(calls.filter((c) => c === 'run:reserve')).toHaveLength(1);
  }, 60_000);
});
