import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { vcsimUnavailable } from '../../test/peers/vcsim.js';
import type { VlanAttachResult, VmNics } from '../contract/networking.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { readVmNics } from '../vsphere/vm-nics.js';
import { vlanAttach } from './vlan-attach.procedure.js';
import { labSite, useVcsim } from '../../test/fixtures/vcsim-hooks.js';
import { dispatchError, dispatchOrThrow } from '../../test/dispatch-or-throw.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`vcsim VLAN attach tests skipped: ${unavailable}`);

const passphrase = 'vlan attach tests passphrase';

describe.skipIf(unavailable !== null)("vlan.attach: a VM's adapter on a port group, against vcsim", () => {
  const peer = useVcsim({ vms: 3, clusters: 1, hosts: 2 });
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;

  const call = dispatchOrThrow(() => core);
  const failure = dispatchError(() => core);
  /** The VM's NICs as another vSphere session sees them: [network name or portgroup key, MAC]. */
  const seen = async (moref: string) => (await readVmNics(peer.operator.session, { type: 'VirtualMachine', value: moref })).nics.map((n) => [n.backing.kind === 'network' ? n.backing.name : n.backing.kind === 'dvportgroup' ? n.backing.portgroupKey : 'other', n.macAddress]);
  const attachRows = () => core.sql.all("SELECT outcome, details FROM audit_log WHERE action = 'vlan.attach' ORDER BY id", [], z.object({ outcome: z.string(), details: z.string() }));

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    await call('sites.add', labSite(peer.vc));
    await call('inventory.sync', { site: 'lab' });
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  it("lists a VM's adapters (network, MAC, connected) and its host's networks", async () => {
    const r = await call<VmNics>('vm.nics.list', { site: 'lab', vm: 'DC0_C0_H0_VM0' });
    // vcsim reports the adapter not connected (a real running VM's would be); the value is passed on as read.
    expect(r.nics).toEqual([{ index: 1, key: 4000, label: 'ethernet-0', type: 'VirtualE1000', network: 'VM Network', backing: 'network', connected: false, startConnected: true, macAddress: expect.stringMatching(/^00:0c:29:/) as unknown as string }]);
    expect(r.networks).toEqual(expect.arrayContaining([{ name: 'VM Network', kind: 'network' }, { name: 'DC0_DVPG0', kind: 'dvportgroup' }]));
  });

  it('moves adapter 1 onto a port group vlan.ensure created, keeps its MAC, records it, and changes nothing when run again', async () => {
    await call('vlan.ensure', { site: 'lab', cluster: 'DC0_C0', nic: 'vmnic0', portGroup: 'VLAN100', vlanId: 100 });
    const vm = (await call<VmNics>('vm.nics.list', { site: 'lab', vm: 'DC0_C0_H0_VM0' }));
    const mac = vm.nics[0]!.macAddress;
    const r = await call<VlanAttachResult>('vlan.attach', { site: 'lab', vm: 'DC0_C0_H0_VM0', portGroup: 'VLAN100' });
    expect(r).toMatchObject({ nic: 1, portGroup: 'VLAN100', previous: 'VM Network', added: false, changed: true, moref: vm.moref });
    expect(r.nics).toEqual([expect.objectContaining({ index: 1, network: 'VLAN100', macAddress: mac, startConnected: true })]);
    expect(await seen(vm.moref)).toEqual([['VLAN100', mac]]);
    const again = await call<VlanAttachResult>('vlan.attach', { site: 'lab', vm: 'DC0_C0_H0_VM0', portGroup: 'VLAN100', nic: 1 });
    expect(again).toMatchObject({ changed: false, previous: 'VLAN100' });
    expect((await attachRows()).map((a) => [a.outcome, (JSON.parse(a.details) as { changed: boolean }).changed])).toEqual([
      ['ok', true],
      ['ok', false],
    ]);

    // The undo (what a rollback runs) puts the adapter back on the network it was on before.
    const context = vlanAttach.context.parse((await core.services.engine.detail(r.procedureId)).procedure.context);
    const undo = vlanAttach.steps.find((s) => s.name === 'connect-nic')!.undo!;
    const lines: string[] = [];
    const step = { procedureId: r.procedureId, context, outputs: {}, previousOutput: undefined, previousError: null, signal: new AbortController().signal, actor: 'tester', services: core.services, log: (_l: string, m: string) => void lines.push(m) };
    await undo(step);
    expect(await seen(vm.moref)).toEqual([['VM Network', mac]]);
    await undo(step); // idempotent
    expect(lines).toEqual(['Adapter 1 is back on VM Network', 'Adapter 1 is on VM Network already']);
  });

  it('connects to a distributed port group, and adds a vmxnet3 adapter only with add', async () => {
    const vm = await call<VmNics>('vm.nics.list', { site: 'lab', vm: 'DC0_C0_H1_VM0' });
    const dv = await call<VlanAttachResult>('vlan.attach', { site: 'lab', vm: vm.moref, portGroup: 'DC0_DVPG0' });
    expect(dv.vm).toBe('DC0_C0_H1_VM0'); // named by moref, answered by name
    expect(dv.nics).toEqual([expect.objectContaining({ index: 1, network: 'DC0_DVPG0', backing: 'dvportgroup' })]);

    const noAdd = await failure('vlan.attach', { site: 'lab', vm: vm.moref, portGroup: 'VM Network', nic: 2 });
    expect(noAdd.code).toBe('VALIDATION');
    expect(noAdd.message).toContain('has 1 network adapter(s); there is no adapter 2. To add a vmxnet3 adapter there, ask for a new adapter (--add).');
    const added = await call<VlanAttachResult>('vlan.attach', { site: 'lab', vm: vm.moref, portGroup: 'VM Network', nic: 2, add: true });
    expect(added).toMatchObject({ nic: 2, added: true, changed: true, previous: null });
    expect(added.nics.map((n) => [n.index, n.type, n.network, n.connected])).toEqual([
      [1, 'VirtualE1000', 'DC0_DVPG0', false],
      [2, 'VirtualVmxnet3', 'VM Network', true],
    ]);
    // The undo of an added adapter removes it.
    const context = vlanAttach.context.parse((await core.services.engine.detail(added.procedureId)).procedure.context);
    await vlanAttach.steps.find((s) => s.name === 'connect-nic')!.undo!({ procedureId: added.procedureId, context, outputs: {}, previousOutput: undefined, previousError: null, signal: new AbortController().signal, actor: 'tester', services: core.services, log: () => undefined });
    expect((await seen(vm.moref)).map((n) => n[0])).toHaveLength(1);
  });

  it('refuses an unknown VM, an unknown port group and an adapter out of range with one clear error, changing nothing', async () => {
    const vm = await call<VmNics>('vm.nics.list', { site: 'lab', vm: 'DC0_C0_H0_VM1' });
    const before = await seen(vm.moref);
    const cases: [Record<string, unknown>, string, string][] = [
      [{ vm: 'no-such-vm', portGroup: 'VM Network' }, 'NOT_FOUND', 'No VM "no-such-vm"'],
      [{ vm: vm.moref, portGroup: 'NOPE' }, 'NOT_FOUND', 'Port group "NOPE" is not on DC0_C0_H0_VM1\'s host'],
      [{ vm: vm.moref, portGroup: 'VM Network', nic: 4 }, 'VALIDATION', 'there is no adapter 4'],
      [{ vm: vm.moref, portGroup: 'VM Network', nic: 4, add: true }, 'VALIDATION', 'there is no adapter 4'],
    ];
    for (const [input, code, message] of cases) {
      const err = await failure('vlan.attach', { site: 'lab', ...input });
      expect(err.code, JSON.stringify(input)).toBe(code);
      expect(err.message).toContain(message);
    }
    expect((await failure('vlan.attach', { site: 'lab', vm: vm.moref, portGroup: 'VM Network', nic: 0 })).code).toBe('VALIDATION');
    expect(await seen(vm.moref)).toEqual(before);
    expect((await attachRows()).map((a) => a.outcome)).toEqual(['failed', 'failed', 'failed', 'failed']);
  });

  it('a vCenter task that fails (launcher: a FAULT-* network) is one VCENTER_FAULT; the run rolls back and the adapter stays where it was', async () => {
    await call('vlan.ensure', { site: 'lab', cluster: 'DC0_C0', nic: 'vmnic0', portGroup: 'FAULT-PG', vlanId: 666 });
    const vm = await call<VmNics>('vm.nics.list', { site: 'lab', vm: 'DC0_C0_H0_VM1' });
    const before = await seen(vm.moref);
    for (const add of [false, true]) {
      const err = await failure('vlan.attach', { site: 'lab', vm: vm.moref, portGroup: 'FAULT-PG', add, ...(add ? { nic: 2 } : {}) });
      expect(err.code).toBe('VCENTER_FAULT');
      expect(err.message).toMatch(/^The vCenter task task-\d+ failed with InvalidDeviceSpec.* The run was rolled back: the adapter is on its previous network \(an added adapter was removed\)\.$/);
      const procedureId = (err.details as { procedureId: string }).procedureId;
      const { procedure, steps } = await core.services.engine.detail(procedureId);
      expect(procedure.state).toBe('rolled-back');
      expect(steps.map((st) => `${st.name}:${st.state}`)).toEqual(['check:undone', 'connect-nic:undone', 'verify:skipped', 'record:skipped']);
    }
    expect(await seen(vm.moref)).toEqual(before);
  });
});
