import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import type { VmNicInfo, VmNics } from '../contract/networking.js';
import type { Sql } from '../db/sql.js';
import { storedSite, withSiteSession, type StoredSite } from '../sites/site-session.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { readProperties } from '../vsphere/property-collector.js';
import type { VsphereSession } from '../vsphere/session.js';
import { hostNetworkChoices, readVmNics, reconfigureNic, sameBacking, type HostNetworkChoice, type NicBacking, type VmNic } from '../vsphere/vm-nics.js';
import type { MoRef } from '../vsphere/xml.js';

/** A NIC backing as a procedure's context stores it (the database is input too: decoded, never cast). */
export const nicBackingSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('network'), name: z.string(), network: z.object({ type: z.string(), value: z.string() }).nullable() }),
  z.object({ kind: z.literal('dvportgroup'), switchUuid: z.string(), portgroupKey: z.string() }),
  z.object({ kind: z.literal('other'), type: z.string() }),
]);

/** What the attach procedure's check step decided: which NIC, from which network to which. */
export interface AttachPlan {
  moref: string;
  vmName: string;
  /** 1-based index of the NIC (for an added one: its index once added). */
  nicIndex: number;
  /** The NIC's device key; null when this run adds the NIC. */
  nicKey: number | null;
  /** The backing before the change (null for an added NIC). */
  previous: NicBacking | null;
  previousName: string | null;
  target: NicBacking;
  /** Device keys of the VM's NICs before the change: an added NIC is the one not among them. */
  keysBefore: number[];
}

const MAX_NICS = 10;

/** Finds a VM of a site by name, moref or uuid in the synced inventory (the composition root passes inventory's). */
export type VmResolver = (site: StoredSite, vm: string) => Promise<{ moref: string; name: string }>;

const backingName = (b: NicBacking, networks: readonly HostNetworkChoice[]): string | null =>
  b.kind === 'network' ? b.name || null : b.kind === 'dvportgroup' ? (networks.find((n) => sameBacking(n.backing, b))?.name ?? null) : null;

function nicInfo(nics: readonly VmNic[], networks: readonly HostNetworkChoice[]): VmNicInfo[] {
  return nics.map((n, i) => ({
    index: i + 1,
    key: n.key,
    label: n.label,
    type: n.type,
    network: backingName(n.backing, networks),
    backing: n.backing.kind,
    macAddress: n.macAddress,
    connected: n.connected,
    startConnected: n.startConnected,
  }));
}

/**
 * A VM's network adapters and the port groups they are on (seed 003 step 6: "spawn the VM using
 * this port group"). Reads are live; the change is the durable `vlan.attach` procedure
 * (networking/vlan-attach.procedure.ts), which uses plan / apply / restore below.
 */
export class VmNetworkService {
  constructor(
    private readonly db: Sql,
    private readonly credentials: CredentialStore,
    private readonly storedVm: VmResolver,
  ) {}

