// Peak memory of a full sync with the RVTools-grade property set: BENCH_VMS (100,000) VMs on
// vcsim (e2e/peers/vcsim), synced by a child process (this file with BENCH_CHILD=1) that opens its
// own core and store, so the figure is the sync process's alone: its peak RSS (VmHWM from
// /proc/self/status). Target: <= 600 MB. vcsim needs ~35 KB and ~4 ms per VM to create them.
// Prints one JSON line; a measurement, not a test.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { startVcsim, vcsimUnavailable } from '../test/peers/vcsim.js';

const VMS = Number(process.env.BENCH_VMS ?? 100_000);

const peakRssMb = (): number => {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
};

if (process.env.BENCH_CHILD === '1') {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-mem-'));
  const core = await createOutpostCore({ dataDir: dir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'bench sync memory passphrase' });
  try {
    const site = JSON.parse(process.env.BENCH_SITE ?? '{}') as { url: string; username: string; password: string; fingerprint: string };
    const added = await core.dispatch('sites.add', { name: 'bench', url: site.url, username: site.username, password: site.password, trustFingerprint: site.fingerprint });
    if (!added.ok) throw new Error(JSON.stringify(added.error));
    const before = peakRssMb();
    const r = await core.dispatch('inventory.sync', { site: 'bench' });
    if (!r.ok) throw new Error(JSON.stringify(r.error));
    const v = r.value as { elapsedMs: number; counts: { vms: number } };
    console.log(JSON.stringify({ vms: v.counts.vms, elapsedMs: v.elapsedMs, peakRssMbBeforeSync: before, peakRssMb: peakRssMb() }));
  } finally {
    await core.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.exit(0);
}

const why = vcsimUnavailable();
if (why) {
  console.log(JSON.stringify({ bench: 'sync-memory', skipped: why }));
  process.exit(0);
}
process.stderr.write(`bench/sync-memory: starting vcsim with ${VMS} VMs\n`);
const t0 = performance.now();
const vc = await startVcsim({ vms: VMS, clusters: Math.max(1, Math.ceil(VMS / 1000)), hosts: 32, timeoutMs: 3_600_000 });
const createMs = Math.round(performance.now() - t0);
try {
  process.stderr.write('bench/sync-memory: full sync in a child process\n');
  const site = JSON.stringify({ url: vc.url, username: vc.username, password: vc.password, fingerprint: vc.fingerprint });
  const r = spawnSync(process.execPath, [process.argv[1]!], { env: { ...process.env, BENCH_CHILD: '1', BENCH_SITE: site }, encoding: 'utf8', timeout: 3_600_000 });
  if (r.status !== 0) throw new Error(`sync child failed: ${r.stderr.slice(-800)}`);
  const child = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as Record<string, number>;
  console.log(JSON.stringify({ bench: 'sync-memory', vms_requested: VMS, vcsim_create_ms: createMs, ...child, target_peak_rss_mb: 600 }));
} finally {
  await vc.stop();
}
