import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { execFileSync } from 'node:child_process';
import { describeCoreEngines } from '../../test/engines.js';
import { tempDir } from '../../test/temp-dir.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { startSoapTestServer } from '../../test/peers/soap-test-server.js';
import type { AddedSite, SyncProgress, SyncResult, VmSummary, WatchStatusSummary } from '../contract/inventory.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import type { Sql } from '../db/sql.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { untilWithin } from '../../test/until.js';
import { labSite, useVcsim } from '../../test/fixtures/vcsim-hooks.js';
import { dispatchError, dispatchOrThrow } from '../../test/dispatch-or-throw.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`vcsim inventory tests skipped: ${unavailable}`);

// The launcher's rules for VM number i (e2e/peers/vcsim/main.go): what vcsim must hold.
const GUESTS = [
  ['ubuntu64Guest', 'Ubuntu Linux (64-bit)'],
  ['rhel7_64Guest', 'Red Hat Enterprise Linux 7 (64-bit)'],
  ['windows9Server64Guest', 'Microsoft Windows Server 2016 or later (64-bit)'],
  ['centos7_64Guest', 'CentOS 7 (64-bit)'],
  ['debian10_64Guest', 'Debian GNU/Linux 10 (64-bit)'],
] as const;
const CPUS = [1, 2, 4, 8];
const MEMS = [1024, 2048, 4096, 8192, 16384];

const VMS = 40;
const passphrase = 'inventory tests passphrase';

const until = untilWithin(15_000);

