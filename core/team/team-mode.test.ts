import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventName } from '../contract/events.js';
import { atomically } from '../db/sql.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { PG_PASSWORD, startPostgres, type PgPeer } from '../../test/pg-peer.js';
import { tempDir } from '../../test/temp-dir.js';
import { INDEX_LOCK_CLASS, SiteIndexLocks } from './site-index-locks.js';
import { TEAM_FILE } from './team-config.js';

// Team mode against a real PostgreSQL 15 (a private cluster, test/peers/team-postgres.ts): two
// Outpost cores on one database, as two workstations would be.

const kdf = { ...defaultKdf, N: 2 ** 10 };
const passphrase = 'team mode test vault';
const dirs: { remove(): void }[] = [];
let server: PgPeer;

beforeAll(async () => {
  server = await startPostgres();
  process.env.PGPASSWORD = PG_PASSWORD;
}, 30_000);

afterAll(async () => {
  delete process.env.PGPASSWORD;
  await server?.stop();
  for (const d of dirs) d.remove();
});

async function core(db: string, extra: Partial<Parameters<typeof createOutpostCore>[0]> = {}): Promise<OutpostCore> {
  const dir = tempDir('outpost-team-');
  dirs.push(dir);
  return await createOutpostCore({ dataDir: dir.path, dbPath: server.url(db), transport: 'test', checkOutputs: true, passphrase, kdf, ...extra });
}

function recorder(c: OutpostCore): { seen: { event: EventName; payload: unknown; at: number }[]; next(event: EventName, timeoutMs?: number): Promise<unknown> } {
  const seen: { event: EventName; payload: unknown; at: number }[] = [];
  const waiters: { event: EventName; resolve(p: unknown): void }[] = [];
  c.onEvent((event, payload) => {
    seen.push({ event, payload, at: performance.now() });
    for (const w of waiters.splice(0)) if (w.event === event) w.resolve(payload);
      else waiters.push(w);
  });
  return {
    seen,
    next: (event, timeoutMs = 1000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${event} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({ event, resolve: (p) => (clearTimeout(timer), resolve(p)) });
      }),
  };
}

