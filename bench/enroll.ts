// Enrollment end to end on the netns lab: N VMs (default 100), each a real guest (an sshd in its own
// VM namespace with its own /etc overlay and host name) behind a real iptables firewall namespace,
// vcsim reporting their addresses. One `enrollment.start` batch in a core running in the client
// namespace: eligibility, guest login, OS checks, IPAM, NAT, OS actions over SSH, access check
// through the public IP, CMDB. Prints total time, per-step breakdown (mean / p95 / sum of step
// durations), the core process's peak RSS, and the offboarding of the same batch. Target: ≤ 60 s
// for 100 VMs. Setup (namespaces, guests, vcsim, inventory sync) is not timed.
import { join } from 'node:path';
import { createEnrollmentLab, type RunSummary } from '../test/lab/enrollment-lab.js';
import { labAvailable } from '../test/lab/netns-lab.js';
import { vcsimUnavailable } from '../test/peers/vcsim.js';
import { tempDir } from '../test/temp-dir.js';

const VMS = Number(process.env.BENCH_ENROLL_VMS ?? 100);
const CONCURRENCY = Number(process.env.BENCH_ENROLL_CONCURRENCY ?? 16);

const lab = labAvailable();
const why = !lab.ok ? lab.why : vcsimUnavailable();
if (why) {
  process.stdout.write(`${JSON.stringify({ bench: 'enroll', skipped: why })}\n`);
  process.exit(0);
}

const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

function breakdown(runs: RunSummary[]): Record<string, { meanMs: number; p95Ms: number; sumMs: number }> {
  const steps = new Map<string, number[]>();
  for (const r of runs) for (const [name, ms] of Object.entries(r.stepMs)) steps.set(name, [...(steps.get(name) ?? []), ms]);
  return Object.fromEntries(
    [...steps].map(([name, xs]) => [name, { meanMs: Math.round(xs.reduce((a, b) => a + b, 0) / xs.length), p95Ms: percentile(xs, 95), sumMs: xs.reduce((a, b) => a + b, 0) }]),
  );
}

const dir = tempDir('outpost-bench-enroll-');
const setupStarted = performance.now();
const l = await createEnrollmentLab({ vms: VMS, dir: dir.path, sharedHostKey: true });
try {
  const data = join(dir.path, 'data');
  const setup = await l.run(data, l.setupCalls());
  if (!setup.results.every((r) => r.ok)) throw new Error(`setup failed: ${JSON.stringify(setup.results.find((r) => !r.ok))} ${setup.stderr.slice(-2000)}`);
  const setupMs = Math.round(performance.now() - setupStarted);

  const enroll = await l.run(data, [{ command: 'enrollment.start', input: { site: 'lab', vms: l.vmNames, credential: 'guest-root', firewall: 'fw', pool: 'pub', concurrency: CONCURRENCY, osActions: 'builtin' } }]);
  const runs = enroll.results[0]?.runs ?? [];
  const failed = runs.filter((r) => r.state !== 'succeeded');
  const offboard = await l.run(data, [{ command: 'enrollment.offboard', input: { site: 'lab', vms: l.vmNames, concurrency: CONCURRENCY } }]);
  const offRuns = offboard.results[0]?.runs ?? [];

  process.stdout.write(
    `${JSON.stringify({
      bench: 'enroll',
      vms: VMS,
      concurrency: CONCURRENCY,
      succeeded: runs.length - failed.length,
      failed: failed.length,
      firstError: failed[0]?.error ?? null,
      totalMs: enroll.results[0]?.ms ?? null,
      perVmMs: runs.length ? Math.round((enroll.results[0]?.ms ?? 0) / runs.length) : null,
      steps: breakdown(runs),
      peakRssMb: Math.round(enroll.maxRssKb / 1024),
      offboard: { totalMs: offboard.results[0]?.ms ?? null, succeeded: offRuns.filter((r) => r.state === 'succeeded').length, steps: breakdown(offRuns), peakRssMb: Math.round(offboard.maxRssKb / 1024) },
      setupMs,
      targetMs: 60_000,
    })}\n`,
  );
} finally {
  await l.destroy();
  dir.remove();
}
