import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

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
  /** The workstation (hostname) the run was started on; null for runs recorded before Outpost named it. */
  workstation: z.string().nullable().optional(),
  /**
   * procedures.list: the state says running or rolling-back, but the process that drove the run is
   * gone (killed, crashed, machine restarted); nothing moves until someone resumes it.
   */
  interrupted: z.boolean().optional(),
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

/** Durable procedure runs: list, inspect, approve a gate, cancel, retry, roll back. */
export const procedureCommands = {
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
} as const satisfies Record<string, CommandSpec>;
