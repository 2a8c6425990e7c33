import type { CommandInput, HostNetwork } from '../../../core/contract';

/** The "ensure port group" form as typed; `vlan` stays text until it is a valid id. */
export interface VlanDraft {
  scope: 'cluster' | 'host';
  cluster: string;
  host: string;
  nic: string;
  portGroup: string;
  vlan: string;
}

export const emptyVlanDraft: VlanDraft = { scope: 'cluster', cluster: '', host: '', nic: 'vmnic0', portGroup: '', vlan: '' };

/** The VLAN id, or the message to show under the field (the contract says the same). */
export function parseVlanId(text: string): number | string {
  const t = text.trim();
  if (t === '') return 'Give a VLAN id from 0 to 4095.';
  if (!/^\d+$/.test(t)) return 'The VLAN id is a whole number from 0 to 4095.';
  const n = Number(t);
  return n > 4095 ? 'The VLAN id is 0-4095.' : n;
}

export function ensureInput(site: string, d: VlanDraft, dryRun: boolean): CommandInput<'vlan.ensure'> | { error: string } {
  const vlanId = parseVlanId(d.vlan);
  if (typeof vlanId === 'string') return { error: vlanId };
  const where = d.scope === 'cluster' ? { cluster: d.cluster } : { host: d.host };
  return { site, ...where, nic: d.nic.trim(), portGroup: d.portGroup.trim(), vlanId, dryRun };
}

/** Clusters (sorted, each once) and hosts of the listed network state, for the form's choices. */
export function choices(hosts: readonly HostNetwork[]): { clusters: string[]; hosts: string[]; nics: string[] } {
  return {
    clusters: [...new Set(hosts.map((h) => h.cluster).filter((c): c is string => c !== null))].sort(),
    hosts: hosts.map((h) => h.host),
    nics: [...new Set(hosts.flatMap((h) => h.nics))].sort(),
  };
}
