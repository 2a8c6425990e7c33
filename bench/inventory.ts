// Inventory figures against vcsim (Outpost's launcher, e2e/peers/vcsim):
//  1. Full sync of BENCH_VMS (10,000) VMs into SQLite, side by side with the govmomi reference
//     reader (bench/govmomi-inventory, started from ../shared/bench/vsphere/govmomi-inventory and
//     reading the same VM property set as the sync, built into .cache/) on the same instance:
//     our full sync (structure + VMs + DB writes, login excluded) vs govmomi's retrieval `ms`,
//     run alternately (ours, govmomi, ours, ...) so both meet the same load on a shared machine.
//  2. Change -> DB latency over BENCH_CHANGES (100) power changes, on a separate 1,000-VM instance:
//     vcsim re-reads every object of a filter per change (see ../shared/bench/vsphere/README.md),
//     so at 10,000 VMs the figure would be the simulator's, not the watcher's. govmomi-watch (K=1)
//     on the same instance gives the simulator's floor for comparison.
// Prints one JSON line; a measurement, not a test. Medians of BENCH_RUNS (3) runs.
import { z } from 'zod';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore, type OutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim.js';
import { VsphereOperator } from '../test/peers/vsphere-operator.js';
import type { AppliedChange } from '../core/inventory/inventory-watcher.js';

