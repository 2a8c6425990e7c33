// Allocations per second from one pool with 1 and 4 writer processes on one store (each writer
// fires its share at once; the unique indexes and retries keep them distinct). Prints one JSON
// line; not a timed test. BENCH_ALLOCATIONS sets the total per run (default 800).
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { z } from 'zod';
import { openStore } from '../core/db/store.js';
import { Ipam } from '../core/ipam/ipam.js';
import { PG_PASSWORD, postgresInstalled, startPostgres, type PgPeer } from '../test/pg-peer.js';

const TOTAL = Number(process.env.BENCH_ALLOCATIONS ?? 800);
const root = process.cwd();
const writer = join(root, 'dist', 'bench', 'team-writer.mjs');
await build({ entryPoints: [join(root, 'test/fixtures/team-writer.ts')], outfile: writer, bundle: true, platform: 'node', format: 'esm', packages: 'external', absWorkingDir: root, logLevel: 'warning' });

const result = z.object({ addresses: z.array(z.string()), ms: z.number() });

function writerRun(store: string, dir: string, n: number): { ready: Promise<void>; done: Promise<z.infer<typeof result>> } {
  const child = spawn(process.execPath, [writer, 'allocate', store, dir, String(n)], { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, PGPASSWORD: PG_PASSWORD } });
  let out = '';
  let onReady!: () => void;
  const ready = new Promise<void>((resolve) => (onReady = resolve));
  child.stdout.on('data', (c: Buffer) => {
    out += c.toString();
    if (out.includes('ready\n')) onReady();
  });
  const done = new Promise<z.infer<typeof result>>((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(result.parse(JSON.parse(out.trim().split('\n').at(-1)!))) : reject(new Error(`writer exited ${code}`)))),
  );
  return { ready, done };
}

async function measure(writers: number, peer: PgPeer | null = null): Promise<{ writers: number; allocations: number; seconds: number; perSecond: number; duplicates: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-alloc-'));
  try {
    const store = peer ? peer.url(await peer.createDatabase()) : join(dir, 'outpost.db');
    const setup = await openStore(store, peer ? { password: PG_PASSWORD } : {});
    await new Ipam(setup.sql).addPool({ name: 'shared', cidr: '10.64.0.0/16', kind: 'private' }, 'bench');
    await setup.close();
    const runs = Array.from({ length: writers }, () => writerRun(store, dir, Math.floor(TOTAL / writers)));
    await Promise.all(runs.map((r) => r.ready));
    const t0 = performance.now();
    writeFileSync(join(dir, 'go'), '');
    const results = await Promise.all(runs.map((r) => r.done));
    const seconds = (performance.now() - t0) / 1000;
    const all = results.flatMap((r) => r.addresses);
    return { writers, allocations: all.length, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(all.length / seconds), duplicates: all.length - new Set(all).size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sqlite = [await measure(1), await measure(4)];
console.log(JSON.stringify({ bench: 'ipam-allocate', engine: 'sqlite', total: TOTAL, runs: sqlite }));
// PostgreSQL: a private cluster (test/pg-peer.ts: loopback, fsync off), when the server binaries are installed.
if (postgresInstalled()) {
  const peer = await startPostgres();
  try {
    const pg = [await measure(1, peer), await measure(4, peer)];
    console.log(JSON.stringify({ bench: 'ipam-allocate', engine: 'postgres', total: TOTAL, runs: pg }));
  } finally {
    await peer.stop();
  }
}
