import { z } from 'zod';
import { firewallName, labelText, poolName } from './names.js';
import { auditPageSchema, auditQuerySchema } from './audit.js';
import { allocationSchema, poolInputSchema, poolSchema } from './ipam.js';
import { firewallInputSchema, firewallSchema, natListSchema } from './nat.js';
import { hostAddressText, ipAddressText } from './ip-address-text.js';
import { inventoryCommands } from './inventory-commands.js';
import type { CommandSpec } from './command-spec.js';
import { certificateCommands } from './certificate-commands.js';
import { helperCommands } from './helper-commands.js';
import { remoteCommands } from './remote-commands.js';
import { networkingCommands } from './networking-commands.js';
import { consoleCommands } from './console-commands.js';
import { terminalCommands } from './terminal-commands.js';
import { upgradeCommands } from './upgrade-commands.js';
import { enrollmentCommands } from './enrollment-commands.js';
import { fanoutCommands } from './fanout-commands.js';

export type { CommandSpec } from './command-spec.js';
import { settingsPatchSchema, settingsSchema } from './settings.js';

const empty = z.object({}).strict();

export const transportSchema = z.enum(['electron', 'host', 'cli', 'test']);
export type Transport = z.infer<typeof transportSchema>;

export const vaultStateSchema = z.object({
  /** 'os': Electron safeStorage (always unlocked); 'passphrase': AES-GCM with an scrypt key. */
  kind: z.enum(['os', 'passphrase']),
  /** Whether the vault has been set up (a passphrase chosen) in this data directory. */
  initialised: z.boolean(),
  unlocked: z.boolean(),
});
export type VaultState = z.infer<typeof vaultStateSchema>;

export const statusSchema = z.object({
  sitesTotal: z.number().int(),
  sitesConnected: z.number().int(),
  proceduresRunning: z.number().int(),
  vault: vaultStateSchema,
});
export type Status = z.infer<typeof statusSchema>;

export const siteSummarySchema = z.object({
  id: z.number().int(),
  name: z.string(),
  url: z.string(),
  username: z.string(),
  lastSyncAt: z.string().nullable(),
  connected: z.boolean(),
});
export type SiteSummary = z.infer<typeof siteSummarySchema>;

export const procedureStateSchema = z.enum([
  'pending',
  'running',
  'waiting',
  'succeeded',
  'failed',
  'rolling-back',
  'rolled-back',
  'cancelled',
]);
export type ProcedureState = z.infer<typeof procedureStateSchema>;

export const procedureSummarySchema = z.object({
  id: z.string(),
  kind: z.string(),
  state: procedureStateSchema,
  target: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
  createdBy: z.string(),
});
export type ProcedureSummary = z.infer<typeof procedureSummarySchema>;

export const stepStateSchema = z.enum(['pending', 'running', 'done', 'failed', 'waiting', 'undoing', 'undone', 'skipped']);

export const procedureDetailSchema = z.object({
  procedure: procedureSummarySchema.extend({
    title: z.string(),
    context: z.unknown(),
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }).nullable(),
    finishedAt: z.string().nullable(),
    cancelRequested: z.boolean(),
  }),
  steps: z.array(
    z.object({
      idx: z.number().int(),
      name: z.string(),
      title: z.string(),
      state: stepStateSchema,
      output: z.unknown(),
      error: z.object({ code: z.string(), message: z.string() }).nullable(),
      gate: z.object({ kind: z.enum(['approve', 'wait-until']), prompt: z.string().optional(), waitUntil: z.string().optional(), approvedBy: z.string().optional() }).nullable(),
      attempts: z.number().int(),
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
    }),
  ),
  journal: z.array(
    z.object({ id: z.number().int(), stepIdx: z.number().int().nullable(), at: z.string(), level: z.enum(['debug', 'info', 'warn', 'error']), message: z.string() }),
  ),
});
export type ProcedureDetail = z.infer<typeof procedureDetailSchema>;

