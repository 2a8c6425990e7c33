// Team-mode engine figures (issue 14): PostgreSQL 15 (a private cluster, test/pg-peer.ts) beside
// SQLite, same machine, same run:
//  1. Full sync of BENCH_VMS (10,000) VMs from vcsim into PostgreSQL vs SQLite vs the govmomi
//     reference reader (../shared/bench/vsphere/govmomi-inventory), run alternately so all three
//     meet the same load; medians of BENCH_RUNS (3), and the ratios.
//  2. VM search on PostgreSQL at BENCH_SEARCH_VMS (50,000) seeded VMs: p50/p95 of vms.list
//     (limit 200) over typed prefixes of names, addresses and guest OS (target p95 <= 50 ms).
//  3. IP allocations per second on PostgreSQL with 1 and 4 writers (each writer its own
//     connection pool, as separate workstations), and the duplicates found afterwards (must be 0).
// Prints one JSON line; a measurement, not a test. The cluster runs with fsync=off (as in the
// tests), so PostgreSQL's write figures exclude disk syncs; SQLite's include them (synchronous=FULL).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { openStore } from '../core/db/store.js';
import { Ipam } from '../core/ipam/ipam.js';
import { createOutpostCore, type OutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { PG_PASSWORD, postgresInstalled, startPostgres, type PgPeer } from '../test/pg-peer.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim.js';
import { seedVms } from '../test/seed-vms.js';

const VMS = Number(process.env.BENCH_VMS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SEARCH_VMS = Number(process.env.BENCH_SEARCH_VMS ?? 50_000);
const ALLOCATIONS = Number(process.env.BENCH_ALLOCATIONS ?? 400);
const root = join(import.meta.dirname, '..', '..');
// ../shared beside the checkout, or beside the folder of worktrees.
const reference = [join(root, '..', 'shared', 'bench', 'vsphere'), join(root, '..', '..', 'shared', 'bench', 'vsphere')].find((d) => existsSync(d)) ?? '';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const round = (x: number): number => Math.round(x * 10) / 10;
const progress = (what: string): void => void process.stderr.write(`bench/pg-sync: ${what}\n`);

function buildReference(name: string): string | null {
  if (!existsSync(join(reference, name))) return null;
  const binDir = join(root, '.cache', 'bench-bin');
  mkdirSync(binDir, { recursive: true });
  const out = join(binDir, name);
  const r = spawnSync('go', ['build', '-o', out, `./${name}`], {
    cwd: reference,
    env: { ...process.env, GOPATH: '/usr/share/gocode', GO111MODULE: 'off', GOCACHE: join(root, '.cache', 'go-build') },
    encoding: 'utf8',
  });
  return r.status === 0 ? out : null;
}

function govmomiMs(binary: string, vc: Vcsim): number | null {
  const u = new URL(vc.url);
  u.username = vc.username;
  u.password = vc.password;
  const r = spawnSync(binary, ['-url', u.toString(), '-insecure', '-mode', 'view'], { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) return null;
  const figures = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  return figures['ms'] ?? null;
}

async function openCore(dir: string, dbPath?: string): Promise<OutpostCore> {
  return await createOutpostCore({ dataDir: dir, ...(dbPath ? { dbPath } : {}), transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'bench pg passphrase' });
}

/** One full sync into a fresh store (an SQLite file in a temp folder, or a fresh PostgreSQL database); its elapsedMs. */
async function fullSync(vc: Vcsim, peer: PgPeer | null): Promise<number> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-pg-'));
  const core = await openCore(dir, peer ? peer.url(await peer.createDatabase()) : undefined);
  try {
    const added = await core.dispatch('sites.add', { name: 'bench', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
    if (!added.ok) throw new Error(JSON.stringify(added.error));
    const r = await core.dispatch('inventory.sync', { site: 'bench' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const v = r.value as { elapsedMs: number; counts: { vms: number } };
    if (v.counts.vms !== VMS) throw new Error(`synced ${v.counts.vms} VMs, expected ${VMS}`);
    return v.elapsedMs;
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function searchFigures(peer: PgPeer): Promise<{ samples: number[]; queries: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-pgs-'));
  const core = await openCore(dir, peer.url(await peer.createDatabase()));
  try {
    progress(`seeding ${SEARCH_VMS} VMs into PostgreSQL`);
    await seedVms(core.sql, SEARCH_VMS, 'bench');
    await core.sql.run('ANALYZE inv_vms');
    // What an operator types, keystroke by keystroke: names, addresses, guest OS, host names.
    const words = ['web-00042', '10.0.12.7', 'windows', 'db-01', 'cache-4', 'ubuntu', 'bench.internal', 'app-0999', 'zzz-nothing'];
    const queries = words.flatMap((w) => Array.from({ length: w.length }, (_, i) => w.slice(0, i + 1)));
    const samples: number[] = [];
    for (const query of queries) {
      const t0 = performance.now();
      const r = await core.dispatch('vms.list', { query, limit: 200 });
      samples.push(performance.now() - t0);
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    }
    return { samples, queries: queries.length };
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** `writers` separate pools allocate ALLOCATIONS addresses in all from one pool at once. */
async function allocationFigures(peer: PgPeer, writers: number): Promise<{ perSecond: number; duplicates: number }> {
  const target = peer.url(await peer.createDatabase());
  const stores = await Promise.all(Array.from({ length: writers }, () => openStore(target, { password: PG_PASSWORD })));
  try {
    const ipams = stores.map((s) => new Ipam(s.sql));
    await ipams[0]!.addPool({ name: 'bench', cidr: '10.64.0.0/16', kind: 'private' }, 'bench');
    const each = Math.ceil(ALLOCATIONS / writers);
    const t0 = performance.now();
    await Promise.all(
      ipams.map(async (ipam, w) => {
        for (let i = 0; i < each; i++) await ipam.allocate({ pool: 'bench', owner: `vm:${w}-${i}`, purpose: 'private' }, `writer-${w}`);
      }),
    );
    const seconds = (performance.now() - t0) / 1000;
    const dup = await stores[0]!.sql.get(
      'SELECT count(*) - count(DISTINCT address) AS n FROM ip_allocations WHERE released_at IS NULL',
      [],
      z.object({ n: z.number() }),
    );
    return { perSecond: round((each * writers) / seconds), duplicates: dup?.n ?? -1 };
  } finally {
    await Promise.all(stores.map((s) => s.close()));
  }
}

const why = vcsimUnavailable() ?? (postgresInstalled() ? null : 'PostgreSQL 15 is not installed (apt-get install postgresql postgresql-contrib)');
if (why) {
  console.log(JSON.stringify({ bench: 'pg-sync', skipped: why }));
  process.exit(0);
}
const inventoryBin = buildReference('govmomi-inventory');
progress('starting PostgreSQL');
const peer = await startPostgres();
process.env['PGPASSWORD'] = PG_PASSWORD;
try {
  progress(`starting vcsim with ${VMS} VMs`);
  const vc = await startVcsim({ vms: VMS, clusters: Math.max(1, Math.ceil(VMS / 1000)), hosts: 32, timeoutMs: 900_000 });
  const pgMs: number[] = [];
  const sqliteMs: number[] = [];
  const govMs: number[] = [];
  try {
    for (let i = 0; i < RUNS; i++) {
      progress(`round ${i + 1}/${RUNS}: PostgreSQL, SQLite, govmomi`);
      pgMs.push(await fullSync(vc, peer));
      sqliteMs.push(await fullSync(vc, null));
      const g = inventoryBin ? govmomiMs(inventoryBin, vc) : null;
      if (g !== null) govMs.push(g);
    }
  } finally {
    await vc.stop();
  }
  const search = await searchFigures(peer);
  progress('allocations, 1 and 4 writers');
  const one = await allocationFigures(peer, 1);
  const four = await allocationFigures(peer, 4);
  const pg = median(pgMs);
  const lite = median(sqliteMs);
  const gov = govMs.length ? median(govMs) : null;
  console.log(
    JSON.stringify({
      bench: 'pg-sync',
      vms: VMS,
      runs: RUNS,
      fullSyncMs: { postgres: round(pg), sqlite: round(lite), govmomi: gov === null ? null : round(gov) },
      ratios: { postgresToSqlite: round(pg / lite * 100) / 100, postgresToGovmomi: gov === null ? null : round(pg / gov * 100) / 100, sqliteToGovmomi: gov === null ? null : round(lite / gov * 100) / 100 },
      searchOnPostgres: { vms: SEARCH_VMS, queries: search.queries, p50Ms: round(percentile(search.samples, 50)), p95Ms: round(percentile(search.samples, 95)), maxMs: round(Math.max(...search.samples)) },
      allocationsPerSecondOnPostgres: { oneWriter: one.perSecond, fourWriters: four.perSecond, duplicates: one.duplicates + four.duplicates },
    }),
  );
} finally {
  await peer.stop();
}