  async nics(siteName: string, vmName: string): Promise<VmNics> {
    const site = await storedSite(this.db, siteName);
    const vm = await this.storedVm(site, vmName);
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const { nics, networks } = await this.read(session, { type: 'VirtualMachine', value: vm.moref });
      return { site: site.name, vm: vm.name, moref: vm.moref, nics: nicInfo(nics, networks), networks: networks.map((n) => ({ name: n.name, kind: n.backing.kind === 'dvportgroup' ? 'dvportgroup' : 'network' })) };
    });
  }

  /** The check: the VM, its NIC (or the slot for a new one) and the port group on its host. Changes nothing. */
  async plan(input: { site: string; vm: string; portGroup: string; nic?: number | undefined; add: boolean }): Promise<AttachPlan> {
    const site = await storedSite(this.db, input.site);
    const vm = await this.storedVm(site, input.vm);
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const { nics, networks, host } = await this.read(session, { type: 'VirtualMachine', value: vm.moref });
      const target = networks.find((n) => n.name === input.portGroup.trim());
      if (!target) {
        throw new OutpostError('NOT_FOUND', `Port group "${input.portGroup}" is not on ${vm.name}'s host${host ? ` (${host})` : ''}. Networks there: ${networks.map((n) => n.name).join(', ') || 'none'}. Create it first (outpost vlan ensure).`, {
          portGroup: input.portGroup,
          networks: networks.map((n) => n.name),
        });
      }
      const count = nics.length;
      const index = input.nic ?? (input.add ? count + 1 : 1);
      const keysBefore = nics.map((n) => n.key);
      if (index === count + 1 && input.add) {
        if (count >= MAX_NICS) throw new OutpostError('VALIDATION', `${vm.name} already has ${count} network adapters, the most a VM may have.`, { nic: index, count });
        return { moref: vm.moref, vmName: vm.name, nicIndex: index, nicKey: null, previous: null, previousName: null, target: target.backing, keysBefore };
      }
      const nic = nics[index - 1];
      if (!nic) {
        const hint = index === count + 1 ? ' To add a vmxnet3 adapter there, ask for a new adapter (--add).' : '';
        throw new OutpostError('VALIDATION', `${vm.name} has ${count} network adapter(s); there is no adapter ${index}.${hint}`, { nic: index, count });
      }
      if (nic.backing.kind === 'other') throw new OutpostError('VALIDATION', `Adapter ${index} of ${vm.name} is on a ${nic.backing.type} backing, which Outpost does not change; use vCenter.`, { nic: index });
      return { moref: vm.moref, vmName: vm.name, nicIndex: index, nicKey: nic.key, previous: nic.backing, previousName: backingName(nic.backing, networks), target: target.backing, keysBefore };
    });
  }

  /**
   * An ensure: puts the planned NIC on the target (or adds it). Running it again after a crash
   * changes nothing twice: an edited NIC already on the target is left alone, an added NIC (one
   * not among keysBefore, on the target) is not added again. Returns whether vCenter was changed.
   */
  async apply(siteName: string, plan: AttachPlan): Promise<{ changed: boolean; nicKey: number }> {
    const site = await storedSite(this.db, siteName);
    const ref: MoRef = { type: 'VirtualMachine', value: plan.moref };
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const { nics } = await readVmNics(session, ref);
      if (plan.nicKey === null) {
        const added = addedNic(nics, plan);
        if (added) return { changed: false, nicKey: added.key };
        await reconfigureNic(session, ref, { op: 'add', backing: plan.target });
        const now = addedNic((await readVmNics(session, ref)).nics, plan);
        if (!now) throw new OutpostError('VERIFY_FAILED', `vCenter accepted the new adapter for ${plan.vmName} but does not show it on the port group.`);
        return { changed: true, nicKey: now.key };
      }
      const nic = nics.find((n) => n.key === plan.nicKey);
      if (!nic) throw new OutpostError('NOT_FOUND', `Adapter ${plan.nicIndex} (device ${plan.nicKey}) of ${plan.vmName} is gone; nothing was changed.`, { nic: plan.nicIndex });
      if (sameBacking(nic.backing, plan.target)) return { changed: false, nicKey: nic.key };
      await reconfigureNic(session, ref, { op: 'edit', nic, backing: plan.target });
      return { changed: true, nicKey: nic.key };
    });
  }

  /** The read-back: the NIC is on the target now. Returns the VM's NICs as shown to the operator. */
  async verify(siteName: string, plan: AttachPlan): Promise<{ ok: boolean; nics: VmNicInfo[] }> {
    const site = await storedSite(this.db, siteName);
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const { nics, networks } = await this.read(session, { type: 'VirtualMachine', value: plan.moref });
      const nic = plan.nicKey === null ? addedNic(nics, plan) : nics.find((n) => n.key === plan.nicKey);
      return { ok: nic !== undefined && sameBacking(nic.backing, plan.target), nics: nicInfo(nics, networks) };
    });
  }

  /**
   * The undo: an edited NIC goes back to its previous network, an added NIC is removed. Only when
   * the NIC is still on the target (what this run made): a NIC someone moved since is left alone.
   * Idempotent. Returns what was done, for the journal.
   */
  async restore(siteName: string, plan: AttachPlan): Promise<string> {
    const site = await storedSite(this.db, siteName);
    const ref: MoRef = { type: 'VirtualMachine', value: plan.moref };
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const { nics } = await readVmNics(session, ref);
      if (plan.nicKey === null) {
        const added = addedNic(nics, plan);
        if (!added) return 'No added adapter to remove';
        await reconfigureNic(session, ref, { op: 'remove', nic: added });
        return `Removed the added adapter (device ${added.key})`;
      }
      const nic = nics.find((n) => n.key === plan.nicKey);
      if (!nic || !plan.previous) return 'The adapter is gone; nothing to restore';
      if (sameBacking(nic.backing, plan.previous)) return `Adapter ${plan.nicIndex} is on ${plan.previousName ?? 'its previous network'} already`;
      if (!sameBacking(nic.backing, plan.target)) return `Adapter ${plan.nicIndex} was moved by someone else since; left as it is`;
      await reconfigureNic(session, ref, { op: 'edit', nic, backing: plan.previous });
      return `Adapter ${plan.nicIndex} is back on ${plan.previousName ?? 'its previous network'}`;
    });
  }

  private async read(session: VsphereSession, vm: MoRef): Promise<{ nics: VmNic[]; networks: HostNetworkChoice[]; host: string | null }> {
    const { host, nics } = await readVmNics(session, vm);
    if (!host) return { host: null, nics, networks: [] };
    const name = (await readProperties(session, host, ['name'])).get('name');
    return { host: typeof name === 'string' ? name : host.value, nics, networks: await hostNetworkChoices(session, host) };
  }
}

function addedNic(nics: readonly VmNic[], plan: AttachPlan): VmNic | undefined {
  return nics.find((n) => !plan.keysBefore.includes(n.key) && sameBacking(n.backing, plan.target));
}
