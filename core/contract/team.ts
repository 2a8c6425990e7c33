import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

const empty = z.object({}).strict();

/** Another Outpost process connected to the team database (pg_stat_activity.application_name). */
export const teamMemberSchema = z.object({
  /** operator@workstation */
  who: z.string(),
  /** console (the app or host), events (its listener), indexer, cli. */
  role: z.string(),
  since: z.string().nullable(),
  /** This process's own connections. */
  self: z.boolean(),
});

/** Which store this Outpost uses, whether it is reachable, who else is on it: the status bar's team item. */
export const teamStateSchema = z.object({
  engine: z.enum(['sqlite', 'postgres']),
  /** The SQLite file or the postgres:// URL (never a password). */
  database: z.string(),
  connected: z.boolean(),
  /** Why it is not connected (the last error's message), null when connected. */
  error: z.string().nullable(),
  /** Other workstations' Outpost processes (operator@workstation, once each), when connected to PostgreSQL. */
  others: z.array(z.string()),
});
export type TeamState = z.infer<typeof teamStateSchema>;

export const teamStatusSchema = teamStateSchema.extend({
  /** A team connection is saved on this workstation (team connect); --db / OUTPOST_DB override it. */
  configured: z.boolean(),
  members: z.array(teamMemberSchema),
  /** Who runs each site's live index (the advisory lock's holder). */
  indexers: z.array(z.object({ site: z.string(), holder: z.string() })),
});
export type TeamStatus = z.infer<typeof teamStatusSchema>;

/** A PEM certificate, bounded (a CA chain is a few KiB). */
const pem = z.string().max(65_536).regex(/-----BEGIN CERTIFICATE-----/, 'a PEM certificate (-----BEGIN CERTIFICATE-----)');

export const teamCommands = {
  'team.status': {
    summary: 'Which store (SQLite or the team PostgreSQL), connected or not, who else is connected',
    input: empty,
    output: teamStatusSchema,
  },
  'team.connect': {
    summary: 'Join a team: check and save the team PostgreSQL connection (password sealed in this workstation\'s vault)',
    input: z
      .object({
        url: z.string().min(1).max(2048),
        password: z.string().min(1).max(1024),
        /** The CA that issued the server's certificate (or that certificate when self-signed). */
        ca: pem.optional(),
        /** SHA-256 fingerprint the server's certificate must also have. */
        fingerprint: z.string().max(200).optional(),
      })
      .strict(),
    output: z.object({
      url: z.string(),
      serverVersion: z.string(),
      tls: z.boolean(),
      /** The running app keeps its current store: the team database is used from the next start. */
      restartRequired: z.boolean(),
    }),
  },
  'team.import': {
    summary: 'Copy this workstation\'s SQLite estate into the empty team database (idempotent; refuses another estate\'s database)',
    input: empty,
    output: z.object({
      estate: z.string(),
      /** false: the team database already held this estate; nothing was copied. */
      copied: z.boolean(),
      tables: z.array(z.object({ table: z.string(), source: z.number().int(), target: z.number().int() })),
    }),
  },
  'team.disconnect': {
    summary: 'Leave the team: forget the saved connection and its sealed password (the next start uses this workstation\'s SQLite store)',
    input: empty,
    output: z.object({ removed: z.boolean(), restartRequired: z.boolean() }),
  },
} as const satisfies Record<string, CommandSpec>;