describe.skipIf(unavailable !== null)('inventory against vcsim (launcher with paging and AcquireTicket extensions)', () => {
  const peer = useVcsim({ vms: VMS, clusters: 2, hosts: 2, standalone: 1 });
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;

  const call = dispatchOrThrow(() => core);
  const failure = dispatchError(() => core);
  const addLab = () => call<AddedSite>('sites.add', labSite(peer.vc));
  const vmRow = async (name: string) => await core.sql.get('SELECT * FROM inv_vms WHERE name = ?', [name], z.unknown()) as Record<string, unknown> | undefined;
  const untouched = async () => ({
    sites: (await core.sql.get('SELECT count(*) AS n FROM sites', [], z.object({ n: z.number() })))!.n,
    credentials: (await core.sql.get('SELECT count(*) AS n FROM credentials', [], z.object({ n: z.number() })))!.n,
    vms: (await core.sql.get('SELECT count(*) AS n FROM inv_vms', [], z.object({ n: z.number() })))!.n,
  });

  // Each store suite runs on both engines (issue 14): the data folder's SQLite file, and a fresh PostgreSQL database.
  describeCoreEngines('store', (newDb) => {
    beforeEach(async () => {
      dir = tempDir();
      const dbPath = await newDb();
      core = await createOutpostCore({ dataDir: dir.path, ...(dbPath ? { dbPath } : {}), transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
      core.services.inventory.watchTuning = { backoff: { initialMs: 100, maxMs: 1_000 }, maxWaitSeconds: 2 };
    });
    afterEach(async () => {
      await core.services.inventory.close();
      await core.close();
      dir.remove();
    });

    it('full sync: counts and every VM field equal what vcsim holds', async () => {
      const added = await addLab();
      expect(added).toMatchObject({ name: 'lab', fingerprint: peer.vc.fingerprint, vcenter: { version: '6.5.0' } });
      const sync = await call<SyncResult>('inventory.sync', { site: 'lab', pageSize: 7 });
      expect(sync.counts).toMatchObject({ datacenters: peer.vc.datacenters, clusters: peer.vc.clusters, hosts: peer.vc.hosts, vms: VMS });
      expect(sync.pages).toBeGreaterThanOrEqual(Math.ceil(VMS / 7)); // the launcher honours maxObjects
      expect(sync.removed).toBe(0);

      const vms = await call<VmSummary[]>('vms.list', { site: 'lab' });
      expect(vms).toHaveLength(VMS);
      expect(new Set(vms.map((v) => v.uuid)).size).toBe(VMS);
      expect(new Set(vms.map((v) => v.instanceUuid)).size).toBe(VMS);
      const hosts = new Set((await core.sql.all('SELECT name FROM inv_hosts', [], z.object({ name: z.string() }))).map((h) => h.name));
      for (const v of vms) {
        const octets = (v.ipAddress ?? '').split('.').map(Number);
        const i = (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!;
        expect(v).toMatchObject({
          guestId: GUESTS[i % 5]![0],
          guestFullName: GUESTS[i % 5]![1],
          numCpu: CPUS[i % 4],
          memoryMB: MEMS[i % 5],
          annotation: `owner=team-${i % 7}`,
          powerState: 'poweredOn',
          toolsRunningStatus: 'guestToolsRunning',
          hostName: v.name.toLowerCase().replace(/_/g, '-'),
          ipAddresses: [v.ipAddress, `fd00::${(i + 1).toString(16)}`],
          folderPath: 'DC0/vm',
        });
        // Names are <host>_VM<n>: the VM sits on the host its name says.
        expect(v.host).toBe(v.name.replace(/_VM\d+$/, ''));
        expect(hosts.has(v.host!)).toBe(true);
      }
      expect(new Set(vms.map((v) => v.ipAddress))).toEqual(new Set(Array.from({ length: VMS }, (_, i) => `10.0.0.${i}`)));
      const host = await core.sql.get("SELECT * FROM inv_hosts WHERE name = 'DC0_C0_H0'", [], z.unknown()) as Record<string, unknown>;
      expect(host).toMatchObject({ version: '6.5.0', build: '5969303', connection_state: 'connected', maintenance: 0 });
      expect(host['cluster_moref']).toMatch(/^clustercomputeresource-/);

      // Syncing again changes nothing and duplicates nothing.
      const again = await call<SyncResult>('inventory.sync', { site: 'lab' });
      expect(again.counts).toEqual(sync.counts);
      expect((await untouched()).vms).toBe(VMS);
    });

    it('a full sync reports progress per stored page: counts per kind, pages, the previous total', async () => {
      await addLab();
      const progress: SyncProgress[] = [];
      const off = core.onEvent((event, payload) => event === 'inventory.sync.progress' && progress.push(payload as SyncProgress));
      const first = await call<SyncResult>('inventory.sync', { site: 'lab', pageSize: 10 });
      expect(progress[0]).toMatchObject({ site: 'lab', phase: 'structure', pages: 1, expectedVms: null, counts: { hosts: peer.vc.hosts, clusters: peer.vc.clusters, datacenters: peer.vc.datacenters, vms: 0 } });
      const vmSteps = progress.filter((p) => p.phase === 'vms');
      expect(vmSteps.map((p) => p.counts.vms)).toEqual([10, 20, 30, 40]);
      expect(vmSteps.map((p) => p.pages)).toEqual([2, 3, 4, 5]);
      expect(progress.at(-1)).toMatchObject({ phase: 'done', pages: first.pages, counts: first.counts });
      progress.length = 0;
      await call('inventory.sync', { site: 'lab', pageSize: 25 });
      expect(progress.every((p) => p.expectedVms === VMS)).toBe(true); // the bar knows the total from the last sync
      off();
      const [site] = await call<{ lastSyncAt: string | null }[]>('sites.list', {});
      expect(Date.parse(site!.lastSyncAt!)).toBeGreaterThan(Date.now() - 60_000);
    });

    it('vms.list filters on power state, tools status and enrollment; vms.count counts the whole filter', async () => {
      await addLab();
      await call('inventory.sync', { site: 'lab' });
      const list = (input: object) => call<VmSummary[]>('vms.list', { site: 'lab', ...input });
      const count = async (input: object) => (await call<{ total: number }>('vms.count', { site: 'lab', ...input })).total;
      expect(await count({})).toBe(VMS);
      expect((await list({ limit: 5 })).length).toBe(5);
      expect(await count({ query: 'windows' })).toBe(VMS / 5); // the count ignores the list's limit
      expect(await list({ toolsStatus: 'guestToolsRunning' })).toHaveLength(VMS);
      expect(await count({ toolsStatus: 'guestToolsNotRunning' })).toBe(0);

      const [first, second] = await list({ limit: 2 });
      await peer.operator.power(first!.moref, 'off');
      await call('inventory.sync', { site: 'lab' });
      expect((await list({ powerState: 'poweredOff' })).map((v) => v.moref)).toEqual([first!.moref]);
      await peer.operator.power(first!.moref, 'on');

      // A guest whose tools stopped (vcsim keeps them running; its row is what the watcher would write).
      await core.sql.run("UPDATE inv_vms SET tools_running_status = 'guestToolsNotRunning' WHERE moref = ?", [first!.moref]);
      await core.sql.run('UPDATE inv_vms SET tools_running_status = NULL WHERE moref = ?', [second!.moref]);
      expect((await list({ toolsStatus: 'guestToolsNotRunning' })).map((v) => v.moref)).toEqual([first!.moref]);
      expect((await list({ toolsStatus: 'unknown' })).map((v) => v.moref)).toEqual([second!.moref]);
      expect(await count({ toolsStatus: 'guestToolsRunning' })).toBe(VMS - 2);

      // No CMDB records yet: nobody is enrolled.
      expect(await count({ enrolled: true })).toBe(0);
      expect(await count({ enrolled: false })).toBe(VMS);
      // CMDB records (what enrollment writes): active records count, offboarded ones do not.
      const siteId = (await core.sql.get("SELECT id FROM sites WHERE name = 'lab'", [], z.object({ id: z.number() })))!.id;
      const otherSite = (await core.sql.run("INSERT INTO sites (name, url, username, created_at) VALUES ('other', 'https://other/sdk', 'u', ?)", [new Date().toISOString()])).lastId;
      const record = cmdbRecord(core.sql);
      await record(siteId, first!.moref, null, null);
      await record(siteId, 'vm-renumbered', second!.instanceUuid, null); // the same VM known by its instance UUID
      await record(siteId, (await list({ query: 'windows', limit: 1 }))[0]!.moref, null, '2026-01-01T00:00:00Z');
      await record(Number(otherSite), (await list({ query: 'ubuntu', limit: 1 }))[0]!.moref, null, null); // another site's VM
      expect((await list({ enrolled: true })).map((v) => v.moref).sort()).toEqual([first!.moref, second!.moref].sort());
      expect(await count({ enrolled: false })).toBe(VMS - 2);
      expect(await count({ enrolled: true, toolsStatus: 'unknown' })).toBe(1);

      const bad = await failure('vms.list', { toolsStatus: 'sometimes' });
      expect(bad.code).toBe('VALIDATION');
      expect((await failure('vms.count', { site: 'nowhere' })).code).toBe('NOT_FOUND');
    });

    it('removing a site stops its watcher, marks its inventory removed (kept for audit), forgets its password; refused with enrolled VMs', async () => {
      await addLab();
      await call('inventory.sync', { site: 'lab' });
      await call('inventory.watch.start', { site: 'lab' });
      await until('watching', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching');

      const siteId = (await core.sql.get("SELECT id FROM sites WHERE name = 'lab'", [], z.object({ id: z.number() })))!.id;
      const vm = (await call<VmSummary[]>('vms.list', { site: 'lab', limit: 1 }))[0]!;
      await cmdbRecord(core.sql)(siteId, vm.moref, null, null);
      const refused = await failure('sites.remove', { site: 'lab' });
      expect(refused).toMatchObject({ code: 'CONFLICT', details: { enrolled: 1 } });
      expect(await call('vms.count', { site: 'lab' })).toEqual({ total: VMS }); // nothing changed
      await core.sql.run('UPDATE cmdb_records SET offboarded_at = ?', [new Date().toISOString()]);

      const removed = await call<{ site: string; markedRemoved: Record<string, number> }>('sites.remove', { site: 'lab' });
      expect(removed).toMatchObject({ site: 'lab', markedRemoved: { vms: VMS, hosts: peer.vc.hosts, clusters: peer.vc.clusters, datacenters: peer.vc.datacenters } });
      expect(core.services.inventory.watcher('lab')).toBeUndefined();
      expect(await call('inventory.watch.status', {})).toEqual([]);
      expect(await call('sites.list', {})).toEqual([]);
      expect((await failure('vms.list', { site: 'lab' })).code).toBe('NOT_FOUND');
      expect(await call('vms.count', {})).toEqual({ total: 0 });
      // Rows stay, marked removed, under the renamed site row.
      const kept = await call<VmSummary[]>('vms.list', { includeRemoved: true });
      expect(kept).toHaveLength(VMS);
      expect(kept.every((v) => v.removedAt !== null && v.site.startsWith('lab (removed '))).toBe(true);
      expect(await untouched()).toEqual({ sites: 1, credentials: 0, vms: VMS });
      const audit = (await core.services.audit.list({ limit: 10 })).entries.find((e) => e.action === 'site.remove');
      expect(audit).toMatchObject({ target: 'lab', details: expect.objectContaining({ markedRemoved: expect.objectContaining({ vms: VMS }) }) });
      expect((await failure('sites.remove', { site: 'lab' })).code).toBe('NOT_FOUND');

      // The name is free again; the new site starts with its own rows.
      await addLab();
      expect((await call<SyncResult>('inventory.sync', { site: 'lab' })).counts.vms).toBe(VMS);
      expect(await untouched()).toEqual({ sites: 2, credentials: 1, vms: 2 * VMS });
    });

    it('full-text search finds VMs by name, IP, guest host name and guest OS', async () => {
      await addLab();
      await call('inventory.sync', { site: 'lab' });
      const names = async (query: string) => (await call<VmSummary[]>('vms.list', { query })).map((v) => v.name);
      const one = (await call<VmSummary[]>('vms.list', { query: '10.0.0.7' }))[0]!;
      expect(one.ipAddress).toBe('10.0.0.7');
      expect(await names('10.0.0.7')).toEqual([one.name]);
      expect(await names(one.hostName!)).toEqual([one.name]);
      expect((await names('windows')).length).toBe(VMS / 5);
      expect((await names('DC0_C1')).every((n) => n.startsWith('DC0_C1'))).toBe(true);
      expect(await names('"; DROP TABLE inv_vms; --')).toEqual([]); // FTS syntax is text
    });

    it('answers every inventory command with output that matches its schema (consoles go through vm.console.open)', async () => {
      await addLab();
      await call('inventory.sync', { site: 'lab' });
      const vm = (await call<VmSummary[]>('vms.list', { site: 'lab', limit: 1 }))[0]!;
      const changed: unknown[] = [];
      const off = core.onEvent((event, payload) => event === 'inventory.changed' && changed.push(payload));
      expect(await call('vm.power', { site: 'lab', vm: vm.name, action: 'off' })).toMatchObject({ powerState: 'poweredOff' });
      expect((await vmRow(vm.name))?.['power_state']).toBe('poweredOff');
      // No watcher runs here: the power call itself tells the UI which row changed.
      expect(changed).toEqual([{ site: 'lab', changes: [{ kind: 'modify', type: 'VirtualMachine', moref: vm.moref }], truncated: false }]);
      off();
      expect(await call('vm.power', { site: 'lab', vm: vm.moref, action: 'on' })).toMatchObject({ powerState: 'poweredOn' });
      expect(await call('vm.power', { site: 'lab', vm: vm.name, action: 'reset' })).toMatchObject({ powerState: 'poweredOn' });
      expect(await call('vm.power', { site: 'lab', vm: vm.name, action: 'shutdown' })).toMatchObject({ powerState: 'poweredOff' });
      const fault = await failure('vm.power', { site: 'lab', vm: vm.name, action: 'off' });
      expect(fault).toMatchObject({ code: 'VCENTER_FAULT', details: { fault: 'InvalidPowerState' } });
      await call('vm.power', { site: 'lab', vm: vm.name, action: 'on' });
      const started = await call<WatchStatusSummary>('inventory.watch.start', { site: 'lab' });
      expect(started).toMatchObject({ site: 'lab' });
      const live = await until('watching', () => call<WatchStatusSummary[]>('inventory.watch.status', {}), (s) => s[0]?.state === 'watching');
      // Each state change has a larger version, so the UI keeps the newest however they arrive.
      expect(live[0]!.version).toBeGreaterThan(started.version);
      const stopped = await call<WatchStatusSummary>('inventory.watch.stop', { site: 'lab' });
      expect(stopped).toMatchObject({ state: 'stopped' });
      expect(stopped.version).toBeGreaterThan(live[0]!.version);
      const actions = (await core.services.audit.list({ limit: 50 })).entries.map((e) => e.action);
      expect(actions).toEqual(expect.arrayContaining(['site.add', 'inventory.sync', 'vm.power']));
      // The raw console ticket never crosses the contract: consoles open through vm.console.open (core/vm-access).
      expect(await failure('vm.console.ticket', { site: 'lab', vm: vm.name })).toMatchObject({ code: 'UNKNOWN_COMMAND' });
      expect(JSON.stringify(await core.services.audit.list({ limit: 50 }))).not.toContain(peer.vc.password === 'pass' ? '"password":"pass"' : peer.vc.password);
    });

    it('watch: a VM powered off from another session reaches the DB; created and destroyed VMs are indexed, then marked removed', async () => {
      await addLab();
      const seen: { event: string; payload: unknown }[] = [];
      const off = core.onEvent((event, payload) => seen.push({ event, payload }));
      await call('inventory.watch.start', { site: 'lab' });
      await until('first sync', () => core.services.inventory.watcher('lab')!.current.state, (s) => s === 'watching');
      expect((await untouched()).vms).toBe(VMS);
      // The UI learns of it: the watcher's state, and the site now counts as connected.
      expect(seen).toContainEqual({ event: 'inventory.watch', payload: expect.objectContaining({ site: 'lab', state: 'watching' }) });
      expect(await call('sites.list', {})).toEqual([expect.objectContaining({ name: 'lab', connected: true })]);
      expect(await call('status.get', {})).toMatchObject({ sitesTotal: 1, sitesConnected: 1 });

      const target = (await vmRow('DC0_C0_H1_VM0'))!;
      await peer.operator.power(String(target['moref']), 'off');
      await until('power change in the DB', async () => (await vmRow('DC0_C0_H1_VM0'))?.['power_state'], (s) => s === 'poweredOff');
      // ... and the rows that changed, so a view updates them live.
      expect(seen).toContainEqual({
        event: 'inventory.changed',
        payload: expect.objectContaining({ site: 'lab', changes: expect.arrayContaining([{ kind: 'modify', type: 'VirtualMachine', moref: String(target['moref']) }]) }),
      });
      off();
      await peer.operator.power(String(target['moref']), 'on');
      await until('power back on', async () => (await vmRow('DC0_C0_H1_VM0'))?.['power_state'], (s) => s === 'poweredOn');

      const dc = (await core.sql.get('SELECT moref FROM inv_datacenters', [], z.object({ moref: z.string() })))!.moref;
      const cluster = (await core.sql.get("SELECT moref FROM inv_clusters WHERE name = 'DC0_C0'", [], z.object({ moref: z.string() })))!.moref;
      const created = await peer.operator.createVm('outpost-created-vm', dc, cluster);
      const row = await until('created VM indexed', () => vmRow('outpost-created-vm'), (r) => r !== undefined && r['removed_at'] === null);
      expect(row).toMatchObject({ moref: created.value, power_state: 'poweredOff', num_cpu: 1, memory_mb: 128 });
      expect((await call<VmSummary[]>('vms.list', { query: 'outpost-created' })).map((v) => v.moref)).toEqual([created.value]);

      await peer.operator.destroyVm(created.value);
      const removed = await until('destroyed VM marked removed', () => vmRow('outpost-created-vm'), (r) => r?.['removed_at'] !== null);
      expect(removed?.['moref']).toBe(created.value);
      expect(await call<VmSummary[]>('vms.list', { query: 'outpost-created' })).toEqual([]);
      expect((await call<VmSummary[]>('vms.list', { query: 'outpost-created', includeRemoved: true })).map((v) => v.removedAt !== null)).toEqual([true]);
      await until('events recorded', () => core.sql.all('SELECT type FROM inv_events', [], z.object({ type: z.string() })), (e) =>
        ['VmPoweredOffEvent', 'VmPoweredOnEvent', 'VmRemovedEvent'].every((t) => e.some((x) => x.type === t)),
      );
      expect((await untouched()).vms).toBe(VMS + 1); // kept for audit, never duplicated
    });

    it('session terminated server-side: the client logs in again; the watcher resyncs and keeps up', async () => {
      await addLab();
      await call('inventory.watch.start', { site: 'lab' });
      const watcher = core.services.inventory.watcher('lab')!;
      await until('watching', () => watcher.current.state, (s) => s === 'watching');
      const key = watcher.sessionKey!;
      await peer.operator.terminateSession(key);
      await until('a new session', () => watcher.sessionKey, (k) => k !== null && k !== key && watcher.current.state === 'watching');
      const target = (await vmRow('DC0_C1_H0_VM1'))!;
      await peer.operator.power(String(target['moref']), 'off');
      await until('change after re-login', async () => (await vmRow('DC0_C1_H0_VM1'))?.['power_state'], (s) => s === 'poweredOff');
      await peer.operator.power(String(target['moref']), 'on');
      expect((await untouched()).vms).toBe(VMS);
    });

    it('one session re-logs in transparently when vCenter drops it', async () => {
      await addLab();
      await call('inventory.sync', { site: 'lab' });
      const moref = String((await vmRow('DC0_H0_VM0'))!['moref']);
      const a = await VsphereOperator.connect(peer.vc);
      try {
        const key = a.session.sessionKey;
        await peer.operator.terminateSession(key);
        expect(await a.power(moref, 'reset')).toBe('poweredOn');
        expect(a.session.sessionKey).not.toBe(key);
        expect(a.session.generation).toBe(2);
      } finally {
        await a.close();
      }
    });

    it('wrong password: VCENTER_AUTH (InvalidLogin), nothing stored', async () => {
      const error = await failure('sites.add', { name: 'lab', url: peer.vc.url, username: peer.vc.username, password: 'wrong', trustFingerprint: peer.vc.fingerprint });
      expect(error).toMatchObject({ code: 'VCENTER_AUTH', details: { fault: 'InvalidLogin' } });
      expect(await untouched()).toEqual({ sites: 0, credentials: 0, vms: 0 });
    });

    it('untrusted certificate: TLS_UNTRUSTED with the fingerprint openssl prints, subject and validity; nothing stored', async () => {
      const error = await failure('sites.add', { name: 'lab', url: peer.vc.url, username: peer.vc.username, password: peer.vc.password });
      const openssl = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256'], { input: peer.vc.certPem, encoding: 'utf8' }).trim().replace(/^.*=/, '');
      expect(error.code).toBe('TLS_UNTRUSTED');
      expect(error.details).toMatchObject({ fingerprint: openssl, subject: expect.stringContaining('CN=127.0.0.1'), validFrom: expect.any(String), validTo: expect.any(String) });
      expect(openssl).toBe(peer.vc.fingerprint);
      expect(await untouched()).toEqual({ sites: 0, credentials: 0, vms: 0 });
      // The operator may paste the fingerprint in any case, with or without colons.
      expect((await call<AddedSite>('sites.add', { name: 'lab', url: peer.vc.url, username: peer.vc.username, password: peer.vc.password, trustFingerprint: openssl.replace(/:/g, '').toLowerCase() })).fingerprint).toBe(openssl);
    });

    it('a CA imported into Outpost is honoured without a pin', async () => {
      await core.sql.run("INSERT INTO trusted_cas (fingerprint, subject, pem, added_at, added_by) VALUES (?, 'CN=127.0.0.1', ?, 'now', 'test')", [peer.vc.fingerprint, peer.vc.certPem]);
      expect((await call<AddedSite>('sites.add', { name: 'lab', url: peer.vc.url, username: peer.vc.username, password: peer.vc.password })).fingerprint).toBeNull();
      expect((await call<SyncResult>('inventory.sync', { site: 'lab' })).counts.vms).toBe(VMS);
    });

    it('pinned certificate replaced: TLS_CHANGED stops sync and watch; the DB keeps its rows', async () => {
      const other = await startVcsim({ vms: 2, clusters: 1, hosts: 1 });
      let restarted: Vcsim | null = null;
      try {
        await call('sites.add', { name: 'edge', url: other.url, username: other.username, password: other.password, trustFingerprint: other.fingerprint });
        await call('inventory.sync', { site: 'edge' });
        await other.stop();
        restarted = await startVcsim({ vms: 2, clusters: 1, hosts: 1, listen: new URL(other.url).host }); // a fresh certificate
        const error = await failure('inventory.sync', { site: 'edge' });
        expect(error).toMatchObject({ code: 'TLS_CHANGED', details: { expected: other.fingerprint, fingerprint: restarted.fingerprint } });
        expect(error.message).toMatch(/CHANGED/);
        await call('inventory.watch.start', { site: 'edge' });
        const status = await until('watcher stops', () => core.services.inventory.watcher('edge')!.current, (s) => s.state === 'failed');
        expect(status.lastError?.code).toBe('TLS_CHANGED');
        expect((await call<VmSummary[]>('vms.list', { site: 'edge' })).length).toBe(2);
      } finally {
        await other.stop();
        await restarted?.stop();
      }
    });

    it('bad input: malformed URL, http, unreachable host, truncated response (own loopback server): one clear error each, DB untouched', async () => {
      const add = (url: string, trustFingerprint?: string) =>
        failure('sites.add', { name: 'x', url, username: 'u', password: 'p', ...(trustFingerprint ? { trustFingerprint } : {}) });
      expect(await add('https://exa mple:99999/sdk')).toMatchObject({ code: 'VALIDATION' });
      expect(await add('http://127.0.0.1/sdk')).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('https only') });
      expect(await add('https://u:p@127.0.0.1/sdk')).toMatchObject({ code: 'VALIDATION' });
      expect(await add('https://127.0.0.1:1/sdk')).toMatchObject({ code: 'UNREACHABLE', message: expect.stringContaining('127.0.0.1:1') });
      expect(await add(peer.vc.url, 'AB:CD')).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('fingerprint') });
      const says = { 'truncated-body': 'cut off', 'truncated-envelope': 'cut off', 'html-page': 'no SOAP envelope' } as const;
      for (const mode of ['truncated-body', 'truncated-envelope', 'html-page'] as const) {
        const server = await startSoapTestServer(mode);
        try {
          const error = await add(server.url, server.fingerprint);
          expect(error.code, mode).toBe('VCENTER_PROTOCOL');
          expect(error.message, mode).toContain(says[mode]);
          expect(error.message.split('\n')).toHaveLength(1);
        } finally {
          await server.stop();
        }
      }
      expect(await untouched()).toEqual({ sites: 0, credentials: 0, vms: 0 });
    });

    it('no request byte reaches a server whose certificate is untrusted (own loopback server)', async () => {
      const server = await startSoapTestServer('html-page');
      try {
        const error = await failure('sites.add', { name: 'x', url: server.url, username: 'u', password: 'secret' });
        expect(error).toMatchObject({ code: 'TLS_UNTRUSTED', details: { fingerprint: server.fingerprint } });
        await new Promise((r) => setTimeout(r, 100));
        expect(server.receivedBytes()).toBe(0);
      } finally {
        await server.stop();
      }
    });
  });
});

/** Writes a CMDB record the way enrollment does (table cmdb_records, migration 8). */
function cmdbRecord(sql: Sql): (siteId: number, moref: string, instanceUuid: string | null, offboardedAt: string | null) => Promise<unknown> {
  const insert = `INSERT INTO cmdb_records (site_id, vm_moref, instance_uuid, vm_name, private_ip, firewall, credential, service_account, enrolled_at, enrolled_by, offboarded_at)
     VALUES (?, ?, ?, ?, '10.0.0.5', 'fw', 'guest', 'outpost', '2026-01-01T00:00:00Z', 'test', ?)`;
  return (siteId, moref, instanceUuid, offboardedAt) => sql.run(insert, [siteId, moref, instanceUuid, moref, offboardedAt]);
}
