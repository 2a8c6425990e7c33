import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/temp-dir.js';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../../test/peers/vcsim.js';
import type { GuestInfo } from '../contract/vm-access.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { enrollVm, type EnrollVmContext } from './enroll-vm.procedure.js';
import { offboardVm } from './offboard-vm.procedure.js';
import { dispatchOrThrow } from '../../test/dispatch-or-throw.js';
import { labSite } from '../../test/fixtures/vcsim-hooks.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`vcsim guestinfo enrollment tests skipped: ${unavailable}`);

/**
 * enroll-vm's inject-guestinfo step and its undo, and offboarding's clear-guestinfo, on a vcsim VM
 * (the whole enrollment runs in the netns lab: enrollment-lab.test.ts). vcsim keeps extraConfig
 * and returns it in config.extraConfig, as vCenter does.
 */
describe.skipIf(unavailable !== null)('enrollment writes guestinfo.outpost.* and takes it off again (vcsim)', () => {
  let vc: Vcsim;
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let context: EnrollVmContext;

  const call = dispatchOrThrow(() => core);
  const keys = async () => (await call<GuestInfo>('vm.guestinfo.get', { site: 'lab', vm: context.vmMoref })).entries;
  const stepRun = <C>(c: C, log: (m: string) => void = () => undefined) => ({
    procedureId: 'run-1',
    context: c,
    outputs: {},
    previousOutput: undefined,
    previousError: null,
    signal: new AbortController().signal,
    actor: 'tester',
    services: core.services,
    log: (_level: string, m: string) => log(m),
  });
  const step = (name: string) => enrollVm.steps.find((s) => s.name === name)!;

  beforeAll(async () => {
    vc = await startVcsim({ vms: 1, clusters: 1, hosts: 1 });
  }, 120_000);
  afterAll(async () => {
    await vc?.stop();
  });
  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'guestinfo enroll' });
    await call('sites.add', labSite(vc));
    await call('inventory.sync', { site: 'lab' });
    const site = await core.services.enrollment.site('lab');
    const vm = await core.services.enrollment.resolveVm(site, 'DC0_C0_H0_VM0');
    context = { batchId: 'b1', site: 'lab', siteId: site.id, vmMoref: vm.moref, vmName: vm.name, instanceUuid: null, credential: 'guest-root', firewall: 'fw', pool: 'pub', serviceAccount: 'outpost', serviceCredential: 'svc', servicePublicKey: 'ssh-ed25519 AAAA', setHostname: false, osActions: 'builtin', privateIp: '10.20.0.5', publicIp: '203.0.113.7', natRecordId: 3, cmdbId: 12 };
  });
  afterEach(async () => {
    await call('vm.guestinfo.set', { site: 'lab', vm: context.vmMoref, remove: (await keys()).map((e) => e.key) }).catch(() => undefined);
    await core.close();
    dir.remove();
  });

  it('writes the public IP, NAT and CMDB id; a re-run changes nothing; the undo restores what the VM had', async () => {
    await call('vm.guestinfo.set', { site: 'lab', vm: context.vmMoref, set: [{ key: 'guestinfo.outpost.public_ip', value: '198.51.100.1' }, { key: 'guestinfo.role', value: 'db' }] });
    const r = await step('inject-guestinfo').run!(stepRun(context));
    const patched = { ...context, ...(r as { context: Partial<EnrollVmContext> }).context };
    expect(await keys()).toEqual([
      { key: 'guestinfo.outpost.cmdb_id', value: '12' },
      { key: 'guestinfo.outpost.nat_firewall', value: 'fw' },
      { key: 'guestinfo.outpost.nat_record', value: '3' },
      { key: 'guestinfo.outpost.private_ip', value: '10.20.0.5' },
      { key: 'guestinfo.outpost.public_ip', value: '203.0.113.7' },
      { key: 'guestinfo.role', value: 'db' },
    ]);
    expect(patched.guestInfoBefore).toEqual([{ key: 'guestinfo.outpost.public_ip', value: '198.51.100.1' }]);
    // Resumed after a crash between the write and the commit: the run's own values are not "before".
    const again = await step('inject-guestinfo').run!(stepRun(context));
    expect((again as { context: Partial<EnrollVmContext> }).context.guestInfoBefore).toEqual([]);

    const lines: string[] = [];
    await step('inject-guestinfo').undo!(stepRun(patched, (m) => lines.push(m)));
    expect(await keys()).toEqual([
      { key: 'guestinfo.outpost.public_ip', value: '198.51.100.1' },
      { key: 'guestinfo.role', value: 'db' },
    ]);
    await step('inject-guestinfo').undo!(stepRun(patched, (m) => lines.push(m)));
    expect(lines[1]).toBe('No guestinfo key of this run is left on the VM.');
  });

  it('offboarding takes the keys off, leaving a key an operator changed since', async () => {
    const r = await step('inject-guestinfo').run!(stepRun(context));
    const enrolled = { ...context, ...(r as { context: Partial<EnrollVmContext> }).context };
    await call('vm.guestinfo.set', { site: 'lab', vm: context.vmMoref, set: [{ key: 'guestinfo.outpost.nat_firewall', value: 'edge-2' }] });
    const clear = offboardVm.steps.find((s) => s.name === 'clear-guestinfo')!;
    const out = await clear.run!(stepRun({ batchId: 'b2', site: 'lab', siteId: context.siteId, vmMoref: context.vmMoref, vmName: context.vmName, cmdbId: 12, removeAccount: true, enrollment: enrolled }));
    expect(out).toEqual({ output: { cleared: ['guestinfo.outpost.public_ip', 'guestinfo.outpost.private_ip', 'guestinfo.outpost.nat_record', 'guestinfo.outpost.cmdb_id'] } });
    expect(await keys()).toEqual([{ key: 'guestinfo.outpost.nat_firewall', value: 'edge-2' }]);
  });
});
