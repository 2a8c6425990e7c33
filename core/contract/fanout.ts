import { z } from 'zod';
import { credentialName, siteName } from './names.js';
import type { CommandSpec } from './command-spec.js';
import { sshHop } from './terminal.js';


/** host, host:port, [v6]:port or a bare IPv6 address. */
const HOST_PORT = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9_.-]+))(?::(\d{1,5}))?$/;
const BARE_V6 = /^[0-9A-Fa-f]*:[0-9A-Fa-f:.]*$/;

/** Splits "host[:port]" (IPv6 in brackets when a port follows); null when it is not one. Pure: the renderer previews with it. */
export function parseHostPort(text: string, defaultPort = 22): { host: string; port: number } | null {
  const t = text.trim();
  if (!t || t.length > 260) return null;
  if (BARE_V6.test(t) && t.split(':').length > 2) return { host: t, port: defaultPort };
  const m = HOST_PORT.exec(t);
  if (!m) return null;
  const host = m[1] ?? m[2]!;
  const port = m[3] === undefined ? defaultPort : Number(m[3]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) return null;
  return { host, port };
}

/** At most this many jump hosts in a chain (as for terminals and ssh.exec). */
export const MAX_JUMPS = 8;

/**
 * A jump chain as an operator types it (and as `outpost exec|fanout --jump` take it): `[user@]host[:port]`
 * hops, first hop first, separated by commas (ssh -J's form) or spaces. Pure: the form checks it as you type.
 */
export function parseJumpList(text: string): { hops: { user: string | null; host: string; port: number }[] } | { error: string } {
  const words = text.split(/[\s,]+/).filter(Boolean);
  if (words.length > MAX_JUMPS) return { error: `At most ${MAX_JUMPS} jump hosts (got ${words.length}).` };
  const hops: { user: string | null; host: string; port: number }[] = [];
  for (const word of words) {
    const at = word.lastIndexOf('@');
    const user = at >= 0 ? word.slice(0, at) : null;
    if (user !== null && !/^[A-Za-z0-9_][A-Za-z0-9._-]{0,63}$/.test(user)) return { error: `"${word}": the user before @ is letters, digits, dots, dashes or underscores.` };
    const hp = parseHostPort(at >= 0 ? word.slice(at + 1) : word);
    if (!hp) return { error: `"${word}" is not [user@]host[:port] ([IPv6]:port with a port; port 1-65535).` };
    hops.push({ user, host: hp.host, port: hp.port });
  }
  return { hops };
}

