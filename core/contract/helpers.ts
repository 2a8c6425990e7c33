import { z } from 'zod';
import { credentialName, nameText, siteName } from './names.js';
import { parseHostPort } from './fanout.js';
import type { CommandSpec } from './command-spec.js';

// Workstation helpers (seed 004): client-side translation, hosts entries, port preflight.
const translationSpec = z
  .object({
    subnet: z.string().trim().min(3).max(50),
    to: z.string().trim().min(2).max(45).optional(),
    toPrefix: z.string().trim().min(3).max(50).optional(),
    ports: z.array(z.number().int().min(1).max(65535)).max(15).optional(),
    protocol: z.enum(['tcp', 'udp', 'all']).default('tcp'),
  })
  .strict();

const backend = z.enum(['iptables', 'nft']);
const target = z.object({ host: z.string().trim().min(1).max(253), port: z.number().int().min(1).max(65535) }).strict();

export const portResultSchema = z.object({
  host: z.string(),
  port: z.number().int(),
  status: z.enum(['open', 'refused', 'timeout', 'unreachable', 'dns-error', 'error']),
  latencyMs: z.number(),
  detail: z.string().nullable(),
});

export const preflightListSchema = z.object({
  name: z.string(),
  targets: z.array(z.object({ host: z.string(), port: z.number().int() })),
  timeoutMs: z.number().int(),
  updatedAt: z.string(),
});
export type PreflightList = z.infer<typeof preflightListSchema>;

/** A VM of the inventory by site and name (or moref). */
export const inventoryVmRef = z.object({ site: siteName, vm: z.string().trim().min(1).max(500) }).strict();

/** What a node's hosts file gets: inventory VMs (private = guest IP, public = the NAT'd IP the CMDB holds) and/or a pasted list. */
const hostsTargetFields = z
  .object({
    /** The node: host, host:port or [IPv6]:port. */
    host: z.string().trim().min(1).max(260).refine((t) => parseHostPort(t) !== null, 'host, host:port or [IPv6]:port (port 1-65535)'),
    user: z.string().trim().min(1).max(64).optional(),
    credential: credentialName,
    path: z.string().trim().max(4096).regex(/^\/[^\0\n]*[^/]$/, 'an absolute file path').default('/etc/hosts'),
    vms: z.array(inventoryVmRef).max(5000).default([]),
    address: z.enum(['private', 'public']).default('private'),
    text: z.string().max(200_000).optional(),
  })
  .strict();
const someEntries = (v: { vms: unknown[]; text?: string | undefined }): boolean => v.vms.length > 0 || (v.text ?? '').trim() !== '';
const noEntries = { message: 'Pick at least one VM, or give a list of entries.', path: ['vms'] };

const hostEntrySchema = z.object({ ip: z.string(), names: z.array(z.string()) });

export const hostsPlanSchema = z.object({
  host: z.string(),
  path: z.string(),
  entries: z.array(hostEntrySchema),
  /** Unified diff of the node's file now against the file after the push ('' when nothing would change). */
  diff: z.string(),
  changed: z.boolean(),
  /** sha256 of the file as previewed: give it to the push to refuse a file edited since. */
  baseSha256: z.string(),
});

export const helperCommands = {
  'helpers.hosts.preview': {
    summary: "What pushing hosts entries (inventory VMs or a list) into a node's hosts file over SSH would change: a unified diff; nothing is written",
    input: hostsTargetFields.refine(someEntries, noEntries),
    output: hostsPlanSchema,
  },
  'helpers.hosts.push': {
    summary: "Write hosts entries into Outpost's block of a node's hosts file over SSH: atomic (temp file + rename, same mode), idempotent, audited",
    input: hostsTargetFields.extend({ expectSha256: z.string().regex(/^[0-9a-f]{64}$/, 'a sha256 from the preview').optional() }).strict().refine(someEntries, noEntries),
    output: hostsPlanSchema,
  },
  'helpers.translate.preview': {
    summary: 'The rules (or instructions) for reaching a private prefix through a public IP or mapped prefix',
    input: translationSpec.extend({ format: z.enum(['iptables', 'nft', 'windows', 'macos']) }).strict(),
    output: z.object({ tag: z.string(), rules: z.string() }),
  },
  'helpers.translate.apply': {
    summary: 'Apply translation rules on this machine (Linux; root or pkexec)',
    input: translationSpec.extend({ backend }).strict(),
    output: z.object({ tag: z.string(), changed: z.boolean() }),
  },
  'helpers.translate.remove': {
    summary: 'Remove translation rules from this machine',
    input: translationSpec.extend({ backend }).strict(),
    output: z.object({ tag: z.string(), changed: z.boolean() }),
  },
  'helpers.translate.applied': {
    summary: "Outpost's translation rules on this machine now",
    input: z.object({ backend }).strict(),
    output: z.array(z.object({ backend, tag: z.string(), rule: z.string() })),
  },
  'helpers.hosts.render': {
    summary: '/etc/hosts entries from a pasted list, optionally mapped to a public prefix',
    input: z
      .object({ text: z.string().max(200_000), mapSubnet: z.string().max(50).optional(), toPrefix: z.string().max(50).optional() })
      .strict()
      .refine((v) => (v.mapSubnet === undefined) === (v.toPrefix === undefined), { message: 'mapSubnet and toPrefix go together', path: ['toPrefix'] }),
    output: z.object({ entries: z.array(z.object({ ip: z.string(), names: z.array(z.string()) })), block: z.string() }),
  },
  'helpers.preflight.run': {
    summary: 'Check TCP reachability of many HOST:PORT pairs concurrently',
    input: z
      .object({ targets: z.array(target).min(1).max(2000), timeoutMs: z.number().int().min(50).max(120_000).default(3000), concurrency: z.number().int().min(1).max(256).default(32) })
      .strict(),
    output: z.array(portResultSchema),
  },
  'helpers.preflight.lists': {
    summary: 'Saved preflight lists',
    input: z.object({}).strict(),
    output: z.array(preflightListSchema),
  },
  'helpers.preflight.save': {
    summary: 'Save (or replace) a named preflight list',
    input: z.object({ name: nameText(100), targets: z.array(target).min(1).max(2000), timeoutMs: z.number().int().min(50).max(120_000).default(3000) }).strict(),
    output: preflightListSchema,
  },
  'helpers.preflight.delete': {
    summary: 'Delete a saved preflight list',
    // Any stored name, so one saved before names were checked can still be deleted.
    input: z.object({ name: z.string().min(1) }).strict(),
    output: z.object({ deleted: z.boolean() }),
  },
} as const satisfies Record<string, CommandSpec>;
