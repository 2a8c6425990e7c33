import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';
import { taskCountsSchema } from './tasks.js';
import { teamStateSchema } from './team.js';
import { vaultStateSchema } from './vault.js';

const empty = z.object({}).strict();

export const transportSchema = z.enum(['electron', 'host', 'cli', 'test']);
export type Transport = z.infer<typeof transportSchema>;

export const statusSchema = z.object({
  sitesTotal: z.number().int(),
  sitesConnected: z.number().int(),
  /** Long actions under way, and those waiting for an operator's approval (the Recent Tasks feed). */
  tasks: taskCountsSchema,
  vault: vaultStateSchema,
  /** The store: SQLite or the team database, connected or not, who else is on it. */
  team: teamStateSchema,
});
export type Status = z.infer<typeof statusSchema>;

/** This Outpost: version, transport, data location and the status-bar counts. */
export const appCommands = {
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
    summary: 'Counts for the status bar: sites, running and waiting tasks, vault',
    input: empty,
    output: statusSchema,
  },
} as const satisfies Record<string, CommandSpec>;
