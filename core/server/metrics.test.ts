import { createSocket, type Socket } from 'node:dgram';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { tempDir } from '../../test/temp-dir.js';
import type { MetricSnapshot, ProcessMetrics } from '../contract/metrics.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { createOutpostCore, type OutpostCore } from './core.js';
import { until } from '../../test/until.js';
import { dispatchOrThrow } from '../../test/dispatch-or-throw.js';
import { labSite } from '../../test/fixtures/vcsim-hooks.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`metrics tests skipped: ${unavailable}`);


const metric = (metrics: readonly MetricSnapshot[], name: string): MetricSnapshot | undefined => metrics.find((m) => m.name === name);

/**
 * The metrics of a long-running core (liveIndex, as app, host and serve run it) against vcsim:
 * the watcher's sync, the stored events' lag, a procedure's steps and a command's error code are
 * measured; the snapshot lands in the store for `outpost metrics`; statsd gets UDP datagrams on a
 * real socket bound to 127.0.0.1.
 */
describe.skipIf(unavailable !== null)('metrics of a long-running core (vcsim, UDP statsd on loopback)', () => {
  let vc: Vcsim;
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let statsd: Socket;
  const datagrams: string[] = [];

  const call = dispatchOrThrow(() => core);

  beforeAll(async () => {
    vc = await startVcsim({ vms: 4, clusters: 1, hosts: 1 });
    statsd = createSocket('udp4');
    statsd.on('message', (m) => datagrams.push(m.toString('utf8')));
    await new Promise<void>((resolve) => statsd.bind(0, '127.0.0.1', resolve));
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'metrics tests', liveIndex: 'prefer' });
    core.services.inventory.watchTuning = { backoff: { initialMs: 100, maxMs: 1_000 }, maxWaitSeconds: 2 };
  }, 120_000);
  afterAll(async () => {
    await core?.services.inventory.close();
    await core?.close();
    statsd?.close();
    dir?.remove();
    await vc?.stop();
  });

  it('measures the sync, event lag, procedure steps and errors by code; writes them for outpost metrics; pushes to statsd', async () => {
    await call('settings.update', { metricsStatsd: `127.0.0.1:${statsd.address().port}` });
    await call('sites.add', labSite(vc));
    await until('the site is live', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');
    // An error with a stable code, and a procedure with steps (a manual firewall: it stops at its gate).
    expect((await core.dispatch('vms.list', { site: 'nowhere' })).ok).toBe(false);
    await call('firewalls.add', { name: 'fw', driver: 'manual' });
    await call('ipam.pools.add', { name: 'pub', cidr: '203.0.113.0/28', kind: 'public' });
    await call('nat.add', { firewall: 'fw', privateIp: '10.1.2.3', pool: 'pub' });

    const snap = await until(
      'step metrics',
      () => core.services.metrics.registry.snapshot().metrics,
      (m) => (metric(m, 'outpost_procedure_steps_total')?.series.length ?? 0) >= 2,
    );
    const sync = metric(snap, 'outpost_inventory_sync_seconds')!.series.find((s) => s.labels.site === 'lab')!;
    expect(sync.count).toBe(1);
    expect(sync.value).toBeGreaterThan(0);
    expect(metric(snap, 'outpost_inventory_watch_up')!.series).toEqual([{ labels: { site: 'lab' }, value: 1 }]);
    expect(metric(snap, 'outpost_vcenter_event_lag_seconds')!.series[0]!.count).toBeGreaterThan(0);
    expect(metric(snap, 'outpost_errors_total')!.series).toContainEqual({ labels: { where: 'command', code: 'NOT_FOUND' }, value: 1 });
    expect(metric(snap, 'outpost_procedure_steps_total')!.series).toContainEqual({ labels: { kind: 'nat.add', step: 'allocate-public-ip', outcome: 'done' }, value: 1 });
    expect(metric(snap, 'outpost_procedure_step_seconds')!.series.find((s) => s.labels.step === 'record')?.count).toBe(1);

    // Published: the store row another process reads, and UDP datagrams in statsd's line format.
    await core.services.metrics.flush();
    const listed = await call<ProcessMetrics[]>('metrics.list', {});
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ pid: process.pid, role: 'test', stale: false });
    expect(metric(listed[0]!.snapshot.metrics, 'outpost_errors_total')!.series).toContainEqual({ labels: { where: 'command', code: 'NOT_FOUND' }, value: 1 });
    const lines = await until('statsd datagrams', () => datagrams.flatMap((d) => d.split('\n')), (l) => l.some((x) => x.startsWith('outpost.errors_total.')));
    expect(lines).toContain('outpost.errors_total.code_NOT_FOUND.where_command:1|c');
    expect(lines).toContain('outpost.inventory_sync_seconds.site_lab.count:1|c');
    expect(lines.every((l) => /^[A-Za-z0-9_.-]+:-?[0-9.e+-]+\|(c|g)$/.test(l))).toBe(true);
    expect(datagrams.every((d) => Buffer.byteLength(d) <= 1_400)).toBe(true);
  });

  it('refuses a statsd target that is not host:port before storing it', async () => {
    const r = await core.dispatch('settings.update', { metricsStatsd: 'not a target' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('VALIDATION');
  });
});
