import type { CommandParsedInput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { HostNetwork, HostVlanResult, VlanEnsureResult } from '../contract/networking.js';
import type { Sql } from '../db/sql.js';
import { storedSite, withSiteSession } from '../sites/site-session.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { addPortGroup, listHosts, removePortGroup, readHostNetwork, requireNetworkSystem, type HostNetworkInfo, type HostRef } from '../vsphere/host-network.js';
import type { VsphereSession } from '../vsphere/session.js';
import { planHostVlan, type HostVlanPlan } from './vlan-plan.js';

/** Hosts read at once: enough to hide latency, few enough not to crowd a vCenter. */
const READ_CONCURRENCY = 4;

async function mapLimited<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

export const toResult = (plan: HostVlanPlan, created = false): HostVlanResult => ({ ...plan, created });

/** What a VLAN ensure is about: a site, a host or a cluster, and seed 003's inputs. */
export interface VlanTarget {
  site: string;
  host?: string | undefined;
  cluster?: string | undefined;
  nic: string;
  portGroup: string;
  vlanId: number;
}

const want = (t: VlanTarget) => ({ nic: t.nic, portGroup: t.portGroup, vlanId: t.vlanId });

/** Port groups on standard vSwitches, checked and created host by host (seed 003's workflow). */
export class VlanService {
  constructor(
    private readonly db: Sql,
    private readonly credentials: CredentialStore,
  ) {}

  async list(siteName: string): Promise<HostNetwork[]> {
    const site = await storedSite(this.db, siteName);
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const hosts = await listHosts(session);
      return mapLimited(hosts, READ_CONCURRENCY, async (h) => {
        const net = await readHostNetwork(session, requireNetworkSystem(h));
        return {
          host: h.name,
          cluster: h.cluster,
          nics: net.pnics.map((p) => p.device),
          vswitches: net.vswitches.map((v) => ({ name: v.name, uplinks: v.uplinks, portGroups: v.portGroups })),
          portGroups: net.portGroups.map((p) => ({ name: p.name, vswitch: p.vswitch, vlanId: p.vlanId })),
        };
      });
    });
  }

  /**
   * The dry run: every target host's checks, read live, and what would be created; nothing is
   * changed or recorded. The change itself is the durable `vlan.ensure` procedure
   * (networking/vlan-ensure.procedure.ts), which uses the methods below.
   */
  async preview(input: CommandParsedInput<'vlan.ensure'>): Promise<VlanEnsureResult> {
    const plans = await this.planTargets(input);
    return { site: input.site.trim(), dryRun: true, ...want(input), ok: plans.every((p) => p.outcome !== 'failed'), hosts: plans.map((p) => toResult(p)) };
  }

  /** The procedure's check and verify: every target host's plan, read live. */
  async planTargets(t: VlanTarget): Promise<HostVlanPlan[]> {
    const site = await storedSite(this.db, t.site);
    return withSiteSession(this.db, this.credentials, site, async (session) => this.plan(session, selectHosts(await listHosts(session), t.host, t.cluster, site.name), want(t)));
  }

  /**
   * An ensure: on each named host where the port group is still missing, creates it on the vSwitch
   * bound to the adapter. Running it again creates nothing twice. Returns the hosts changed now.
   */
  async createMissing(t: VlanTarget, hostNames: readonly string[]): Promise<string[]> {
    const site = await storedSite(this.db, t.site);
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const hosts = (await listHosts(session)).filter((h) => hostNames.includes(h.name));
      const created: string[] = [];
      for (const h of hosts) {
        const plan = planHostVlan(h, await readHostNetwork(session, requireNetworkSystem(h)), want(t));
        if (plan.outcome === 'ready') continue;
        if (plan.outcome === 'failed' || !plan.vswitch) throw new OutpostError('VLAN_CHECK_FAILED', `Nothing more was changed: ${plan.failure ?? plan.host}.`, { hosts: [toResult(plan)], created });
        await addPortGroup(session, requireNetworkSystem(h), { name: t.portGroup, vswitch: plan.vswitch, vlanId: t.vlanId });
        created.push(h.name);
      }
      return created;
    });
  }

  /**
   * The undo: removes the port group from the named hosts where it is exactly what this run
   * creates (on the vSwitch bound to the adapter, with this VLAN). The check step proved it was
   * missing there before, so anything else is left alone. Idempotent.
   */
  async removeCreated(t: VlanTarget, hostNames: readonly string[]): Promise<string[]> {
    const site = await storedSite(this.db, t.site);
    return withSiteSession(this.db, this.credentials, site, async (session) => {
      const hosts = (await listHosts(session)).filter((h) => hostNames.includes(h.name));
      const removed: string[] = [];
      for (const h of hosts) {
        const plan = planHostVlan(h, await readHostNetwork(session, requireNetworkSystem(h)), want(t));
        if (plan.outcome !== 'ready') continue;
        await removePortGroup(session, requireNetworkSystem(h), t.portGroup);
        removed.push(h.name);
      }
      return removed;
    });
  }

  private async plan(session: VsphereSession, hosts: readonly HostRef[], want: { nic: string; portGroup: string; vlanId: number }): Promise<HostVlanPlan[]> {
    return mapLimited(hosts, READ_CONCURRENCY, async (h) => {
      const net: HostNetworkInfo = await readHostNetwork(session, requireNetworkSystem(h));
      return planHostVlan(h, net, want);
    });
  }
}

/** The hosts the operator named: one host, or every host of one cluster. */
export function selectHosts(all: readonly HostRef[], host: string | undefined, cluster: string | undefined, site: string): HostRef[] {
  if (host !== undefined) {
    const found = all.filter((h) => h.name === host);
    if (found.length === 0) throw new OutpostError('NOT_FOUND', `No host "${host}" in site ${site}. Hosts: ${all.map((h) => h.name).join(', ') || 'none'}.`, { host });
    return found;
  }
  const members = all.filter((h) => h.cluster === cluster);
  if (members.length === 0) {
    const clusters = [...new Set(all.map((h) => h.cluster).filter((c): c is string => c !== null))];
    throw new OutpostError('NOT_FOUND', `No cluster "${cluster ?? ''}" with hosts in site ${site}. Clusters: ${clusters.join(', ') || 'none'}.`, { cluster });
  }
  return members;
}
