import { z } from 'zod';
import { credentialName, firewallName, labelText, plainText, poolName } from './names.js';
import { hostAddressText, ipAddressText } from './ip-address-text.js';
import type { CommandSpec } from './command-spec.js';

export const firewallDriverSchema = z.enum(['linux-iptables', 'linux-nft', 'manual']);
export type FirewallDriverKind = z.infer<typeof firewallDriverSchema>;

/** How commands reach a firewall: over SSH, on this machine (a firewall Outpost runs on, and the test lab's namespaces), or not at all (manual). */
export const firewallConnectionSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('local'),
    /** Run inside this network namespace (`ip netns exec NAME ...`). */
    netns: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).optional(),
  }),
  z.object({ type: z.literal('none') }),
  z.object({
    type: z.literal('ssh'),
    host: z.string().min(1).max(253).regex(/^[A-Za-z0-9_.:-]+$/, 'a host name or an IP address'),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().min(1).max(64).regex(/^[A-Za-z0-9_.][A-Za-z0-9_.-]*$/, 'a user name'),
    /** Name of a credential profile (password or private key) in the vault. */
    credential: credentialName,
    /** The firewall's host key, pinned: any other key is a hard stop (SHA256:BASE64 as ssh-keygen -lf prints). */
    hostKey: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'the host key fingerprint as ssh-keygen -lf prints it (SHA256:...)'),
  }),
]);
export type FirewallConnection = z.infer<typeof firewallConnectionSchema>;

export const firewallSettingsSchema = z
  .object({
    publicInterface: z.string().regex(/^[A-Za-z0-9_.:@-]{1,15}$/).optional(),
    /** For the manual driver: write instructions as iptables or nft commands, or as a change request. */
    manualSyntax: z.enum(['iptables', 'nft', 'generic']).optional(),
  })
  .strict();

export const firewallInputSchema = z
  .object({
    name: plainText(z.string().trim().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, dots, dashes, underscores; up to 64')),
    driver: firewallDriverSchema,
    settings: firewallSettingsSchema.default({}),
    connection: firewallConnectionSchema.default({ type: 'none' }),
  })
  .strict();
export type FirewallInput = z.input<typeof firewallInputSchema>;

export const firewallSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  driver: firewallDriverSchema,
  settings: firewallSettingsSchema,
  connection: firewallConnectionSchema,
  createdAt: z.string(),
  createdBy: z.string(),
});
export type FirewallView = z.infer<typeof firewallSchema>;

export const natStateSchema = z.enum(['pending', 'active', 'removing', 'removed']);

/** Whether the firewall has exactly what the record says. */
export const natDriftSchema = z.enum(['in-sync', 'missing', 'different', 'unknown', 'not-checked']);

export const natRecordSchema = z.object({
  id: z.number().int(),
  firewall: z.string(),
  publicIp: z.string(),
  privateIp: z.string(),
  vm: z.string().nullable(),
  state: natStateSchema,
  procedureId: z.string().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
  removedAt: z.string().nullable(),
  drift: natDriftSchema,
});
export type NatRecordView = z.infer<typeof natRecordSchema>;

/** Outpost-tagged rules on a firewall that no live record explains. */
export const natOrphanSchema = z.object({ firewall: z.string(), recordId: z.number().int(), publicIp: z.string().nullable(), privateIp: z.string().nullable() });

export const natListSchema = z.object({
  records: z.array(natRecordSchema),
  orphans: z.array(natOrphanSchema),
  /** Firewalls that could not be read during a verify, with the reason. */
  unreachable: z.array(z.object({ firewall: z.string(), code: z.string(), message: z.string() })),
});
export type NatList = z.infer<typeof natListSchema>;

const empty = z.object({}).strict();
const started = z.object({ procedureId: z.string() });

/** Firewalls and NAT records; adding and removing a NAT starts its procedure. */
export const natCommands = {
  'firewalls.list': {
    summary: 'Firewalls Outpost drives or instructs',
    input: empty,
    output: z.array(firewallSchema),
  },
  'firewalls.add': {
    summary: 'Add a firewall',
    input: firewallInputSchema,
    output: firewallSchema,
  },
  'nat.list': {
    summary: 'NAT records; with verify, their drift against each firewall',
    input: z.object({ verify: z.boolean().default(false), includeRemoved: z.boolean().default(false) }).strict(),
    output: natListSchema,
  },
  'nat.add': {
    summary: 'Start the NAT add procedure',
    input: z
      .object({
        firewall: firewallName,
        privateIp: hostAddressText,
        /** Must be a usable address of a public pool (with pool, of that one): it is allocated there. */
        publicIp: hostAddressText.optional(),
        pool: poolName.optional(),
        /** A label for the VM this NAT serves (shown in lists). */
        vm: labelText(200).optional(),
      })
      .strict()
      .refine((v) => v.publicIp !== undefined || v.pool !== undefined, { message: 'give publicIp, or a pool to allocate from', path: ['publicIp'] }),
    output: started,
  },
  'nat.remove': {
    summary: 'Start the NAT remove procedure',
    input: z.object({ publicIp: ipAddressText }).strict(),
    output: started,
  },
} as const satisfies Record<string, CommandSpec>;
