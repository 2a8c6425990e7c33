import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.string(), // ISO-8601 UTC
  actor: z.string(),
  /** The workstation (hostname) the action was taken on; null for rows recorded before Outpost named it. */
  workstation: z.string().nullable().optional(),
  action: z.string(),
  target: z.string().nullable(),
  outcome: z.enum(['ok', 'failed']),
  details: z.unknown().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z
  .object({
    limit: z.number().int().min(1).max(1000).default(100),
    /** Return entries older than this id (keyset paging, newest first). */
    beforeId: z.number().int().positive().optional(),
    /** Case-insensitive substring over actor, action and target. */
    query: z.string().max(200).optional(),
  })
  .strict();
export type AuditQuery = z.input<typeof auditQuerySchema>;

export const auditPageSchema = z.object({
  entries: z.array(auditEntrySchema),
  /** Pass as beforeId for the next (older) page; null when this was the last page. */
  nextBeforeId: z.number().int().nullable(),
});
export type AuditPage = z.infer<typeof auditPageSchema>;

/** The audit log. */
export const auditCommands = {
  'audit.list': {
    summary: 'Audit log, newest first, keyset paged',
    input: auditQuerySchema,
    output: auditPageSchema,
  },
} as const satisfies Record<string, CommandSpec>;
