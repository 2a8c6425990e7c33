import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { firewallName } from './names.js';
import { hostAddressText, ipAddressText } from './ip-address-text.js';
import type { CommandSpec } from './command-spec.js';

/**
 * A client source for an allow-list: an IPv4 address or CIDR (host bits zero, so a typo such as
 * 10.0.0.5/24 is refused rather than silently widened). Normalised to `a.b.c.d/n`.
 */
export const sourceCidrText = z
  .string()
  .trim()
  .max(64)
  .transform((t, ctx) => {
    const [addr, prefixText, extra] = t.split('/');
    const bad = (message: string) => {
      ctx.addIssue({ code: 'custom', message });
      return z.NEVER;
    };
    if (extra !== undefined || addr === undefined || !ipaddr.IPv4.isValidFourPartDecimal(addr)) return bad(`"${t}" is not an IPv4 address or CIDR (expected e.g. 198.51.100.0/24 or 198.51.100.7)`);
    if (prefixText !== undefined && !/^\d{1,2}$/.test(prefixText)) return bad(`"${t}": the prefix length must be 0-32`);
    const prefix = prefixText === undefined ? 32 : Number(prefixText);
    if (prefix > 32) return bad(`"${t}": the prefix length must be 0-32`);
    const parsed = ipaddr.IPv4.parse(addr);
    const network = ipaddr.IPv4.networkAddressFromCIDR(`${parsed.toString()}/${prefix}`).toString();
    if (network !== parsed.toString()) return bad(`"${t}" has host bits set; did you mean ${network}/${prefix}?`);
    return `${network}/${prefix}`;
  });

/** Policy rules are written for IPv4 firewalls (`ip` tables, iptables): IPv6 is refused up front. */
const ipv4Host = hostAddressText.refine((t) => ipaddr.IPv4.isValidFourPartDecimal(t), { message: 'an IPv4 address (firewall policy is IPv4 only)' });
const ipv4Any = ipAddressText.refine((t) => ipaddr.IPv4.isValidFourPartDecimal(t), { message: 'an IPv4 address (firewall policy is IPv4 only)' });
export const portNumber = z.number().int().min(1, 'a port is 1-65535').max(65535, 'a port is 1-65535');
export const policyProtoSchema = z.enum(['tcp', 'udp']);

/** One allow-list entry: scoped to one public address (a NAT's or a forward's), or to the whole firewall (`publicIp` null). */
export const natAllowSchema = z.object({
  id: z.number().int(),
  firewall: z.string(),
  publicIp: z.string().nullable(),
  source: z.string(),
  proto: policyProtoSchema.nullable(),
  port: z.number().int().nullable(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type NatAllowView = z.infer<typeof natAllowSchema>;

export const natForwardSchema = z.object({
  id: z.number().int(),
  firewall: z.string(),
  publicIp: z.string(),
  publicPort: z.number().int(),
  proto: policyProtoSchema,
  privateIp: z.string(),
  privatePort: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
});
export type NatForwardView = z.infer<typeof natForwardSchema>;

/** One difference between what the store says and what the firewall has (Outpost's tagged rules only). */
export const driftItemSchema = z.object({
  kind: z.enum(['missing', 'extra', 'changed']),
  /** The rule's tag (its comment on the firewall), e.g. outpost:allow:3@203.0.113.2. */
  tag: z.string(),
  /** Human text: what is expected and what was found. */
  detail: z.string(),
});
export type DriftItem = z.infer<typeof driftItemSchema>;

export const driftStatusSchema = z.object({
  firewall: z.string(),
  /** unknown: a manual firewall (Outpost cannot read it); unreachable: the read failed (see error). */
  state: z.enum(['in-sync', 'drift', 'unreachable', 'unknown', 'not-checked']),
  checkedAt: z.string().nullable(),
  items: z.array(driftItemSchema),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});
export type DriftStatus = z.infer<typeof driftStatusSchema>;

export const natPolicySchema = z.object({
  allows: z.array(natAllowSchema),
  forwards: z.array(natForwardSchema),
  /** The last reconcile check of each firewall (from the background reconciler or `nat.reconcile`). */
  drift: z.array(driftStatusSchema),
});
export type NatPolicy = z.infer<typeof natPolicySchema>;

const allowInput = z
  .object({
    firewall: firewallName,
    /** The NAT's (or forward's) public address; omitted: the allow-list of the whole firewall (every public address it serves). */
    publicIp: ipv4Any.optional(),
    source: sourceCidrText,
    /** Only this destination port (the public port clients connect to); needs a protocol, tcp when omitted. */
    port: portNumber.optional(),
    proto: policyProtoSchema.optional(),
  })
  .strict();
export type NatAllowInput = z.input<typeof allowInput>;

const started = z.object({ procedureId: z.string() });

/** Firewall policy beside 1:1 NAT: client allow-lists, port forwards, and the drift reconciler. */
export const firewallPolicyCommands = {
  'nat.policy': {
    summary: 'Allow-lists, port forwards and the last drift check of each firewall',
    input: z.object({ firewall: firewallName.optional() }).strict(),
    output: natPolicySchema,
  },
  'nat.allow': {
    summary: 'Start the nat.allow procedure: let a client source reach a NAT (once a NAT has an allow-list, only listed sources reach it)',
    input: allowInput,
    output: started,
  },
  'nat.disallow': {
    summary: 'Start the nat.disallow procedure: remove an allow-list entry (the last one removed opens the NAT to everyone again)',
    input: allowInput,
    output: started,
  },
  'nat.forward': {
    summary: 'Start the nat.forward procedure: forward public IP:port to private IP:port',
    input: z
      .object({
        firewall: firewallName,
        publicIp: ipv4Host,
        publicPort: portNumber,
        privateIp: ipv4Host,
        privatePort: portNumber,
        proto: policyProtoSchema.default('tcp'),
      })
      .strict(),
    output: started,
  },
  'nat.unforward': {
    summary: 'Start the nat.unforward procedure: remove a port forward',
    input: z.object({ firewall: firewallName, publicIp: ipv4Any, publicPort: portNumber, proto: policyProtoSchema.default('tcp') }).strict(),
    output: started,
  },
  'nat.reconcile': {
    summary: "Compare a firewall's live rules with the store now; with repair, start the nat.reconcile procedure that puts them back",
    input: z.object({ firewall: firewallName, repair: z.boolean().default(false) }).strict(),
    output: z.object({ status: driftStatusSchema, procedureId: z.string().nullable() }),
  },
} as const satisfies Record<string, CommandSpec>;