async function until(check: () => Promise<boolean> | boolean, timeoutMs: number): Promise<number> {
  const start = performance.now();
  while (!(await check())) {
    if (performance.now() - start > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return performance.now() - start;
}

describe('team events over LISTEN/NOTIFY', () => {
  let eventsDb = '';
  let a: OutpostCore;
  let b: OutpostCore;
  beforeAll(async () => {
    const db = await server.createDatabase();
    a = await core(db);
    b = await core(db);
    eventsDb = db;
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
  });

  it('delivers a change made on A to B within 1 s, once, and not back to A twice', async () => {
    const onA = recorder(a);
    const onB = recorder(b);
    const audited = onB.next('audit.appended');
    const settings = onB.next('settings.changed');
    const r = await a.dispatch('settings.update', { auditPageSize: 150 });
    expect(r.ok).toBe(true);
    expect(await settings).toMatchObject({ auditPageSize: 150 });
    expect(await audited).toMatchObject({ action: 'settings.update' });
    await new Promise((res) => setTimeout(res, 300));
    expect(onA.seen.filter((e) => e.event === 'audit.appended')).toHaveLength(1);
    expect(onB.seen.filter((e) => e.event === 'audit.appended')).toHaveLength(1);
  });

  it("keeps each workstation's operator name its own; audit rows name operator and workstation", async () => {
    const onB = recorder(b);
    const heard = onB.next('settings.changed');
    expect(await a.dispatch('settings.update', { operatorName: 'alice' })).toMatchObject({ ok: true });
    // B hears that A changed a setting, and shows its own (empty) name, not A's.
    expect(await heard).toMatchObject({ operatorName: '' });
    expect(await b.dispatch('settings.update', { operatorName: 'bob' })).toMatchObject({ ok: true });
    expect(await a.dispatch('settings.get', {})).toMatchObject({ ok: true, value: { operatorName: 'alice' } });
    expect(await b.dispatch('settings.get', {})).toMatchObject({ ok: true, value: { operatorName: 'bob' } });
    // The team's settings stay shared.
    expect(await b.dispatch('settings.update', { auditPageSize: 120 })).toMatchObject({ ok: true });
    expect(await a.dispatch('settings.get', {})).toMatchObject({ ok: true, value: { auditPageSize: 120 } });
    // Each workstation's default actor is its own operator, in the shared audit log, with the workstation.
    expect(await a.dispatch('ipam.pools.add', { name: 'names-a', cidr: '198.51.100.0/28', kind: 'public' })).toMatchObject({ ok: true });
    expect(await b.dispatch('ipam.pools.add', { name: 'names-b', cidr: '198.51.100.16/28', kind: 'public' })).toMatchObject({ ok: true });
    const rows = (await a.services.audit.list({ limit: 50 })).entries.filter((e) => e.action === 'ipam.pool.add');
    expect(rows.map((e) => ({ actor: e.actor, target: e.target, workstation: e.workstation }))).toEqual([
      { actor: 'bob', target: expect.stringContaining('names-b'), workstation: hostname() },
      { actor: 'alice', target: expect.stringContaining('names-a'), workstation: hostname() },
    ]);
    // OUTPOST_OPERATOR still names this process's operator above the setting.
    process.env.OUTPOST_OPERATOR = 'ops-bot';
    try {
      expect(await a.services.defaultActor()).toBe('ops-bot');
    } finally {
      delete process.env.OUTPOST_OPERATOR;
    }
    expect(await b.services.defaultActor()).toBe('bob');
  });

  it('announces nothing for a write that rolled back', async () => {
    const onB = recorder(b);
    await expect(
      atomically(a.sql, async () => {
        await a.services.audit.append({ actor: 'test', action: 'rolled.back' });
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    // A committed write after it: once B has that one, the rolled-back one would have arrived before it.
    const next = onB.next('audit.appended');
    await a.services.audit.append({ actor: 'test', action: 'committed' });
    expect(await next).toMatchObject({ action: 'committed' });
    expect(onB.seen.map((e) => (e.payload as { action?: string }).action)).not.toContain('rolled.back');
  });

  it('ignores a notification that is not a valid contract event', async () => {
    const onB = recorder(b);
    const client = new pg.Client({ connectionString: server.url(eventsDb), password: PG_PASSWORD });
    await client.connect();
    await client.query("SELECT pg_notify('outpost_events', $1)", [JSON.stringify({ o: 'someone', e: 'audit.appended', p: { id: 'x' }, t: 1 })]);
    await client.query("SELECT pg_notify('outpost_events', 'not json')");
    await client.end();
    const next = onB.next('audit.appended');
    await a.services.audit.append({ actor: 'test', action: 'after.garbage' });
    expect(await next).toMatchObject({ action: 'after.garbage' });
    expect(onB.seen).toHaveLength(1);
  });
});

describe('TEAM_OFFLINE', () => {
  it('says so at once, refuses changes, keeps the last known reads, and reconnects by itself', async () => {
    const db = await server.createDatabase();
    const a = await core(db);
    const b = await core(db);
    try {
      expect(await a.dispatch('ipam.pools.add', { name: 'p1', cidr: '198.51.100.0/28', kind: 'public' })).toMatchObject({ ok: true });
      const before = await a.dispatch('ipam.pools.list', {});
      expect(before.ok).toBe(true);
      const status = async (): Promise<{ connected: boolean }> => {
        const r = await a.dispatch('team.status', {});
        if (!r.ok) throw new Error(r.error.message);
        return r.value as { connected: boolean };
      };
      expect((await status()).connected).toBe(true);

      await server.pause();
      const noticedMs = await until(async () => !(await status()).connected, 1000);
      expect(noticedMs).toBeLessThan(1000);
      const refused = await a.dispatch('ipam.pools.add', { name: 'p2', cidr: '198.51.100.16/28', kind: 'public' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'TEAM_OFFLINE' } });
      // The view keeps what it showed: the same read is answered from the last known result.
      expect(await a.dispatch('ipam.pools.list', {})).toEqual(before);
      const st = await a.dispatch('status.get', {});
      expect(st).toMatchObject({ ok: true, value: { team: { engine: 'postgres', connected: false } } });

      await server.resume();
      await until(async () => (await status()).connected, 10_000);
      const onB = recorder(b);
      const seen = onB.next('audit.appended', 5000);
      expect(await a.dispatch('ipam.pools.add', { name: 'p2', cidr: '198.51.100.16/28', kind: 'public' })).toMatchObject({ ok: true });
      // B's listener reconnected by itself too.
      expect(await seen).toMatchObject({ target: 'p2' });
      // Nothing was queued while offline: p2 exists once, made after the recovery.
      const pools = await b.dispatch('ipam.pools.list', {});
      expect(pools.ok && (pools.value as { name: string }[]).map((p) => p.name).sort()).toEqual(['p1', 'p2']);
    } finally {
      await a.close();
      await b.close();
    }
  }, 60_000);
});

describe('one indexer per site (advisory lock)', () => {
  it('moves to another process when the holder is killed with SIGKILL', async () => {
    const url = server.url(await server.createDatabase());
    // The holder: a separate process that takes site 7's index lock and stays.
    const holder = spawn(process.execPath, ['-e', `
      const pg = require('pg');
      const c = new pg.Client({ connectionString: ${JSON.stringify(url)}, password: process.env.PGPASSWORD, application_name: 'outpost/indexer/holder@test/deadbeef' });
      c.connect().then(() => c.query('SELECT pg_try_advisory_lock($1, 7) AS ok', [${INDEX_LOCK_CLASS}])).then((r) => { console.log(r.rows[0].ok ? 'held' : 'busy'); setInterval(() => {}, 1000); });
    `], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = await new Promise<string>((resolve) => holder.stdout!.once('data', (d: Buffer) => resolve(d.toString().trim())));
    expect(ready).toBe('held');
    const log: string[] = [];
    const locks = new SiteIndexLocks({
      connect: () => ({ connectionString: url, password: PG_PASSWORD }),
      sites: async () => [{ id: 7, name: 'dc7' }],
      onAcquired: (s) => void log.push(`+${s.name}`),
      onReleased: (s) => void log.push(`-${s.name}`),
      pollMs: 250,
    });
    try {
      await locks.start();
      await new Promise((r) => setTimeout(r, 600));
      expect(log).toEqual([]); // held elsewhere: this process does not index it
      const killedAt = performance.now();
      holder.kill('SIGKILL');
      await until(() => log.includes('+dc7'), 30_000);
      const takeoverMs = performance.now() - killedAt;
      expect(takeoverMs).toBeLessThan(30_000);
      expect(locks.heldSites().map((s) => s.id)).toEqual([7]);
      // Losing the session (server gone) stops the index at once: never two indexers.
      await server.pause();
      await until(() => log.includes('-dc7'), 5000);
      await server.resume();
      await until(() => log.filter((l) => l === '+dc7').length === 2, 10_000);
    } finally {
      holder.kill('SIGKILL');
      await locks.close();
    }
  }, 60_000);
});

describe('team connect, import and secrets', () => {
  let joinedDb = '';
  it('refuses a wrong password, saves nothing; then saves the connection with the password sealed locally', async () => {
    joinedDb = await server.createDatabase();
    const dir = tempDir('outpost-team-join-');
    dirs.push(dir);
    const local = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, passphrase, kdf });
    try {
      const wrong = await local.dispatch('team.connect', { url: server.url(joinedDb), password: 'not-the-password' });
      expect(wrong).toMatchObject({ ok: false, error: { code: 'DB_AUTH' } });
      expect(() => readFileSync(join(dir.path, TEAM_FILE))).toThrow();
      const inUrl = await local.dispatch('team.connect', { url: server.url(joinedDb).replace('//outpost@', `//outpost:${PG_PASSWORD}@`), password: PG_PASSWORD });
      expect(inUrl).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });

      expect(await local.dispatch('ipam.pools.add', { name: 'home', cidr: '203.0.113.0/28', kind: 'public' })).toMatchObject({ ok: true });
      expect(await local.dispatch('credentials.add', { name: 'guest-admin', username: 'root', secret: { type: 'password', password: 'Sekr1t-guest-pw' } })).toMatchObject({ ok: true });
      const ok = await local.dispatch('team.connect', { url: server.url(joinedDb), password: PG_PASSWORD });
      expect(ok).toMatchObject({ ok: true, value: { tls: false, restartRequired: true } });
      const saved = readFileSync(join(dir.path, TEAM_FILE), 'utf8');
      expect(saved).not.toContain(PG_PASSWORD);
    } finally {
      await local.close();
    }

    // The next start uses the team database (no --db): the password comes from the local vault.
    delete process.env.PGPASSWORD;
    const joined = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, passphrase, kdf });
    try {
      expect(await joined.dispatch('team.status', {})).toMatchObject({ ok: true, value: { engine: 'postgres', connected: true, configured: true } });
      const first = await joined.dispatch('team.import', {});
      expect(first).toMatchObject({ ok: true, value: { copied: true } });
      type Report = { copied: boolean; tables: { table: string; source: number; target: number }[] };
      const tables = first.ok ? (first.value as Report).tables : [];
      expect(tables.find((t) => t.table === 'ip_pools')).toEqual({ table: 'ip_pools', source: 1, target: 1 });
      for (const t of tables.filter((x) => x.table !== 'credentials' && x.table !== 'audit_log')) expect(t.target, t.table).toBe(t.source);
      const again = await joined.dispatch('team.import', {});
      expect(again).toMatchObject({ ok: true, value: { copied: false } });
      expect((again.ok ? (again.value as Report).tables : []).find((t) => t.table === 'ip_pools')).toEqual({ table: 'ip_pools', source: 1, target: 1 });
      expect(await joined.dispatch('ipam.pools.list', {})).toMatchObject({ ok: true, value: [{ name: 'home' }] });
      // A new row after the import gets a fresh id (the identity moved past the copied ones).
      expect(await joined.dispatch('ipam.pools.add', { name: 'team', cidr: '203.0.113.16/28', kind: 'public' })).toMatchObject({ ok: true });
    } finally {
      await joined.close();
    }
    // The import brought this workstation's vault setup along (its sealed credentials open with the same
    // passphrase, a team key the database never sees in clear): the next start unlocks it.
    const restarted = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, passphrase, kdf });
    try {
      const added = await restarted.dispatch('credentials.add', { name: 'team-cred', username: 'ops', secret: { type: 'password', password: 'Another-Sekr1t' } });
      expect(added.ok ? null : added.error).toBeNull();
    } finally {
      await restarted.close();
      process.env.PGPASSWORD = PG_PASSWORD;
    }

    // Item 7: no secret in clear anywhere in the team database (every text and bytea value scanned).
    const client = new pg.Client({ connectionString: server.url(joinedDb), password: PG_PASSWORD });
    await client.connect();
    try {
      const columns = await client.query<{ table_name: string; column_name: string }>(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' AND data_type IN ('text', 'bytea', 'character varying')",
      );
      let scanned = 0;
      for (const c of columns.rows) {
        const rows = await client.query<{ v: string | Buffer | null }>(`SELECT ${pg.escapeIdentifier(c.column_name)} AS v FROM ${pg.escapeIdentifier(c.table_name)}`);
        for (const r of rows.rows) {
          if (r.v === null) continue;
          scanned++;
          const text = Buffer.isBuffer(r.v) ? r.v.toString('latin1') : r.v;
          for (const secret of ['Sekr1t-guest-pw', 'Another-Sekr1t', PG_PASSWORD]) expect(text, `${c.table_name}.${c.column_name}`).not.toContain(secret);
        }
      }
      expect(scanned).toBeGreaterThan(10);
      const teamCred = await client.query("SELECT name FROM credentials WHERE name = 'team:postgres'");
      expect(teamCred.rowCount).toBe(0);
    } finally {
      await client.end();
    }
  }, 60_000);

  it('refuses to import into a database that holds another estate', async () => {
    // The 'joined' database holds the first workstation's estate; a second workstation's is refused.
    const dir = tempDir('outpost-team-other-');
    dirs.push(dir);
    const local = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, passphrase, kdf });
    await local.dispatch('ipam.pools.add', { name: 'other', cidr: '192.0.2.0/28', kind: 'public' });
    await local.close();
    const team = await createOutpostCore({ dataDir: dir.path, dbPath: server.url(joinedDb), transport: 'test', checkOutputs: true, passphrase, kdf });
    try {
      expect(await team.dispatch('team.import', {})).toMatchObject({ ok: false, error: { code: 'ESTATE_MISMATCH' } });
      const pools = await team.dispatch('ipam.pools.list', {});
      expect(pools.ok && (pools.value as { name: string }[]).map((p) => p.name)).not.toContain('other');
    } finally {
      await team.close();
    }
  }, 30_000);

  it('refuses an untrusted server certificate, and connects with its CA', async () => {
    const tls = await startPostgres({ tls: true });
    try {
      const secure = await tls.createDatabase();
      const dir = tempDir('outpost-team-tls-');
      dirs.push(dir);
      const local = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, passphrase, kdf });
      try {
        // localhost is loopback, so plain would be allowed: a CA given asks for verified TLS.
        const wrongCa = tls.otherCa!;
        const untrusted = await local.dispatch('team.connect', { url: tls.url(secure, 'localhost'), password: PG_PASSWORD, ca: wrongCa });
        expect(untrusted).toMatchObject({ ok: false, error: { code: 'TLS_UNTRUSTED' } });
        const trusted = await local.dispatch('team.connect', { url: tls.url(secure, 'localhost'), password: PG_PASSWORD, ca: tls.ca! });
        expect(trusted).toMatchObject({ ok: true, value: { tls: true } });
      } finally {
        await local.close();
      }
    } finally {
      await tls.stop();
    }
  }, 60_000);
});
