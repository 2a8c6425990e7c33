import { z } from 'zod';
import { auditPageSchema, auditQuerySchema } from './audit.js';
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

/**
 * THE command list. Every transport (Electron IPC, the headless host's WebSocket, the CLI,
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
} as const satisfies Record<string, CommandSpec>;

export interface CommandSpec {
  summary: string;
  input: z.ZodType;
  output: z.ZodType;
}

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
