import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { vcsimUnavailable } from '../../test/peers/vcsim.js';
import type { HostNetwork, VlanEnsureResult } from '../contract/networking.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { addPortGroup, addVirtualSwitch, listHosts, removePortGroup, requireNetworkSystem } from '../vsphere/host-network.js';
import { labSite, useVcsim } from '../../test/fixtures/vcsim-hooks.js';
import { dispatchError, dispatchOrThrow } from '../../test/dispatch-or-throw.js';

const unavailable = vcsimUnavailable();
if (unavailable) console.log(`vcsim VLAN tests skipped: ${unavailable}`);

const passphrase = 'vlan tests passphrase';
const CLUSTER = 'DC0_C0';
const H0 = 'DC0_C0_H0';
const H1 = 'DC0_C0_H1';
const STANDALONE = 'DC0_H0';

describe.skipIf(unavailable !== null)('VLAN port groups against vcsim (launcher with ESXi-like host networking)', () => {
  const peer = useVcsim({ vms: 2, clusters: 1, hosts: 2, standalone: 1 });
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;

  const call = dispatchOrThrow(() => core);
  const failure = dispatchError(() => core);
  const network = async (host: string): Promise<HostNetwork> => {
    const hosts = await call<HostNetwork[]>('vlan.list', { site: 'lab' });
    const h = hosts.find((x) => x.host === host);
    if (!h) throw new Error(`no host ${host} in ${hosts.map((x) => x.host).join(', ')}`);
    return h;
  };
  const portGroup = async (host: string, name: string) => (await network(host)).portGroups.find((p) => p.name === name);
  const operatorNetworkSystem = async (host: string) => {
    const h = (await listHosts(peer.operator.session)).find((x) => x.name === host);
    if (!h) throw new Error(`no host ${host}`);
    return requireNetworkSystem(h);
  };
  const auditRows = () => core.sql.all("SELECT action, target, outcome, details FROM audit_log WHERE action = 'vlan.ensure' ORDER BY id", [], z.object({ action: z.string(), target: z.string(), outcome: z.string(), details: z.string() }));
  const ensure = (over: Record<string, unknown>) => ({ site: 'lab', cluster: CLUSTER, nic: 'vmnic0', portGroup: 'VLAN100', vlanId: 100, ...over });

  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    await call('sites.add', labSite(peer.vc));
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
  });

  it('lists every host with its adapters, vSwitches, uplinks, port groups and VLAN ids', async () => {
    const hosts = await call<HostNetwork[]>('vlan.list', { site: 'lab' });
    expect(hosts.map((h) => [h.host, h.cluster])).toEqual([
      [H0, CLUSTER],
      [H1, CLUSTER],
      [STANDALONE, null],
    ]);
    for (const h of hosts) {
      expect(h.nics).toEqual(['vmnic0', 'vmnic1']);
      expect(h.vswitches).toContainEqual({ name: 'vSwitch0', uplinks: ['vmnic0'], portGroups: expect.arrayContaining(['VM Network', 'Management Network']) as unknown as string[] });
      expect(h.portGroups).toContainEqual({ name: 'VM Network', vswitch: 'vSwitch0', vlanId: 0 });
    }
  });

  it('previews a dry run per host and changes nothing, then creates on every host of the cluster, verifies, and is idempotent', async () => {
    const preview = await call<VlanEnsureResult>('vlan.ensure', ensure({ dryRun: true }));
    expect(preview.ok).toBe(true);
    expect(preview.hosts.map((h) => [h.host, h.outcome, h.vswitch, h.created])).toEqual([
      [H0, 'create', 'vSwitch0', false],
      [H1, 'create', 'vSwitch0', false],
    ]);
    expect(preview.hosts[0]!.checks.map((c) => [c.check, c.ok])).toEqual([
      ['nic', true],
      ['vswitch', true],
      ['portgroup', false],
    ]);
    expect(await portGroup(H0, 'VLAN100')).toBeUndefined();
    expect(await auditRows()).toEqual([]); // a preview changes nothing and records nothing

    const applied = await call<VlanEnsureResult>('vlan.ensure', ensure({}));
    expect(applied.hosts.map((h) => [h.host, h.outcome, h.created])).toEqual([
      [H0, 'ready', true],
      [H1, 'ready', true],
    ]);
    expect(applied.hosts[1]!.checks.every((c) => c.ok)).toBe(true);
    for (const h of [H0, H1]) expect(await portGroup(h, 'VLAN100')).toEqual({ name: 'VLAN100', vswitch: 'vSwitch0', vlanId: 100 });
    expect(await portGroup(STANDALONE, 'VLAN100')).toBeUndefined();

    const again = await call<VlanEnsureResult>('vlan.ensure', ensure({}));
    expect(again.hosts.map((h) => [h.outcome, h.created])).toEqual([
      ['ready', false],
      ['ready', false],
    ]);
    const audit = await auditRows();
    expect(audit.map((a) => [a.target, a.outcome])).toEqual([
      ['lab/DC0_C0/VLAN100', 'ok'],
      ['lab/DC0_C0/VLAN100', 'ok'],
    ]);
    expect(JSON.parse(audit[0]!.details)).toMatchObject({ created: [H0, H1], vlanId: 100, nic: 'vmnic0' });
    expect(JSON.parse(audit[1]!.details)).toMatchObject({ created: [] });

    // A single host too, by name.
    const one = await call<VlanEnsureResult>('vlan.ensure', { site: 'lab', host: STANDALONE, nic: 'vmnic0', portGroup: 'VLAN100', vlanId: 100 });
    expect(one.hosts.map((h) => [h.host, h.created])).toEqual([[STANDALONE, true]]);
    for (const h of [H0, H1, STANDALONE]) await removePortGroup(peer.operator.session, await operatorNetworkSystem(h), 'VLAN100');
  });

  it('fails on a missing adapter, naming each host and the adapters it has; nothing changes', async () => {
    const preview = await call<VlanEnsureResult>('vlan.ensure', ensure({ nic: 'vmnic9', dryRun: true }));
    expect(preview.ok).toBe(false);
    expect(preview.hosts.map((h) => h.failure)).toEqual([`${H0}: no physical adapter vmnic9 (adapters found: vmnic0, vmnic1)`, `${H1}: no physical adapter vmnic9 (adapters found: vmnic0, vmnic1)`]);
    const err = await failure('vlan.ensure', ensure({ nic: 'vmnic9' }));
    expect(err.code).toBe('VLAN_CHECK_FAILED');
    expect(err.message).toContain(`${H0}: no physical adapter vmnic9`);
    expect(err.message).toContain('Nothing was changed');
    expect(await portGroup(H0, 'VLAN100')).toBeUndefined();
    expect((await auditRows()).map((a) => a.outcome)).toEqual(['failed']);
  });

  it('fails when no standard vSwitch is bound to the adapter, saying which switch uses what', async () => {
    const err = await failure('vlan.ensure', ensure({ nic: 'vmnic1' }));
    expect(err.code).toBe('VLAN_CHECK_FAILED');
    const hosts = (err.details as { hosts: VlanEnsureResult['hosts'] }).hosts;
    expect(hosts.map((h) => [h.outcome, h.failure])).toEqual([
      ['failed', `${H0}: no standard vSwitch is bound to vmnic1 (vSwitch0 uses vmnic0)`],
      ['failed', `${H1}: no standard vSwitch is bound to vmnic1 (vSwitch0 uses vmnic0)`],
    ]);
    expect(hosts[0]!.checks.map((c) => [c.check, c.ok])).toEqual([
      ['nic', true],
      ['vswitch', false],
    ]);
  });

  it('fails on a port group with the wrong VLAN on one host and leaves the other host untouched', async () => {
    // Another operator made VLAN300 on H1 with VLAN 301.
    await addPortGroup(peer.operator.session, await operatorNetworkSystem(H1), { name: 'VLAN300', vswitch: 'vSwitch0', vlanId: 301 });
    try {
      const preview = await call<VlanEnsureResult>('vlan.ensure', ensure({ portGroup: 'VLAN300', vlanId: 300, dryRun: true }));
      expect(preview.hosts.map((h) => [h.host, h.outcome, h.failure])).toEqual([
        [H0, 'create', null],
        [H1, 'failed', `${H1}: port group VLAN300 carries VLAN 301, not 300`],
      ]);
      const err = await failure('vlan.ensure', ensure({ portGroup: 'VLAN300', vlanId: 300 }));
      expect(err.code).toBe('VLAN_CHECK_FAILED');
      expect(err.message).toContain(`1 of 2 host(s) failed a check. ${H1}: port group VLAN300 carries VLAN 301, not 300`);
      expect(await portGroup(H0, 'VLAN300')).toBeUndefined();
      expect(await portGroup(H1, 'VLAN300')).toEqual({ name: 'VLAN300', vswitch: 'vSwitch0', vlanId: 301 });
    } finally {
      await removePortGroup(peer.operator.session, await operatorNetworkSystem(H1), 'VLAN300');
    }
  });

  it('fails on a port group that lives on another vSwitch than the one bound to the adapter', async () => {
    const ns = await operatorNetworkSystem(H0);
    await addVirtualSwitch(peer.operator.session, ns, 'vSwitch1');
    await addPortGroup(peer.operator.session, ns, { name: 'Storage', vswitch: 'vSwitch1', vlanId: 20 });
    try {
      const err = await failure('vlan.ensure', { site: 'lab', host: H0, nic: 'vmnic0', portGroup: 'Storage', vlanId: 20 });
      expect(err.code).toBe('VLAN_CHECK_FAILED');
      const [h] = (err.details as { hosts: VlanEnsureResult['hosts'] }).hosts;
      expect(h!.failure).toBe(`${H0}: port group Storage is on vSwitch1, not on vSwitch0 (the vSwitch bound to vmnic0)`);
      expect(h!.checks.map((c) => c.check)).toEqual(['nic', 'vswitch', 'portgroup', 'on-vswitch']);
      const listed = await network(H0);
      expect(listed.vswitches.find((v) => v.name === 'vSwitch1')).toEqual({ name: 'vSwitch1', uplinks: [], portGroups: ['Storage'] });
    } finally {
      await removePortGroup(peer.operator.session, ns, 'Storage');
    }
  });

  it('refuses bad input with one clear error and touches nothing', async () => {
    for (const bad of [ensure({ vlanId: 4096 }), ensure({ vlanId: -1 }), ensure({ vlanId: 1.5 }), ensure({ host: H0 }), { ...ensure({}), cluster: undefined }, ensure({ nic: 'vmnic0; rm -rf /' }), ensure({ portGroup: '' })]) {
      const err = await failure('vlan.ensure', bad);
      expect(err.code, JSON.stringify(bad)).toBe('VALIDATION');
    }
    expect((await failure('vlan.ensure', ensure({ vlanId: 4096 }))).message).toContain('0-4095');
    const missing = await failure('vlan.ensure', ensure({ cluster: 'NOPE' }));
    expect(missing.code).toBe('NOT_FOUND');
    expect(missing.message).toContain(`Clusters: ${CLUSTER}`);
    expect((await failure('vlan.list', { site: 'nope' })).code).toBe('NOT_FOUND');
    expect((await auditRows()).map((a) => a.outcome)).toEqual(['failed']); // the unknown cluster was an attempt
  });
});
