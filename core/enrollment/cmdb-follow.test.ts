import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { controlGuestIp, startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import { VsphereOperator } from '../../test/peers/vsphere-operator.js';
import { describeCoreEngines } from '../../test/engines.js';
import { tempDir } from '../../test/temp-dir.js';
import type { AuditPage } from '../contract/audit.js';
import type { BatchStarted, CmdbAttention, CmdbRecord } from '../contract/enrollment.js';
import type { VmSummary } from '../contract/inventory.js';
import type { NatRecordView } from '../contract/nat.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { privateOwner } from './enrollment-service.js';
import { untilWithin } from '../../test/until.js';
import { dispatchOrThrow } from '../../test/dispatch-or-throw.js';
import { labSite } from '../../test/fixtures/vcsim-hooks.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`CMDB follow tests skipped: ${unavailable}`);

const until = untilWithin(5_000, 25);

/**
 * The CMDB follows vCenter (issue 16 item 3), against vcsim with a second vSphere session (and the
 * launcher's guest control, standing in for VMware Tools) changing things behind Outpost's back.
 * The enrolled VM is set up as enroll-vm leaves it (CMDB row, NAT record on a manual firewall,
 * public and private IPAM allocations, the enroll run's context) without running the guest steps:
 * vcsim's guests are not machines.
 */
describe.skipIf(unavailable !== null)('the CMDB follows a rename, a delete and a guest IP change (vcsim)', () => {
  let vc: Vcsim;
  let operator: VsphereOperator;
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;

  const call = dispatchOrThrow(() => core);
  const record = async (moref: string): Promise<CmdbRecord | undefined> => (await call<CmdbRecord[]>('cmdb.list', { site: 'lab', status: 'all' })).find((r) => r.vmMoref === moref);
  const audit = async (action: string): Promise<AuditPage['entries']> => (await call<AuditPage>('audit.list', { query: action, limit: 100 })).entries.filter((e) => e.action === action);

  /** Powered-on VMs with a usable guest IP (the launcher gives VM 0 10.0.0.0, a network address). */
  const poweredOn = async (): Promise<VmSummary[]> => (await call<VmSummary[]>('vms.list', { site: 'lab', powerState: 'poweredOn' })).filter((v) => v.ipAddress && v.ipAddress !== '10.0.0.0');

  /** What enroll-vm leaves behind for a VM, made through the stores and services. */
  const enroll = async (vm: VmSummary): Promise<{ cmdb: CmdbRecord; nat: NatRecordView }> => {
    const s = core.services;
    const site = await s.enrollment.site('lab');
    const owner = privateOwner('lab', vm.moref);
    const pub = await s.ipam.allocate({ pool: 'pub', owner, purpose: 'public-nat' }, 'tester');
    await s.ipam.allocate({ pool: 'priv', owner, purpose: 'guest-private', address: vm.ipAddress! }, 'tester');
    const nat = await s.nat.ensureRecord({ firewall: 'fw', publicIp: pub.address, privateIp: vm.ipAddress!, vm: `lab/${vm.name}` }, 'tester');
    await s.nat.setState(nat.id, 'active', 'tester');
    const context = {
      batchId: 'b1', site: 'lab', siteId: site.id, vmMoref: vm.moref, vmName: vm.name, instanceUuid: null, credential: 'guest-root', firewall: 'fw', pool: 'pub',
      serviceAccount: 'outpost', serviceCredential: 'svc', servicePublicKey: 'ssh-ed25519 AAAA', setHostname: false, osActions: 'builtin', privateIp: vm.ipAddress!, publicIp: pub.address, natRecordId: nat.id,
    };
    const runId = await s.engine.start('enroll-vm', context, 'tester', { defer: true });
    const { record: cmdb } = await s.enrollment.cmdb.ensure({
      siteId: site.id, vmMoref: vm.moref, instanceUuid: null, vmName: vm.name, os: null, osRule: null, privateIp: vm.ipAddress!, publicIp: pub.address, natRecordId: nat.id,
      firewall: 'fw', credential: 'guest-root', serviceAccount: 'outpost', credentialMethod: null, procedureId: runId,
    }, 'tester');
    return { cmdb, nat: await s.nat.setState(nat.id, 'active', 'tester') };
  };

  // Each store suite runs on both engines (issue 14): the data folder's SQLite file, and a fresh
  // PostgreSQL database. Each engine gets its own vcsim: the tests power off and destroy VMs.
  describeCoreEngines('store', (newDb) => {
    beforeAll(async () => {
      vc = await startVcsim({ vms: 4, clusters: 1, hosts: 1, hostControl: true });
      operator = await VsphereOperator.connect(vc);
    }, 120_000);
    afterAll(async () => {
      await operator?.close();
      await vc?.stop();
    });
    beforeEach(async () => {
      dir = tempDir();
      const dbPath = await newDb();
      core = await createOutpostCore({ dataDir: dir.path, ...(dbPath ? { dbPath } : {}), transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'cmdb follow tests', liveIndex: 'prefer' });
      core.services.inventory.watchTuning = { backoff: { initialMs: 100, maxMs: 1_000 }, maxWaitSeconds: 2 };
      await call('sites.add', labSite(vc));
      await call('firewalls.add', { name: 'fw', driver: 'manual' });
      await call('ipam.pools.add', { name: 'pub', cidr: '203.0.113.0/28', kind: 'public' });
      await call('ipam.pools.add', { name: 'priv', cidr: '10.0.0.0/8', kind: 'private' });
      await until('the site is live', () => core.services.inventory.watcher('lab')?.current.state, (s) => s === 'watching', 10_000);
    });
    afterEach(async () => {
      await core.services.inventory.close();
      await core.close();
      dir.remove();
    });

    it('a rename in vCenter: the CMDB record and the NAT description follow within a second, one audit row even when replayed', async () => {
      const vm = (await poweredOn())[0]!;
      const { cmdb, nat } = await enroll(vm);
      const events: string[] = [];
      core.onEvent((name, payload) => {
        if (name === 'cmdb.changed') events.push((payload as { change: string }).change);
      });

      const t0 = Date.now();
      await operator.renameVm(vm.moref, `${vm.name}-renamed`);
      await until('the CMDB record follows', () => record(vm.moref), (r) => r?.vmName === `${vm.name}-renamed`);
      const followMs = Date.now() - t0;
      expect(followMs).toBeLessThan(1_500);
      expect((await call<{ records: NatRecordView[] }>('nat.list', {})).records.find((r) => r.id === nat.id)?.vm).toBe(`lab/${vm.name}-renamed`);
      const renamed = await audit('cmdb.vm.renamed');
      expect(renamed).toHaveLength(1);
      expect(renamed[0]).toMatchObject({ actor: 'vcenter:lab', target: `lab/${vm.name}-renamed`, details: { cmdbId: cmdb.id, from: vm.name, to: `${vm.name}-renamed`, natRecordId: nat.id } });
      expect(events).toContain('renamed');

      // A replay (a reconnect's snapshot, the same update again) finds nothing to do.
      await core.services.enrollment.follower.reconcileSite((await core.services.enrollment.site('lab')).id, 'lab');
      await core.services.enrollment.follower.vmsChanged((await core.services.enrollment.site('lab')).id, 'lab', [vm.moref]);
      expect(await audit('cmdb.vm.renamed')).toHaveLength(1);
      console.log(`CMDB follow: rename reflected in the CMDB ${followMs} ms after the rename task completed`);
    });

    it('a guest IP change on an enrolled VM: a NAT drift warning (event, audit row, listed), cleared when the guest is back on its address', async () => {
      const vm = (await poweredOn())[1]!;
      const { cmdb } = await enroll(vm);
      await controlGuestIp(vc, vm.moref, '10.250.0.9');
      const drifted = await until('drift flagged', () => record(vm.moref), (r) => r?.guestIpSeen === '10.250.0.9');
      expect(drifted?.privateIp).toBe(vm.ipAddress);
      const attention = await call<CmdbAttention>('cmdb.orphans', { site: 'lab' });
      expect(attention.drift.map((r) => r.id)).toEqual([cmdb.id]);
      expect(attention.orphans).toEqual([]);
      expect(await audit('cmdb.nat.drift')).toMatchObject([{ outcome: 'failed', details: { privateIp: vm.ipAddress, guestIp: '10.250.0.9' } }]);

      await controlGuestIp(vc, vm.moref, vm.ipAddress!);
      await until('drift cleared', () => record(vm.moref), (r) => r?.guestIpSeen === null);
      expect((await call<CmdbAttention>('cmdb.orphans', { site: 'lab' })).drift).toEqual([]);
      expect(await audit('cmdb.nat.drift.cleared')).toHaveLength(1);
    });

    it('a delete in vCenter: the record is flagged, its NAT and addresses are listed as orphans, offboarding clears them', async () => {
      const vm = (await poweredOn())[2]!;
      const { cmdb, nat } = await enroll(vm);
      await operator.power(vm.moref, 'off');
      await operator.destroyVm(vm.moref);
      const flagged = await until('flagged deleted in vCenter', () => record(vm.moref), (r) => r?.vcenterDeletedAt !== null);
      expect(flagged?.status).toBe('active');
      const { orphans } = await call<CmdbAttention>('cmdb.orphans', {});
      expect(orphans).toHaveLength(1);
      expect(orphans[0]).toMatchObject({ record: { id: cmdb.id, vmName: vm.name }, nat: { id: nat.id, firewall: 'fw', privateIp: vm.ipAddress, state: 'active' } });
      expect(orphans[0]!.addresses.map((a) => a.purpose).sort()).toEqual(['guest-private', 'public-nat']);
      expect(await audit('cmdb.vm.deleted')).toMatchObject([{ actor: 'vcenter:lab', target: `lab/${vm.name}`, details: { natRecordId: nat.id } }]);

      // Offboard it (the one-click action): no guest is contacted, the manual firewall's removal is confirmed.
      const started = await call<BatchStarted>('enrollment.offboard', { site: 'lab', vms: [vm.moref] });
      const id = started.items[0]!.procedureId!;
      await until('waiting for the NAT confirmation', () => call<{ procedure: { state: string } }>('procedures.get', { id }), (p) => p.procedure.state === 'waiting', 10_000);
      await call('procedures.approve', { id });
      await until('offboarded', () => record(vm.moref), (r) => r?.status === 'offboarded', 10_000);
      expect((await call<CmdbAttention>('cmdb.orphans', {})).orphans).toEqual([]);
      expect((await call<{ records: NatRecordView[] }>('nat.list', {})).records.find((r) => r.id === nat.id)).toBeUndefined();
      const owner = privateOwner('lab', vm.moref);
      expect((await core.services.ipam.allocations()).filter((a) => a.owner === owner)).toEqual([]);
      // A later snapshot of the site does not flag or audit the closed record again.
      await core.services.enrollment.follower.reconcileSite((await core.services.enrollment.site('lab')).id, 'lab');
      expect(await audit('cmdb.vm.deleted')).toHaveLength(1);
    });
  });
});
