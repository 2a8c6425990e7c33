import { OutpostError } from '../contract/errors.js';
import type { VmSummary } from '../contract/inventory.js';
import type { Services } from './services.js';

/**
 * Inventory VMs by site and name (or moref), in the order given, each site read once. An unknown
 * site or VM is one NOT_FOUND before anything runs.
 */
export async function inventoryVms(s: Services, refs: readonly { site: string; vm: string }[]): Promise<VmSummary[]> {
  const bySite = new Map<string, VmSummary[]>();
  const found: VmSummary[] = [];
  for (const ref of refs) {
    let vms = bySite.get(ref.site);
    if (!vms) {
      vms = await s.inventory.listVms({ site: ref.site, includeRemoved: false, limit: 200_000 });
      bySite.set(ref.site, vms);
    }
    const vm = vms.find((v) => v.moref === ref.vm) ?? vms.find((v) => v.name === ref.vm);
    if (!vm) throw new OutpostError('NOT_FOUND', `No VM ${ref.vm} in site ${ref.site}. Sync the site, then pick the VM again.`, { site: ref.site, vm: ref.vm });
    found.push(vm);
  }
  return found;
}

/** The public (NAT'd) address the CMDB holds for each enrolled VM of these sites, by site and moref. */
export async function publicAddresses(s: Services, sites: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const site of new Set(sites)) {
    for (const r of await s.enrollment.cmdb.list({ site, status: 'active', limit: -1 })) if (r.publicIp) out.set(`${r.site}\u0000${r.vmMoref}`, r.publicIp);
  }
  return out;
}
