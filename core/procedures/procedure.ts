import type { z } from 'zod';
import type { ContractError } from '../contract/errors.js';

export type JournalLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * What a step sees while it runs. `S` is the services its procedure needs (each domain declares
 * its own, e.g. NatProcedureServices); the composition root hands the engine one object that has
 * them all, so the engine itself knows no domain.
 */
export interface StepRun<C, S = unknown> {
  procedureId: string;
  /** The procedure's context as of this step (earlier steps' patches applied). */
  context: C;
  /** Outputs of earlier steps, by step name. */
  outputs: Readonly<Record<string, unknown>>;
  /** This step's output from an earlier attempt, if the step ran before (resume, undo). */
  previousOutput: unknown;
  /** This step's last error, if it failed (an undo may see that nothing was changed). */
  previousError: ContractError | null;
  /** Aborted when the operator cancels; long steps must pass it on to their I/O. */
  signal: AbortSignal;
  /** The operator (or 'outpost' on an automatic resume) driving this run, for audit records. */
  actor: string;
  services: S;
  log(level: JournalLevel, message: string, data?: unknown): void;
}

/** A step's result: an output to persist and a patch to the procedure's context. */
export interface StepResult<C> {
  output?: unknown;
  context?: Partial<C>;
}

/**
 * A gate stops the run until an operator approves it or a time arrives; the waiting state is
 * persisted, so a restart keeps waiting (and a passed wait-until continues at once).
 */
export type Gate<C> =
  | { kind: 'approve'; prompt(context: C): string }
  | { kind: 'wait-until'; until(context: C, outputs: Readonly<Record<string, unknown>>): Date };

/**
 * One named step. `run` must be idempotent ("ensure", not "add"): after a crash the engine
 * runs it again. `verify`, when present, is checked after `run`; a step that does not verify
 * fails. `undo` reverses a completed step during rollback and must be idempotent too.
 */
export interface Step<C, S = unknown> {
  name: string;
  title?: string;
  run?(step: StepRun<C, S>): Promise<StepResult<C> | void>;
  verify?(step: StepRun<C, S>): Promise<boolean>;
  undo?(step: StepRun<C, S>): Promise<void>;
  gate?: Gate<C>;
  /** When present and false for this run's context, the step is skipped (e.g. "Ansible when installed"). */
  when?(context: C): boolean;
}

export interface ProcedureDefinition<C, S = unknown> {
  /** Stable identifier stored in the database, e.g. 'nat.add'. */
  kind: string;
  title: string;
  /** Validates the context on start and again on every resume (the database is input too). */
  context: z.ZodType<C>;
  /** The object the audit log names, e.g. a VM or a public IP. */
  target(context: C): string | null;
  steps: readonly Step<C, S>[];
  /** 'rollback' (default) undoes completed steps on failure; 'stop' leaves the run failed for a retry. */
  onFailure?: 'rollback' | 'stop';
  /**
   * Runs with the same key exclude each other while unfinished (a unique index decides, on every
   * workstation sharing the store): a second start is refused with CONFLICT naming the first run.
   */
  exclusive?(context: C): string;
}

/** Helper that keeps the context and services types when a definition is written in its own file. */
export function defineProcedure<C, S = unknown>(definition: ProcedureDefinition<C, S>): ProcedureDefinition<C, S> {
  return definition;
}