/** An ssh_config Host alias (no wildcards or negation: one concrete host). */
const sshConfigAlias = z.string().trim().min(1).max(255).regex(/^[^\s*?!,#]+$/, 'one Host alias of ~/.ssh/config (no wildcards)');

const hostPortText = z.string().trim().min(1).max(260).refine((t) => parseHostPort(t) !== null, 'host, host:port or [IPv6]:port (port 1-65535)');

export const fanoutErrorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

/** One host of a fan-out job: pending, running, or finished (done / cancelled) with its result. */
export const fanoutRowSchema = z.object({
  index: z.number().int(),
  /** host:port as it was reached (or the VM's name when it has no guest IP). */
  host: z.string(),
  /** The inventory VM this host came from (site/name), if any. */
  vm: z.string().nullable(),
  /** The jump hosts it is reached through (user@host:port, first hop first, " -> " between), or null: directly. */
  jump: z.string().nullable(),
  state: z.enum(['pending', 'running', 'done', 'cancelled']),
  /** null: the command never ran (connection, auth, host key, cancel) or died by a signal. */
  exitCode: z.number().int().nullable(),
  durationMs: z.number().nullable(),
  /** The first lines of stdout and stderr (bounded). */
  stdoutHead: z.string(),
  stderrHead: z.string(),
  /** More output followed what the heads keep. */
  truncated: z.boolean(),
  error: fanoutErrorSchema.nullable(),
});
export type FanoutRow = z.infer<typeof fanoutRowSchema>;

export const fanoutTotalsSchema = z.object({
  total: z.number().int(),
  ok: z.number().int(),
  failed: z.number().int(),
  cancelled: z.number().int(),
  pending: z.number().int(),
  running: z.number().int(),
  /** Hosts that failed only because their host key is not trusted yet. */
  unknownHostKeys: z.number().int(),
});
export type FanoutTotals = z.infer<typeof fanoutTotalsSchema>;

export const fanoutJobSummarySchema = z.object({
  id: z.string(),
  command: z.string(),
  credential: z.string(),
  user: z.string().nullable(),
  concurrency: z.number().int(),
  timeoutMs: z.number().int(),
  state: z.enum(['running', 'done', 'cancelled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  startedBy: z.string(),
  totals: fanoutTotalsSchema,
});
export type FanoutJobSummary = z.infer<typeof fanoutJobSummarySchema>;

export const fanoutJobSchema = fanoutJobSummarySchema.extend({ rows: z.array(fanoutRowSchema) });
export type FanoutJob = z.infer<typeof fanoutJobSchema>;

/** A host's kept output: the tail of each stream (droppedBytes: how much of the start no longer fits). */
export const fanoutOutputSchema = z.object({
  host: z.string(),
  stdout: z.string(),
  stderr: z.string(),
  droppedBytes: z.object({ stdout: z.number().int(), stderr: z.number().int() }),
  /** Bytes written to each stream so far (dropped + kept): a live chunk whose `end` is not past this is already in the text. */
  endBytes: z.object({ stdout: z.number().int(), stderr: z.number().int() }),
  matches: z.array(z.object({ stream: z.enum(['stdout', 'stderr']), line: z.number().int(), text: z.string() })),
});
export type FanoutOutput = z.infer<typeof fanoutOutputSchema>;

/**
 * Live output of a job's hosts, batched (~100 ms); a batch is bounded, fanout.output has the rest.
 * `end`: the bytes written to that stream once the chunk is in, so a viewer that read fanout.output
 * while the chunk was still batched can tell it already has it.
 */
export const fanoutOutputEventSchema = z.object({
  jobId: z.string(),
  chunks: z.array(z.object({ index: z.number().int(), stream: z.enum(['stdout', 'stderr']), text: z.string(), end: z.number().int() })),
});

/** A saved run: what fanout.start takes, under a name (the credential by name, never a secret). */
export const fanoutTemplateName = z.string().trim().min(1).max(100).regex(/^[A-Za-z0-9][A-Za-z0-9 ._-]*$/, 'letters, digits, spaces, dots, dashes or underscores');
const vmRef = z.object({ site: siteName, vm: z.string().trim().min(1).max(500), port: z.number().int().min(1).max(65535).default(22) }).strict();
export const fanoutTemplateSchema = z.object({
  name: z.string(),
  command: z.string(),
  hosts: z.array(z.string()),
  vms: z.array(z.object({ site: z.string(), vm: z.string(), port: z.number().int() })),
  sshConfigHosts: z.array(z.string()),
  jumps: z.array(z.object({ host: z.string(), port: z.number().int(), user: z.string().optional(), credential: z.string() })),
  credential: z.string(),
  user: z.string().nullable(),
  concurrency: z.number().int(),
  timeoutMs: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
export type FanoutTemplate = z.infer<typeof fanoutTemplateSchema>;

const jobId = z.string().regex(/^fo-[a-z0-9]{6,40}$/, 'a fan-out job id (fo-…)');

/** Fan-out jobs: one command on many hosts, results streamed per host as `fanout.result` events. */
export const fanoutCommands = {
  'fanout.start': {
    summary: 'Start running one command on many hosts (host[:port] list, inventory VMs by guest IP, ~/.ssh/config hosts), optionally through jump hosts, with bounded concurrency; returns the job id at once',
    input: z
      .object({
        hosts: z.array(hostPortText).max(5000).default([]),
        vms: z.array(vmRef).max(5000).default([]),
        /**
         * Hosts of the operator's ~/.ssh/config by alias, resolved in core as ssh(1) would: HostName, Port, User,
         * and ProxyJump (each hop resolved through the same file, a jump host's own ProxyJump first). Every
         * hop authenticates with the job's credential; IdentityFile is not read.
         */
        sshConfigHosts: z.array(sshConfigAlias).max(5000).default([]),
        credential: credentialName,
        user: z.string().trim().min(1).max(64).optional(),
        /** Jump hosts every target of the job goes through (before any ProxyJump of an ssh_config host), first hop first. */
        jumps: z.array(sshHop).max(MAX_JUMPS).default([]),
        command: z.string().min(1).max(65_536),
        concurrency: z.number().int().min(1).max(200).default(20),
        timeoutMs: z.number().int().min(100).max(86_400_000).default(60_000),
      })
      .strict()
      .refine((i) => i.hosts.length + i.vms.length + i.sshConfigHosts.length >= 1, { message: 'Give at least one host or VM.', path: ['hosts'] })
      .refine((i) => i.hosts.length + i.vms.length + i.sshConfigHosts.length <= 5000, { message: 'At most 5000 targets per job.', path: ['hosts'] }),
    output: fanoutJobSchema,
  },
  'fanout.rerun': {
    summary: 'Run a finished job again on some of its hosts (e.g. after trusting their host keys or their jump host\'s), through the same jump hosts; their rows are replaced',
    input: z
      .object({
        jobId,
        hosts: z.array(z.string().min(1).max(260)).max(5000).default([]),
        /** Also every host whose command failed (non-zero exit or an error; cancelled ones are not failures). */
        failed: z.boolean().default(false),
      })
      .strict()
      .refine((i) => i.hosts.length > 0 || i.failed, { message: 'Give hosts to re-run, or failed: true.', path: ['hosts'] }),
    output: fanoutJobSchema,
  },
  'fanout.template.save': {
    summary: 'Save a run as a reusable template (command, hosts, VMs, ssh_config hosts, jumps, credential by name); a template of that name is replaced',
    input: z
      .object({
        name: fanoutTemplateName,
        hosts: z.array(hostPortText).max(5000).default([]),
        vms: z.array(vmRef).max(5000).default([]),
        sshConfigHosts: z.array(sshConfigAlias).max(5000).default([]),
        credential: credentialName,
        user: z.string().trim().min(1).max(64).optional(),
        jumps: z.array(sshHop).max(MAX_JUMPS).default([]),
        command: z.string().min(1).max(65_536),
        concurrency: z.number().int().min(1).max(200).default(20),
        timeoutMs: z.number().int().min(100).max(86_400_000).default(60_000),
      })
      .strict()
      .refine((i) => i.hosts.length + i.vms.length + i.sshConfigHosts.length >= 1, { message: 'Give at least one host or VM.', path: ['hosts'] }),
    output: fanoutTemplateSchema,
  },
  'fanout.template.list': {
    summary: 'Saved fan-out templates, by name',
    input: z.object({}).strict(),
    output: z.array(fanoutTemplateSchema),
  },
  'fanout.template.remove': {
    summary: 'Delete a saved fan-out template',
    input: z.object({ name: fanoutTemplateName }).strict(),
    output: z.object({ removed: z.string() }),
  },
  'fanout.output': {
    summary: "A host's whole kept output (the last MiBs of each stream), with the lines that match a search",
    input: z.object({ jobId, host: z.string().min(1).max(260), query: z.string().max(200).optional() }).strict(),
    output: fanoutOutputSchema,
  },
  'fanout.cancel': {
    summary: 'Cancel a running fan-out job: hosts not started never start, running ones are stopped',
    input: z.object({ jobId }).strict(),
    output: fanoutJobSummarySchema,
  },
  'fanout.get': {
    summary: 'A fan-out job with every row so far (for a page opened late)',
    input: z.object({ jobId }).strict(),
    output: fanoutJobSchema,
  },
  'fanout.list': {
    summary: 'Recent fan-out jobs of this process, newest first (bounded history, kept in memory)',
    input: z.object({}).strict(),
    output: z.array(fanoutJobSummarySchema),
  },
} as const satisfies Record<string, CommandSpec>;
