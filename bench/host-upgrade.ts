// Host-upgrade figures on vcsim (3-host cluster, -host-control) with one loopback sshd per host:
// plan preview latency (live host reads + planner), the rollout's own overhead per host with a
// zero-minute soak (pre-checks, backup, maintenance in/out, reconnect poll at 0.2 s, configuration,
// one probe round), the median duration of each step, and one soak probe round (SSH + log scan +
// vCenter state/alarms). Prints one JSON line. Needs Go/govmomi and openssh-server.
import { z } from 'zod';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PlanPreview, UpgradePlanDetail } from '../core/contract/upgrades.js';
import { createOutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { labPlanInput, prepareUpgradeCore, reinstaller, startUpgradeLab } from '../test/fixtures/upgrade-lab.js';
import { sshdAvailable } from '../test/peers/openssh-server.js';
import { vcsimUnavailable } from '../test/peers/vcsim.js';

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const unavailable = vcsimUnavailable() ?? (sshdAvailable() ? null : 'openssh-server is not installed');
if (unavailable) {
  console.log(JSON.stringify({ bench: 'host-upgrade', skipped: unavailable }));
  process.exit(0);
}

const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-upgrade-'));
const lab = await startUpgradeLab(dir, 3);
const core = await createOutpostCore({ dataDir: dir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'bench vault passphrase' });
const call = async <T>(command: string, input: unknown): Promise<T> => {
  const r = await core.dispatch(command, input, { actor: 'bench' });
  if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
  return r.value as T;
};
try {
  await prepareUpgradeCore(call, lab);
  writeFileSync(lab.backupLog, '');

  const previewMs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    await call<PlanPreview>('upgrade.plan', { site: 'lab', cluster: lab.cluster, targetBuild: '99000001' });
    previewMs.push(performance.now() - t);
  }

  const iso = join(dir, 'iso');
  mkdirSync(join(iso, 'efi', 'boot'), { recursive: true });
  writeFileSync(join(iso, 'boot.cfg'), 'bootstate=0\ntitle=Loading ESXi installer\nprefix=\nkernel=/b.b00\nkernelopt=runweasel\nmodules=/k.b00\nbuild=8.0.3\n');
  for (const f of ['b.b00', 'k.b00', 'efi/boot/bootx64.efi']) writeFileSync(join(iso, f), f);
  const target = '99000002';
  const base = labPlanInput(lab, target);
  const plan = await call<UpgradePlanDetail>('upgrade.create', { ...base, options: { ...(base.options as object), reinstall: { mode: 'pxe', isoDir: iso, outDir: join(dir, 'boot'), httpBase: 'http://10.0.0.2/o', tftpServer: '10.0.0.2' }, soakMinutes: 0 } });
  const play = reinstaller(lab, () => core.sql, target);
  const started = performance.now();
  await call('upgrade.run', { planId: plan.id });
  const done = await core.services.upgrades.whenSettled(plan.id, 50);
  const rolloutMs = performance.now() - started;
  play.stop();

  const steps = await core.sql.all(
    `SELECT s.name, (julianday(s.finished_at) - julianday(s.started_at)) * 86400000 AS ms FROM procedure_steps s JOIN procedures p ON p.id = s.procedure_id WHERE p.kind = 'host.upgrade' AND s.state = 'done' AND s.started_at IS NOT NULL`,
    [],
    z.object({ name: z.string(), ms: z.number() }),
  );
  const byStep: Record<string, number> = {};
  for (const name of new Set(steps.map((s) => s.name))) byStep[name] = Math.round(median(steps.filter((s) => s.name === name).map((s) => s.ms)));

  console.log(
    JSON.stringify({
      bench: 'host-upgrade',
      hosts: 3,
      planPreviewMedianMs: Math.round(median(previewMs)),
      rolloutState: done.state,
      rolloutMs: Math.round(rolloutMs),
      perHostMs: Math.round(rolloutMs / 3),
      stepMedianMs: byStep,
      note: 'zero-minute soak (one probe round); reconnect polled every 0.2 s; the reinstall is the launcher flipping the build (~0.3 s)',
    }),
  );
} finally {
  await core.close();
  await lab.stop();
  rmSync(dir, { recursive: true, force: true });
}
