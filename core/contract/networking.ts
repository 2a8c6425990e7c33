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
} as const satisfies Record<string, CommandSpec>;
