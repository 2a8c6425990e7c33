import { z } from 'zod';
import { nameText, siteName } from './names.js';
import type { CommandSpec } from './command-spec.js';

// Standard-switch VLAN port groups on ESXi hosts (seed 003's VLAN workflow).
/** ESXi names: port groups up to 59 characters (vSphere's limit), adapters like vmnic0. */
const portGroupName = nameText(59);
const nicName = z
  .string()
  .trim()
  .min(1)
  .max(32)
  .regex(/^[A-Za-z0-9._-]+$/, 'an adapter name such as vmnic0');
export const vlanIdSchema = z.number().int('the VLAN id is a whole number').min(0, 'the VLAN id is 0-4095').max(4095, 'the VLAN id is 0-4095');

export const hostNetworkSchema = z.object({
  host: z.string(),
  cluster: z.string().nullable(),
  /** Physical adapters by device name. */
  nics: z.array(z.string()),
  vswitches: z.array(z.object({ name: z.string(), uplinks: z.array(z.string()), portGroups: z.array(z.string()) })),
  portGroups: z.array(z.object({ name: z.string(), vswitch: z.string(), vlanId: z.number().int() })),
});
export type HostNetwork = z.infer<typeof hostNetworkSchema>;

export const vlanCheckSchema = z.object({
  check: z.enum(['nic', 'vswitch', 'portgroup', 'on-vswitch', 'vlan']),
  ok: z.boolean(),
  detail: z.string(),
});

export const hostVlanResultSchema = z.object({
  host: z.string(),
  cluster: z.string().nullable(),
  /** ready: nothing to do; create: would be / was created (see `created`); failed: a check failed. */
  outcome: z.enum(['ready', 'create', 'failed']),
  created: z.boolean(),
  vswitch: z.string().nullable(),
  checks: z.array(vlanCheckSchema),
  failure: z.string().nullable(),
});
export type HostVlanResult = z.infer<typeof hostVlanResultSchema>;

export const vlanEnsureResultSchema = z.object({
  site: z.string(),
  dryRun: z.boolean(),
  nic: z.string(),
  portGroup: z.string(),
  vlanId: z.number().int(),
  /** True when every host is (or, for a dry run, would be) ready. */
  ok: z.boolean(),
  hosts: z.array(hostVlanResultSchema),
  /** The durable run that made the change (absent for a dry run). */
  procedureId: z.string().optional(),
});
export type VlanEnsureResult = z.infer<typeof vlanEnsureResultSchema>;

export const vlanEnsureInputSchema = z
  .object({
    site: siteName,
    host: z.string().trim().min(1).max(253).optional(),
    cluster: z.string().trim().min(1).max(253).optional(),
    nic: nicName,
    portGroup: portGroupName,
    vlanId: vlanIdSchema,
    dryRun: z.boolean().default(false),
  })
  .strict()
  .refine((v) => (v.host === undefined) !== (v.cluster === undefined), { message: 'give a host or a cluster (one of them)', path: ['host'] });

/** A VM by name, moref or uuid (as the other per-VM commands take it). */
const vmRef = nameText(500);
/** vSphere network names (standard port groups and distributed port groups) are up to 80 characters. */
const networkName = nameText(80);

export const vmNicSchema = z.object({
  /** 1-based, in device order: "Network adapter 1" is index 1 (what `--nic N` names). */
  index: z.number().int(),
  key: z.number().int(),
  label: z.string(),
  /** The device type, e.g. VirtualVmxnet3. */
  type: z.string(),
  /** The network's name (port group or distributed port group), null when Outpost cannot name it. */
  network: z.string().nullable(),
  backing: z.enum(['network', 'dvportgroup', 'other']),
  macAddress: z.string().nullable(),
  connected: z.boolean(),
  startConnected: z.boolean(),
});
export type VmNicInfo = z.infer<typeof vmNicSchema>;

export const vmNicsSchema = z.object({
  site: z.string(),
  vm: z.string(),
  moref: z.string(),
  nics: z.array(vmNicSchema),
  /** The networks of the VM's host: what a NIC may be connected to. */
  networks: z.array(z.object({ name: z.string(), kind: z.enum(['network', 'dvportgroup']) })),
});
export type VmNics = z.infer<typeof vmNicsSchema>;

export const vlanAttachInputSchema = z
  .object({
    site: siteName,
    vm: vmRef,
    portGroup: networkName,
    /** 1-based NIC index; default 1 (or, with add, one past the last). */
    nic: z.number().int('the NIC index is a whole number').min(1, 'NICs are numbered from 1').max(10, 'a VM has at most 10 NICs').optional(),
    /** Add a new vmxnet3 NIC when `nic` is one past the last (or not given). */
    add: z.boolean().default(false),
  })
  .strict();

export const vlanAttachResultSchema = z.object({
  site: z.string(),
  vm: z.string(),
  moref: z.string(),
  nic: z.number().int(),
  portGroup: z.string(),
  /** The network the NIC was on before (null for a NIC this run added). */
  previous: z.string().nullable(),
  added: z.boolean(),
  /** False when the NIC already was on the port group (nothing was sent to vCenter). */
  changed: z.boolean(),
  nics: z.array(vmNicSchema),
  procedureId: z.string(),
});
export type VlanAttachResult = z.infer<typeof vlanAttachResultSchema>;

export const networkingCommands = {
  'vlan.list': {
    summary: "Each host's physical adapters, standard vSwitches with their uplinks, and port groups with VLAN ids (read live from vCenter)",
    input: z.object({ site: siteName }).strict(),
    output: z.array(hostNetworkSchema),
  },
  'vlan.ensure': {
    summary: 'Ensure a VLAN port group on a host or every host of a cluster: adapter → bound vSwitch → port group (created if missing) → on that vSwitch → that VLAN id; dryRun previews',
    input: vlanEnsureInputSchema,
    output: vlanEnsureResultSchema,
  },
  'vlan.attach': {
    summary:
      "Connect a VM's network adapter to a port group (standard or distributed) its host has, or add a vmxnet3 adapter on it (add); a durable, audited procedure whose undo puts the adapter back on its previous network",
    input: vlanAttachInputSchema,
    output: vlanAttachResultSchema,
  },
  'vm.nics.list': {
    summary: "A VM's network adapters (network, MAC, connected) and the networks its host offers (read live from vCenter)",
    input: z.object({ site: siteName, vm: vmRef }).strict(),
    output: vmNicsSchema,
  },
} as const satisfies Record<string, CommandSpec>;
