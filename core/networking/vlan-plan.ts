import type { HostNetworkInfo } from '../vsphere/host-network.js';

/** What the operator asks for on each host: seed 003's VLAN workflow inputs. */
export interface VlanRequest {
  nic: string;
  portGroup: string;
  vlanId: number;
}

/** The checks of seed 003's workflow, in order. */
export type VlanCheckName = 'nic' | 'vswitch' | 'portgroup' | 'on-vswitch' | 'vlan';

export interface VlanCheck {
  check: VlanCheckName;
  ok: boolean;
  /** What was found, in words an operator can act on. */
  detail: string;
}

export type VlanOutcome = 'ready' | 'create' | 'failed';

export interface HostVlanPlan {
  host: string;
  cluster: string | null;
  outcome: VlanOutcome;
  /** The standard vSwitch bound to the adapter (where the port group lives or will be created). */
  vswitch: string | null;
  checks: VlanCheck[];
  /** For a failed host: the failing check's detail, naming the host. */
  failure: string | null;
}

const list = (items: readonly string[]): string => (items.length ? items.join(', ') : 'none');

/**
 * Seed 003's workflow for one host, as a plan: the adapter exists → a standard vSwitch is bound to
 * it → the port group exists (else: create it there with the VLAN id) → it is on that vSwitch →
 * it carries that VLAN id. Pure: the same network info always gives the same plan.
 */
export function planHostVlan(host: { name: string; cluster: string | null }, net: HostNetworkInfo, want: VlanRequest): HostVlanPlan {
  const checks: VlanCheck[] = [];
  const fail = (check: VlanCheckName, detail: string, vswitch: string | null = null): HostVlanPlan => {
    checks.push({ check, ok: false, detail });
    return { host: host.name, cluster: host.cluster, outcome: 'failed', vswitch, checks, failure: `${host.name}: ${detail}` };
  };

  const nics = net.pnics.map((p) => p.device);
  if (!nics.includes(want.nic)) return fail('nic', `no physical adapter ${want.nic} (adapters found: ${list(nics)})`);
  checks.push({ check: 'nic', ok: true, detail: `physical adapter ${want.nic} exists` });

  const bound = net.vswitches.filter((v) => v.uplinks.includes(want.nic));
  const vswitch = bound[0];
  if (!vswitch) {
    const found = net.vswitches.map((v) => `${v.name} uses ${list(v.uplinks)}`);
    return fail('vswitch', `no standard vSwitch is bound to ${want.nic} (${found.length ? found.join('; ') : 'the host has no standard vSwitch'})`);
  }
  checks.push({ check: 'vswitch', ok: true, detail: `${vswitch.name} is bound to ${want.nic}` });

  const pg = net.portGroups.find((p) => p.name === want.portGroup);
  if (!pg) {
    checks.push({ check: 'portgroup', ok: false, detail: `port group ${want.portGroup} does not exist: create it on ${vswitch.name} with VLAN ${want.vlanId}` });
    return { host: host.name, cluster: host.cluster, outcome: 'create', vswitch: vswitch.name, checks, failure: null };
  }
  checks.push({ check: 'portgroup', ok: true, detail: `port group ${want.portGroup} exists` });

  if (pg.vswitch !== vswitch.name) {
    return fail('on-vswitch', `port group ${want.portGroup} is on ${pg.vswitch || 'no vSwitch'}, not on ${vswitch.name} (the vSwitch bound to ${want.nic})`, vswitch.name);
  }
  checks.push({ check: 'on-vswitch', ok: true, detail: `${want.portGroup} is on ${vswitch.name}` });

  if (pg.vlanId !== want.vlanId) {
    return fail('vlan', `port group ${want.portGroup} carries VLAN ${pg.vlanId}, not ${want.vlanId}`, vswitch.name);
  }
  checks.push({ check: 'vlan', ok: true, detail: `${want.portGroup} carries VLAN ${want.vlanId}` });
  return { host: host.name, cluster: host.cluster, outcome: 'ready', vswitch: vswitch.name, checks, failure: null };
}
