import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

/** Where a long action stands. "waiting" with waitingFor "approval" is the one that needs the operator. */
export const taskStateSchema = z.enum(['queued', 'running', 'waiting', 'succeeded', 'failed', 'cancelled']);
export type TaskState = z.infer<typeof taskStateSchema>;

export const taskKindSchema = z.enum(['site.sync', 'vm.power', 'fanout', 'procedure']);
export type TaskKind = z.infer<typeof taskKindSchema>;

/** The view, the place inside it and the view's state (#/<view>/<ref>?<params>) that show a task's detail. */
export const taskLinkSchema = z.object({ view: z.string(), ref: z.string().nullable(), params: z.record(z.string(), z.string()).optional() });
export type TaskLink = z.infer<typeof taskLinkSchema>;

export const taskSchema = z.object({
  id: z.string(),
  kind: taskKindSchema,
  title: z.string(),
  target: z.string().nullable(),
  state: taskStateSchema,
  /** What a waiting task waits for: an operator's approval, or a timer (soak, wait-until). */
  waitingFor: z.enum(['approval', 'timer']).nullable(),
  /** 0..1 when the work can tell how far it is, else null. */
  progress: z.number().min(0).max(1).nullable(),
  /** A short line: the current step, hosts done, rows stored, the outcome. */
  detail: z.string().nullable(),
  startedBy: z.string(),
  startedAt: z.string(),
  updatedAt: z.string(),
  finishedAt: z.string().nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  link: taskLinkSchema,
  /** It says queued/running/waiting, but the process that drove it is gone: nothing will move it on. */
  interrupted: z.boolean(),
});
export type Task = z.infer<typeof taskSchema>;

export const taskCountsSchema = z.object({
  /** Queued or running (a timer wait counts as running: nobody has to act). */
  running: z.number().int(),
  /** Waiting for an operator's approval. */
  waiting: z.number().int(),
});
export type TaskCounts = z.infer<typeof taskCountsSchema>;

/** The Recent Tasks feed: every long action (site sync, VM power, fan-out, procedure run). */
export const taskCommands = {
  'tasks.list': {
    summary: 'Recent tasks (site syncs, VM power changes, fan-outs, procedure runs), newest first',
    input: z
      .object({
        limit: z.number().int().min(1).max(500).default(50),
        /** Only tasks still queued, running or waiting. */
        active: z.boolean().default(false),
      })
      .strict(),
    output: z.object({ tasks: z.array(taskSchema), counts: taskCountsSchema }),
  },
} as const satisfies Record<string, CommandSpec>;
