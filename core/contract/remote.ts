import { z } from 'zod';
import { credentialName, labelText } from './names.js';
import type { CommandSpec } from './command-spec.js';
import { MAX_JUMPS } from './fanout.js';
import { sshHop as jumpHop } from './terminal.js';

const empty = z.object({}).strict();
const hostName = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9_.:-]+$/, 'a host name or an IP address');
const port = z.number().int().min(1).max(65535).default(22);
const fingerprint = z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'the fingerprint as ssh-keygen -lf prints it (SHA256: and 43 base64 characters)');

export const credentialScopeSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('global') }).strict(),
  z.object({ type: z.enum(['site', 'vm']), ref: z.string().trim().min(1).max(200) }).strict(),
]);

export type CredentialScope = z.infer<typeof credentialScopeSchema>;

/** What the renderer may see of a credential: never the secret. */
export const credentialSchema = z.object({
  id: z.number().int(),
  name: z.string(),
  kind: z.enum(['password', 'private-key', 'vcenter']),
  username: z.string().nullable(),
  scope: credentialScopeSchema,
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type CredentialView = z.infer<typeof credentialSchema>;

/** The secret crosses the contract once, on save; nothing returns it. */
export const credentialSecretSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('password'), password: z.string().min(1).max(4096) }).strict(),
  z
    .object({
      type: z.literal('private-key'),
      privateKey: z.string().min(64).max(32_768).regex(/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key in OpenSSH or PEM format'),
      passphrase: z.string().max(4096).optional(),
    })
    .strict(),
]);
export type CredentialSecret = z.infer<typeof credentialSecretSchema>;

export const knownHostSchema = z.object({
  id: z.number().int(),
  host: z.string(),
  port: z.number().int(),
  hashed: z.boolean(),
  keyType: z.string().nullable(),
  fingerprint: z.string(),
  source: z.enum(['operator', 'import']),
  addedAt: z.string(),
  addedBy: z.string(),
});

const execResultSchema = z.object({
  exitCode: z.number().int().nullable(),
  signal: z.string().nullable(),
  stdout: z.string(),
  stderr: z.string(),
  truncated: z.boolean(),
  durationMs: z.number(),
});

export const fanOutResultSchema = z.object({
  host: z.string(),
  exitCode: z.number().int().nullable(),
  durationMs: z.number(),
  stdoutHead: z.string(),
  stderrHead: z.string(),
  error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).nullable(),
  /** The jump hosts it was reached through (user@host:port, first hop first, " -> " between); absent or null: directly. */
  jump: z.string().nullable().optional(),
});

const sshHop = z.object({ host: hostName, port, user: z.string().min(1).max(64).optional(), credential: credentialName }).strict();