const VMS = Number(process.env.BENCH_VMS ?? 10_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const CHANGES = Number(process.env.BENCH_CHANGES ?? 100);
const LATENCY_VMS = Number(process.env.BENCH_LATENCY_VMS ?? 1_000);
const root = join(import.meta.dirname, '..', '..');
// ../shared beside the checkout (the bundle runs from dist/bench/, so root is the repo).
const reference = join(root, '..', 'shared', 'bench', 'vsphere');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const round = (x: number): number => Math.round(x * 10) / 10;

/** Builds a reference reader: the project's own copy in bench/ when there is one, else ../shared's. */
function buildReference(name: string): string | null {
  const own = join(root, 'bench', name);
  const from = existsSync(own) ? join(root, 'bench') : reference;
  if (!existsSync(join(from, name))) return null;
  const binDir = join(root, '.cache', 'bench-bin');
  mkdirSync(binDir, { recursive: true });
  const out = join(binDir, name);
  const r = spawnSync('go', ['build', '-o', out, `./${name}`], {
    cwd: from,
    env: { ...process.env, GOPATH: '/usr/share/gocode', GO111MODULE: 'off', GOCACHE: join(root, '.cache', 'go-build') },
    encoding: 'utf8',
  });
  if (r.status !== 0) {
    console.error(`bench/inventory: cannot build ${name}: ${r.stderr}`);
    return null;
  }
  return out;
}

function credentialsUrl(vc: Vcsim): string {
  const u = new URL(vc.url);
  u.username = vc.username;
  u.password = vc.password;
  return u.toString();
}

function runGo(binary: string, args: string[]): Record<string, number> | null {
  const r = spawnSync(binary, args, { encoding: 'utf8', timeout: 600_000 });
  if (r.status !== 0) {
    console.error(`bench/inventory: ${binary} failed: ${r.stderr.slice(-500)}`);
    return null;
  }
  return JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
}

async function openCore(dir: string): Promise<OutpostCore> {
  return await createOutpostCore({ dataDir: dir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'bench inventory passphrase' });
}

async function addSite(core: OutpostCore, vc: Vcsim): Promise<void> {
  const r = await core.dispatch('sites.add', { name: 'bench', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
  if (!r.ok) throw new Error(JSON.stringify(r.error));
}

/** Our full sync, then (between runs, so both meet the same machine load) the reference readers. */
async function syncFigures(vc: Vcsim, between: () => void): Promise<{ firstMs: number[]; resyncMs: number[]; pages: number; vms: number }> {
  const firstMs: number[] = [];
  const resyncMs: number[] = [];
  let pages = 0;
  let vms = 0;
  for (let i = 0; i < RUNS; i++) {
    if (i > 0) between();
    const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-inv-'));
    const core = await openCore(dir);
    try {
      await addSite(core, vc);
      const first = await core.dispatch('inventory.sync', { site: 'bench' });
      if (!first.ok) throw new Error(JSON.stringify(first.error));
      const v = first.value as { elapsedMs: number; pages: number; counts: { vms: number } };
      firstMs.push(v.elapsedMs);
      pages = v.pages;
      vms = v.counts.vms;
      const again = await core.dispatch('inventory.sync', { site: 'bench' });
      if (again.ok) resyncMs.push((again.value as { elapsedMs: number }).elapsedMs);
    } finally {
      await core.close();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  between();
  return { firstMs, resyncMs, pages, vms };
}

async function latencyFigures(vc: Vcsim): Promise<{ samples: number[]; missed: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-lat-'));
  const core = await openCore(dir);
  const operator = await VsphereOperator.connect(vc);
  const samples: number[] = [];
  let missed = 0;
  try {
    await addSite(core, vc);
    const waiting = new Map<string, (at: number) => void>();
    core.services.inventory.watchTuning = {
      maxWaitSeconds: 30,
      onApplied: (_site: string, changes: readonly AppliedChange[]) => {
        for (const c of changes) waiting.get(c.moref)?.(c.at);
      },
    };
    await core.dispatch('inventory.watch.start', { site: 'bench' });
    const watcher = core.services.inventory.watcher('bench')!;
    while (watcher.current.state !== 'watching') {
      if (watcher.current.state === 'failed') throw new Error(`watcher failed: ${JSON.stringify(watcher.current.lastError)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    const vms = (await core.sql.all("SELECT moref FROM inv_vms WHERE power_state = 'poweredOn' ORDER BY id", [], z.object({ moref: z.string() }))).map((r) => r.moref);
    const readState = async (moref: string) => (await core.sql.get('SELECT power_state FROM inv_vms WHERE moref = ?', [moref], z.object({ power_state: z.string() })))?.power_state;
    for (let i = 0; i < CHANGES; i++) {
      // Off on the first half of the picks, back on for the second: every change is real.
      const moref = vms[(i % Math.ceil(CHANGES / 2)) * Math.floor(vms.length / Math.ceil(CHANGES / 2))]!;
      const method = i < Math.ceil(CHANGES / 2) ? 'PowerOffVM_Task' : 'PowerOnVM_Task';
      const expected = method === 'PowerOffVM_Task' ? 'poweredOff' : 'poweredOn';
      const applied = new Promise<number>((resolve) => {
        const timer = setTimeout(() => resolve(NaN), 15_000);
        waiting.set(moref, (at) => {
          void readState(moref).then((state) => {
            if (state !== expected) return;
            clearTimeout(timer);
            resolve(at);
          });
        });
      });
      await operator.session.invoke(method, { type: 'VirtualMachine', value: moref });
      const issued = performance.now();
      const at = await applied;
      waiting.delete(moref);
      if (Number.isNaN(at)) missed++;
      else samples.push(at - issued);
    }
    await core.dispatch('inventory.watch.stop', { site: 'bench' });
  } finally {
    await operator.close();
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return { samples, missed };
}

const progress = (what: string): void => void process.stderr.write(`bench/inventory: ${what}\n`);
const why = vcsimUnavailable();
if (why) {
  console.log(JSON.stringify({ bench: 'inventory', skipped: why }));
  process.exit(0);
}
const inventoryBin = buildReference('govmomi-inventory');
const watchBin = buildReference('govmomi-watch');

progress(`starting vcsim with ${VMS} VMs`);
const big = await startVcsim({ vms: VMS, clusters: Math.max(1, Math.ceil(VMS / 1000)), hosts: 32, timeoutMs: 900_000 });
let ours: Awaited<ReturnType<typeof syncFigures>>;
const govView: number[] = [];
const govViewTotal: number[] = [];
const govEx: number[] = [];
try {
  progress('Outpost full syncs, each followed by the govmomi reference reader');
  ours = await syncFigures(big, () => {
    if (!inventoryBin) return;
    const view = runGo(inventoryBin, ['-url', credentialsUrl(big), '-insecure', '-mode', 'view']);
    if (view) {
      govView.push(view['ms']!);
      govViewTotal.push(view['ms_total']!);
    }
    const ex = runGo(inventoryBin, ['-url', credentialsUrl(big), '-insecure', '-mode', 'ex', '-page', '1000']);
    if (ex) govEx.push(ex['ms']!);
  });
} finally {
  await big.stop();
}

progress(`starting vcsim with ${LATENCY_VMS} VMs for change latency`);
const small = await startVcsim({ vms: LATENCY_VMS, clusters: 1, hosts: 32 });
let latency: Awaited<ReturnType<typeof latencyFigures>>;
const govWatch: number[] = [];
try {
  progress(`${CHANGES} power changes`);
  latency = await latencyFigures(small);
  if (watchBin) {
    progress('govmomi-watch reference');
    for (let i = 0; i < 5; i++) {
      const w = runGo(watchBin, ['-url', credentialsUrl(small), '-insecure', '-k', '1']);
      if (w) govWatch.push(w['lag_ms_p50']!);
    }
  }
} finally {
  await small.stop();
}

const oursMs = median(ours.firstMs);
console.log(
  JSON.stringify({
    bench: 'inventory',
    vms: ours.vms,
    runs: RUNS,
    outpost_full_sync_ms: oursMs,
    outpost_full_sync_ms_all: ours.firstMs,
    outpost_resync_ms: median(ours.resyncMs),
    outpost_pages: ours.pages,
    govmomi_retrieve_ms_view: round(median(govView)),
    govmomi_total_ms_view: round(median(govViewTotal)),
    govmomi_retrieve_ms_ex_page1000: round(median(govEx)),
    ratio_vs_govmomi_view: Math.round((oursMs / median(govView)) * 100) / 100,
    ratio_vs_govmomi_ex: Math.round((oursMs / median(govEx)) * 100) / 100,
    govmomi_retrieve_ms_view_all: govView,
    // Run i of ours against the govmomi run right after it (same machine load), then the median.
    ratio_vs_govmomi_view_paired: Math.round(median(ours.firstMs.map((o, i) => o / (govView[i] ?? NaN))) * 100) / 100,
    latency_vms: LATENCY_VMS,
    changes: CHANGES,
    change_to_db_ms_p50: round(percentile(latency.samples, 50)),
    change_to_db_ms_p95: round(percentile(latency.samples, 95)),
    change_to_db_ms_max: round(Math.max(...latency.samples)),
    changes_missed: latency.missed,
    govmomi_watch_k1_lag_ms_p50: round(median(govWatch)),
  }),
);