const procedureRef = z.object({ id: z.string().uuid() }).strict();
const started = z.object({ procedureId: z.string() });

/**
 * THE command list (a domain may keep its commands in its own `*-commands.ts` file and spread
 * them in here with one line). Every transport (Electron IPC, the headless host's WebSocket, the CLI,
 * tests) dispatches through it; renaming a key breaks compilation wherever it is used.
 */
export const commands = {
  'app.info': {
    summary: 'Version, transport and where the data lives',
    input: empty,
    output: z.object({
      version: z.string(),
      transport: transportSchema,
      dataDir: z.string(),
      dbPath: z.string(),
      schemaVersion: z.number().int(),
      platform: z.string(),
    }),
  },
  'status.get': {
    summary: 'Counts for the status bar: sites, running procedures, vault',
    input: empty,
    output: statusSchema,
  },
  'settings.get': {
    summary: 'All operator settings',
    input: empty,
    output: settingsSchema,
  },
  'settings.update': {
    summary: 'Change some settings; returns all of them',
    input: settingsPatchSchema,
    output: settingsSchema,
  },
  'audit.list': {
    summary: 'Audit log, newest first, keyset paged',
    input: auditQuerySchema,
    output: auditPageSchema,
  },
  'sites.list': {
    summary: 'Configured vCenters',
    input: empty,
    output: z.array(siteSummarySchema),
  },
  'procedures.list': {
    summary: 'Procedure runs, newest first',
    input: z
      .object({
        limit: z.number().int().min(1).max(500).default(100),
        state: procedureStateSchema.optional(),
      })
      .strict(),
    output: z.array(procedureSummarySchema),
  },
  'procedures.get': {
    summary: 'One procedure run: its steps, outputs, gates and journal',
    input: procedureRef,
    output: procedureDetailSchema,
  },
  'procedures.approve': {
    summary: 'Approve the gate a run is waiting at',
    input: procedureRef,
    output: procedureSummarySchema,
  },
  'procedures.cancel': {
    summary: 'Cancel a run: stop its step and undo what it did',
    input: procedureRef,
    output: procedureSummarySchema,
  },
  'procedures.retry': {
    summary: 'Run a stopped, failed run again from its failed step',
    input: procedureRef,
    output: procedureSummarySchema,
  },
  'procedures.rollback': {
    summary: 'Undo the completed steps of a stopped, failed run',
    input: procedureRef,
    output: procedureSummarySchema,
  },
  'ipam.pools.list': {
    summary: 'Address pools with utilisation',
    input: empty,
    output: z.array(poolSchema),
  },
  'ipam.pools.add': {
    summary: 'Add an address pool',
    input: poolInputSchema,
    output: poolSchema,
  },
  'ipam.allocations.list': {
    summary: 'Allocations, by pool',
    input: z.object({ pool: poolName.optional(), includeReleased: z.boolean().default(false) }).strict(),
    output: z.array(allocationSchema),
  },
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
  'vault.status': {
    summary: 'Whether secrets can be read and written',
    input: empty,
    output: vaultStateSchema,
  },
  'vault.unlock': {
    summary: 'Unlock (or, the first time, set up) the passphrase vault',
    input: z.object({ passphrase: z.string().min(12).max(1024) }).strict(),
    output: vaultStateSchema,
  },
  ...helperCommands,
  ...certificateCommands,
  ...remoteCommands,
  ...terminalCommands,
  ...inventoryCommands,
  ...networkingCommands,
  ...consoleCommands,
  ...upgradeCommands,
  ...enrollmentCommands,
  ...fanoutCommands,
} as const satisfies Record<string, CommandSpec>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** What a caller passes (defaults may be omitted). */
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
/** What a handler receives after validation (defaults filled in). */
export type CommandParsedInput<N extends CommandName> = z.output<Commands[N]['input']>;
export type CommandOutput<N extends CommandName> = z.output<Commands[N]['output']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name);
}
