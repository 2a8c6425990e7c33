// VLAN figures against vcsim: `vlan.list` over every host, a dry run and an apply of one port group
// across a cluster of BENCH_VLAN_HOSTS hosts (default 32), and the idempotent re-run (median of 5 after a warm-up). Each figure is
// the whole contract call (login, host list, one networkInfo read per host, logout). Prints one JSON line.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { startVcsim, vcsimUnavailable } from '../test/peers/vcsim.js';

const unavailable = vcsimUnavailable();
if (unavailable) {
  console.log(JSON.stringify({ bench: 'vlan-ensure', skipped: unavailable }));
  process.exit(0);
}

const hosts = Number(process.env.BENCH_VLAN_HOSTS ?? 32);
const RUNS = 5;
const median = (xs: number[]): number => Math.round([...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! * 10) / 10;
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-vlan-'));
const vc = await startVcsim({ vms: 0, clusters: 1, hosts });
const core = await createOutpostCore({ dataDir: dir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'bench vault passphrase' });
const call = async (command: string, input: unknown): Promise<number> => {
  const t = performance.now();
  const r = await core.dispatch(command, input);
  if (!r.ok) throw new Error(`${command}: ${r.error.message}`);
  return performance.now() - t;
};
try {
  await call('sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
  const ensure = (vlanId: number, dryRun: boolean) => ({ site: 'lab', cluster: 'DC0_C0', nic: 'vmnic0', portGroup: `VLAN${vlanId}`, vlanId, dryRun });
  const list: number[] = [];
  const dry: number[] = [];
  const apply: number[] = [];
  const rerun: number[] = [];
  await call('vlan.list', { site: 'lab' }); // warm-up: first TLS handshake, code paths
  for (let i = 0; i < RUNS; i++) {
    list.push(await call('vlan.list', { site: 'lab' }));
    dry.push(await call('vlan.ensure', ensure(100 + i, true)));
    apply.push(await call('vlan.ensure', ensure(100 + i, false)));
    rerun.push(await call('vlan.ensure', ensure(100 + i, false)));
  }
  console.log(JSON.stringify({ bench: 'vlan-ensure', hosts, listMs: median(list), dryRunMs: median(dry), applyMs: median(apply), idempotentRerunMs: median(rerun), runs: RUNS, peer: 'vcsim 0.24.2 (launcher)' }));
} finally {
  await core.close();
  await vc.stop();
  rmSync(dir, { recursive: true, force: true });
}
