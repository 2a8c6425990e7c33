import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { makeCertificate } from '../../test/peers/soap-test-server.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { tempDir } from '../../test/temp-dir.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { untilWithin } from '../../test/until.js';

const unavailable = vcsimUnavailable();

const until = untilWithin(30_000);

describe.skipIf(unavailable !== null)('inventory watcher: recovery after a vcsim restart (same port and certificate), several sites', () => {
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let vc: Vcsim | null = null;
  beforeAll(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'recovery tests passphrase' });
    core.services.inventory.watchTuning = { backoff: { initialMs: 100, maxMs: 500 }, maxWaitSeconds: 2 };
  });
  afterAll(async () => {
    await core?.services.inventory.close();
    await core?.close();
    await vc?.stop();
    dir?.remove();
  });

  it('reconnects with backoff after vcsim restarts mid-watch and resyncs without losing or duplicating rows', async () => {
    const cert = makeCertificate(dir.path);
    const topology = { clusters: 1, hosts: 3, certFile: cert.cert, keyFile: cert.key };
    vc = await startVcsim({ vms: 12, ...topology });
    const listen = new URL(vc.url).host;
    const added = await core.dispatch('sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
    expect(added.ok).toBe(true);
    expect((await core.dispatch('inventory.watch.start', { site: 'lab' })).ok).toBe(true);
    const watcher = core.services.inventory.watcher('lab')!;
    await until('first sync', () => watcher.current, (s) => s.state === 'watching');
    const live = () => core.sql.all('SELECT moref, name, power_state FROM inv_vms WHERE removed_at IS NULL ORDER BY moref', [], z.object({ moref: z.string(), name: z.string(), power_state: z.string() }));
    const before = await live();
    expect(before).toHaveLength(12);

    await vc.stop();
    vc = null;
    await until('the watcher notices', () => watcher.current, (s) => s.state === 'backoff' && s.reconnects >= 1);
    expect(await live()).toHaveLength(12); // a lost connection removes nothing

    vc = await startVcsim({ vms: 10, listen, ...topology }); // two VMs fewer after the "restart"
    await until('resync', () => watcher.current, (s) => s.state === 'watching' && s.syncs >= 2);
    const after = await live();
    expect(after).toHaveLength(10);
    expect(after.map((v) => v.name)).toEqual(before.map((v) => v.name).filter((n) => after.some((a) => a.name === n)));
    const all = await core.sql.get('SELECT count(*) AS n, count(DISTINCT moref) AS d, sum(removed_at IS NOT NULL) AS removed FROM inv_vms', [], z.object({ n: z.number(), d: z.number(), removed: z.number() }));
    expect(all).toEqual({ n: 12, d: 12, removed: 2 });

    // And it is live again: a change on the new instance reaches the DB.
    const operator = await VsphereOperator.connect(vc);
    try {
      await operator.power(after[0]!.moref, 'off');
      await until('change after recovery', async () => (await live()).find((v) => v.moref === after[0]!.moref)?.power_state, (s) => s === 'poweredOff');
    } finally {
      await operator.close();
    }
    expect((await core.dispatch('inventory.watch.stop', { site: 'lab' })).ok).toBe(true);
  }, 90_000);

  it('vcsim gone in the middle of a full sync: the sync fails cleanly (nothing marked removed, last good sync kept); the watcher recovers', async () => {
    await vc?.stop(); // the previous test leaves its simulator for afterAll
    vc = null;
    const cert = makeCertificate(dir.path);
    const topology = { clusters: 1, hosts: 3, certFile: cert.cert, keyFile: cert.key };
    vc = await startVcsim({ vms: 30, ...topology });
    const listen = new URL(vc.url).host;
    expect((await core.dispatch('sites.add', { name: 'midsync', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint })).ok).toBe(true);
    const good = await core.dispatch('inventory.sync', { site: 'midsync' });
    expect(good.ok).toBe(true);
    const siteRow = async () => (await core.sql.get("SELECT id, last_sync_at, last_error FROM sites WHERE name = 'midsync'", [], z.object({ id: z.number(), last_sync_at: z.string(), last_error: z.string().nullable() })))!;
    const site = await siteRow();
    const rows = () => core.sql.get('SELECT count(*) AS n, sum(removed_at IS NOT NULL) AS removed FROM inv_vms WHERE site_id = ?', [site.id], z.object({ n: z.number(), removed: z.number() }));
    const removedAnywhere = async () => {
      let n = 0;
      for (const t of ['inv_datacenters', 'inv_clusters', 'inv_hosts', 'inv_networks', 'inv_datastores', 'inv_vms']) {
        n += (await core.sql.get(`SELECT count(*) AS n FROM ${t} WHERE site_id = ? AND removed_at IS NOT NULL`, [site.id], z.object({ n: z.number() })))!.n;
      }
      return n;
    };
    expect(await rows()).toEqual({ n: 30, removed: 0 });

    // A watcher runs beside the sync; vcsim goes away as soon as the second sync has stored its first VM page.
    expect((await core.dispatch('inventory.watch.start', { site: 'midsync' })).ok).toBe(true);
    const watcher = core.services.inventory.watcher('midsync')!;
    await until('watching', () => watcher.current, (s) => s.state === 'watching');
    const lastGood = (await siteRow()).last_sync_at; // the watcher's snapshot counts as a complete sync too
    let stopping: Promise<void> | null = null;
    const pagesSeen: number[] = [];
    const off = core.onEvent((event, payload) => {
      const p = payload as { site: string; phase: string; counts: { vms: number } };
      if (event !== 'inventory.sync.progress' || p.site !== 'midsync' || p.phase !== 'vms') return;
      pagesSeen.push(p.counts.vms);
      if (!stopping && vc) {
        const peer = vc;
        vc = null;
        stopping = peer.stop();
      }
    });
    const failed = await core.dispatch('inventory.sync', { site: 'midsync', pageSize: 2 });
    off();
    await stopping;
    expect(failed.ok).toBe(false);
    if (!failed.ok) expect(['UNREACHABLE', 'VCENTER_PROTOCOL', 'TIMEOUT']).toContain(failed.error.code);
    expect(pagesSeen[0]).toBe(2);
    expect(pagesSeen.at(-1)!).toBeLessThan(30); // it really stopped part-way
    expect(await rows()).toEqual({ n: 30, removed: 0 }); // nothing half-marked as removed
    expect(await removedAnywhere()).toBe(0);
    expect((await siteRow()).last_sync_at).toBe(lastGood); // the last complete sync still stands
    expect(JSON.parse((await siteRow()).last_error!)).toMatchObject({ code: failed.ok ? '' : failed.error.code });

    await until('the watcher notices', () => watcher.current, (s) => s.state === 'backoff' && s.reconnects >= 1);
    vc = await startVcsim({ vms: 30, listen, ...topology });
    await until('the watcher resyncs', () => watcher.current, (s) => s.state === 'watching' && s.syncs >= 2);
    expect(await rows()).toEqual({ n: 30, removed: 0 });
    const again = await core.dispatch('inventory.sync', { site: 'midsync' });
    expect(again).toMatchObject({ ok: true, value: { counts: { vms: 30 }, removed: 0 } });
    expect((await siteRow()).last_error).toBeNull();
    expect((await core.dispatch('inventory.watch.stop', { site: 'midsync' })).ok).toBe(true);
    await vc.stop();
    vc = null;
  }, 120_000);

  it('watches several sites at once, each change landing in its own site', async () => {
    const [a, b] = await Promise.all([startVcsim({ vms: 4, clusters: 1, hosts: 2 }), startVcsim({ vms: 6, clusters: 1, hosts: 2 })]);
    try {
      for (const [name, peer] of [['alpha', a], ['beta', b]] as const) {
        expect((await core.dispatch('sites.add', { name, url: peer.url, username: peer.username, password: peer.password, trustFingerprint: peer.fingerprint })).ok).toBe(true);
        expect((await core.dispatch('inventory.watch.start', { site: name })).ok).toBe(true);
      }
      await until('both watching', () => core.services.inventory.watchStatus(), (s) => s.filter((w) => w.state === 'watching').length === 2);
      const bySite = (site: string) => core.sql.all('SELECT v.moref, v.name, v.power_state FROM inv_vms v JOIN sites s ON s.id = v.site_id WHERE s.name = ? AND v.removed_at IS NULL ORDER BY v.moref', [site], z.object({ moref: z.string(), name: z.string(), power_state: z.string() }));
      expect(await bySite('alpha')).toHaveLength(4);
      expect(await bySite('beta')).toHaveLength(6);
      // vcsim numbers objects alike, so both sites hold the same morefs: rows are kept apart by site.
      const shared = (await bySite('alpha'))[0]!.moref;
      expect((await bySite('beta')).some((v) => v.moref === shared)).toBe(true);
      const operator = await VsphereOperator.connect(b);
      try {
        await operator.power(shared, 'off');
        await until('beta changes', async () => (await bySite('beta')).find((v) => v.moref === shared)?.power_state, (s) => s === 'poweredOff');
        expect((await bySite('alpha')).find((v) => v.moref === shared)?.power_state).toBe('poweredOn');
      } finally {
        await operator.close();
      }
      for (const site of ['alpha', 'beta']) expect((await core.dispatch('inventory.watch.stop', { site })).ok).toBe(true);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  }, 60_000);
});
