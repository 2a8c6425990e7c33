import { z } from 'zod';
import { auditEntrySchema } from './audit.js';
import { statusSchema } from './app.js';
import { procedureSummarySchema } from './procedures.js';
import { driftStatusSchema } from './firewall-policy.js';
import { fanoutRowSchema, fanoutTotalsSchema } from './fanout.js';
import { syncProgressSchema, vcenterEventSchema, watchStatusSchema } from './inventory.js';
import { settingsSchema } from './settings.js';
import { taskSchema } from './tasks.js';
import { terminalInfoSchema } from './terminal.js';
import { playbookRunSchema } from './upgrades.js';

/** Every event the renderer may receive. Payloads are metadata, never byte streams. */
export const events = {
  'settings.changed': settingsSchema,
  'audit.appended': auditEntrySchema,
  'status.changed': statusSchema,
  /** A procedure run changed state or moved to another step. */
  'procedure.updated': procedureSummarySchema.extend({
    step: z.object({ idx: z.number().int(), name: z.string(), state: z.string() }).nullable(),
  }),
  /** Inventory rows a watcher just wrote (bounded: `truncated` means "refetch what you show"). */
  'inventory.changed': z.object({
    site: z.string(),
    changes: z.array(z.object({ kind: z.enum(['enter', 'modify', 'leave']), type: z.string(), moref: z.string() })),
    truncated: z.boolean(),
  }),
  /** A site's watcher changed state (connecting, syncing, watching, backoff, stopped, failed). */
  'inventory.watch': watchStatusSchema,
  /** vCenter events a site's index just stored (at most 100 a message; `truncated`: refetch events.list). */
  'inventory.events': z.object({ site: z.string(), events: z.array(vcenterEventSchema), truncated: z.boolean() }),
  /** A full sync stored a page: rows so far per kind, pages, the previous total (phase 'done' at the end). */
  'inventory.sync.progress': syncProgressSchema,
  /** A terminal opened, closed, reconnected or started/stopped its log (metadata only: bytes never travel as events). */
  'terminal.changed': terminalInfoSchema,
  /** An upgrade plan changed state or moved to another host (refetch upgrade.status). */
  'upgrade.updated': z.object({ planId: z.string(), state: z.string(), host: z.string().nullable() }),
  /** A journal line of a procedure run (live log). */
  'procedure.log': z.object({
    procedureId: z.string(),
    id: z.number().int(),
    stepIdx: z.number().int().nullable(),
    at: z.string(),
    level: z.enum(['debug', 'info', 'warn', 'error']),
    message: z.string(),
  }),
  /**
   * CMDB rows changed (a VM enrolled or offboarded, or the CMDB followed vCenter: renamed, deleted
   * in vCenter, back in vCenter, NAT drift seen or cleared): refetch `cmdb.list` / `cmdb.orphans`.
   */
  'cmdb.changed': z.object({
    site: z.string(),
    vmMoref: z.string(),
    vmName: z.string(),
    change: z.enum(['enrolled', 'offboarded', 'renamed', 'deleted-in-vcenter', 'back-in-vcenter', 'nat-drift', 'nat-drift-cleared']),
  }),
  /** A fan-out host changed: it started (row.state 'running') or finished (done / cancelled, with its result); the job's totals so far. */
  /** A line ansible-playbook printed (live output of a playbook run; bounded length). */
  'playbook.output': z.object({ runId: z.string(), line: z.string() }),
  /** A playbook run ended: its per-host results. */
  'playbook.done': playbookRunSchema,
  'fanout.result': z.object({ jobId: z.string(), row: fanoutRowSchema, totals: fanoutTotalsSchema }),
  /** A fan-out job ended (every host finished, or it was cancelled). */
  'fanout.done': z.object({ jobId: z.string(), state: z.enum(['done', 'cancelled']), totals: fanoutTotalsSchema, durationMs: z.number() }),
  /** A task of the Recent Tasks feed started, moved on or ended (site sync, VM power, fan-out, procedure run). */
  'task.updated': taskSchema,
  /** A firewall's drift against the store changed (found, changed, gone, or the firewall became unreachable). */
  'nat.drift': driftStatusSchema,
} as const satisfies Record<string, z.ZodType>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.output<Events[E]>;

export const eventNames = Object.keys(events) as EventName[];

export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}
