import type { AuditLog } from '../audit/audit-log.js';
import type { CommandParsedInput } from '../contract/commands.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import type { HostNetwork, HostVlanResult, VlanEnsureResult } from '../contract/networking-commands.js';
import type { Db } from '../db/database.js';
import { storedSite, withSiteSession } from '../sites/site-session.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { addPortGroup, listHosts, readHostNetwork, requireNetworkSystem, type HostNetworkInfo, type HostRef } from '../vsphere/host-network.js';
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

const toResult = (plan: HostVlanPlan, created = false): HostVlanResult => ({ ...plan, created });

/** Port groups on standard vSwitches, checked and created host by host (seed 003's workflow). */
export class VlanService {
  constructor(
    private readonly db: Db,
    private readonly credentials: CredentialStore,
    private readonly audit: AuditLog,
  ) {}

  async list(siteName: string): Promise<HostNetwork[]> {
    const site = storedSite(this.db, siteName);
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
   * Plans every target host first; a dry run returns that plan. Otherwise nothing is changed
   * unless every host passes (a cluster ends up uniform or untouched), then the missing port
   * groups are created and each host is read again to verify. Audited either way.
   */
  async ensure(input: CommandParsedInput<'vlan.ensure'>, actor: string): Promise<VlanEnsureResult> {
    const site = storedSite(this.db, input.site);
    const want = { nic: input.nic, portGroup: input.portGroup, vlanId: input.vlanId };
    const scope = input.host !== undefined ? `host ${input.host}` : `cluster ${input.cluster ?? ''}`;
    const target = `${site.name}/${input.host ?? input.cluster ?? ''}/${input.portGroup}`;
    const base = { site: site.name, dryRun: input.dryRun, ...want };
    const auditDetails = { scope, ...want };
    try {
      return await withSiteSession(this.db, this.credentials, site, async (session) => {
        const hosts = selectHosts(await listHosts(session), input.host, input.cluster, site.name);
        const plans = await this.plan(session, hosts, want);
        const failed = plans.filter((p) => p.outcome === 'failed');
        if (input.dryRun) return { ...base, ok: failed.length === 0, hosts: plans.map((p) => toResult(p)) };
        if (failed.length > 0) {
          throw new OutpostError(
            'VLAN_CHECK_FAILED',
            `Nothing was changed: ${failed.length} of ${plans.length} host(s) failed a check. ${failed.map((p) => p.failure).join('; ')}.`,
            { hosts: plans.map((p) => toResult(p)) },
          );
        }
        const created: string[] = [];
        for (const [i, plan] of plans.entries()) {
          if (plan.outcome !== 'create' || !plan.vswitch) continue;
          try {
            await addPortGroup(session, requireNetworkSystem(hosts[i]!), { name: want.portGroup, vswitch: plan.vswitch, vlanId: want.vlanId });
          } catch (err) {
            const e = toContractError(err);
            throw new OutpostError(e.code, `Creating ${want.portGroup} on ${plan.host} failed: ${e.message}${created.length ? ` It was created on ${created.join(', ')} before that; run the ensure again once the cause is fixed.` : ''}`, {
              host: plan.host,
              created,
              ...(typeof e.details === 'object' && e.details !== null ? e.details : {}),
            });
          }
          created.push(plan.host);
        }
        // Verify: read every changed host again; each must now pass every check.
        const after = await this.plan(session, hosts, want);
        const unverified = after.filter((p, i) => plans[i]!.outcome === 'create' && p.outcome !== 'ready');
        if (unverified.length > 0) {
          throw new OutpostError('VERIFY_FAILED', `The port group was created but a re-read does not show it ready: ${unverified.map((p) => p.failure ?? `${p.host}: still ${p.outcome}`).join('; ')}.`, {
            hosts: after.map((p) => toResult(p)),
            created,
          });
        }
        const result = { ...base, ok: true, hosts: after.map((p) => toResult(p, created.includes(p.host))) };
        this.audit.append({ actor, action: 'vlan.ensure', target, details: { ...auditDetails, created, ready: after.map((p) => p.host) } });
        return result;
      });
    } catch (err) {
      if (!input.dryRun) {
        const e = toContractError(err);
        const created = typeof e.details === 'object' && e.details !== null && 'created' in e.details ? (e.details as { created: unknown }).created : [];
        this.audit.append({ actor, action: 'vlan.ensure', target, outcome: 'failed', details: { ...auditDetails, error: e.code, message: e.message, created } });
      }
      throw err;
    }
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