/** Remote access: credential profiles, SSH known hosts, exec and fan-out with saved credentials. */
export const remoteCommands = {
  'credentials.list': {
    summary: 'Credential profiles (names and metadata, never secrets)',
    input: empty,
    output: z.array(credentialSchema),
  },
  'credentials.add': {
    summary: 'Save a credential profile (user + password, or user + private key) in the vault',
    input: z
      .object({
        name: credentialName,
        username: z.string().trim().min(1).max(256),
        scope: credentialScopeSchema.default({ type: 'global' }),
        secret: credentialSecretSchema,
      })
      .strict(),
    output: credentialSchema,
  },
  'credentials.remove': {
    summary: 'Delete a credential profile',
    input: z.object({ name: credentialName }).strict(),
    output: z.object({ removed: z.literal(true) }),
  },
  'knownHosts.list': {
    summary: 'SSH host keys Outpost trusts',
    input: empty,
    output: z.array(knownHostSchema),
  },
  'knownHosts.trust': {
    summary: 'Trust a host key fingerprint the operator confirmed (after HOST_KEY_UNKNOWN)',
    input: z.object({ host: hostName, port, fingerprint, keyType: z.string().max(64).optional() }).strict(),
    output: knownHostSchema,
  },
  'ssh.hostKey': {
    summary: "Read the host key a server presents (key exchange only, like ssh-keyscan; no credential is sent) so the operator can compare and pin it",
    input: z.object({ host: hostName, port }).strict(),
    output: z.object({ host: z.string(), port: z.number().int(), keyType: z.string().nullable(), fingerprint: z.string() }),
  },
  'knownHosts.remove': {
    summary: 'Forget every trusted key of host:port (imported hashed entries too)',
    input: z.object({ host: hostName, port }).strict(),
    output: z.object({ removed: z.number().int() }),
  },
  'knownHosts.import': {
    summary: "Import the operator's OpenSSH known_hosts (hashed entries too)",
    // No path: a caller (the renderer above all) must not make the core open a file it names
    // (/etc/shadow). The text comes from a file the operator picked: the window's own file
    // dialog, or the CLI's --file, read by the operator's own process. Absent: ~/.ssh/known_hosts.
    input: z
      .object({
        // Under one host message (MAX_CLIENT_MESSAGE_BYTES, 1 MiB): about 9,000 entries, far more than a
        // workstation's known_hosts holds.
        text: z
          .string()
          .max(900_000, 'Outpost imports known_hosts files up to 900 KB; split a larger file and import each part.')
          .optional(),
        /** The picked file's name, for the audit record. */
        fileName: labelText(255).optional(),
      })
      .strict(),
    output: z.object({ imported: z.number().int(), alreadyKnown: z.number().int(), skipped: z.array(z.object({ line: z.number().int(), why: z.string() })) }),
  },
  'ssh.exec': {
    summary: 'Run one command over SSH with a saved credential (host key must be trusted)',
    input: z
      .object({
        host: hostName,
        port,
        user: z.string().min(1).max(64).optional(),
        credential: credentialName,
        jumps: z.array(sshHop).max(8).default([]),
        command: z.string().min(1).max(65_536),
        timeoutMs: z.number().int().min(100).max(86_400_000).default(60_000),
      })
      .strict(),
    output: execResultSchema,
  },
  'ssh.fanout': {
    summary: 'Run one command on many hosts with bounded concurrency, optionally through jump hosts (one shared connection per chain); one failure never stops the others',
    input: z
      .object({
        hosts: z.array(z.object({ host: hostName, port }).strict()).min(1).max(5000),
        user: z.string().min(1).max(64).optional(),
        credential: credentialName,
        /** Jump hosts every host goes through, first hop first, each with its own credential profile (as fanout.start). */
        jumps: z.array(jumpHop).max(MAX_JUMPS).default([]),
        command: z.string().min(1).max(65_536),
        concurrency: z.number().int().min(1).max(256).default(20),
        timeoutMs: z.number().int().min(100).max(86_400_000).default(60_000),
      })
      .strict(),
    output: z.array(fanOutResultSchema),
  },
  'sshConfig.hosts': {
    summary: "Hosts from the operator's OpenSSH client config (~/.ssh/config): alias, address, user, keys, jump hosts",
    // Only ~/.ssh/config, the file fan-out resolves the chosen aliases through; never a path a caller names.
    input: z.object({}).strict(),
    output: z.array(
      z.object({ alias: z.string(), hostName: z.string(), port: z.number().int(), user: z.string().nullable(), identityFiles: z.array(z.string()), proxyJump: z.array(z.string()) }),
    ),
  },
  'winrm.exec': {
    summary: 'Run one command (or PowerShell script) over WinRM with a saved password credential',
    input: z
      .object({
        url: z.string().url().regex(/^https?:\/\//, 'http:// or https://'),
        credential: credentialName,
        auth: z.enum(['basic', 'ntlm']).default('ntlm'),
        command: z.string().min(1).max(65_536),
        powershell: z.boolean().default(false),
        timeoutMs: z.number().int().min(100).max(86_400_000).default(300_000),
        /** PEM of the CA (or self-signed certificate) to trust for an https:// endpoint. */
        ca: z.string().max(65_536).optional(),
      })
      .strict(),
    output: z.object({ exitCode: z.number().int(), stdout: z.string(), stderr: z.string(), durationMs: z.number() }),
  },
} as const satisfies Record<string, CommandSpec>;
