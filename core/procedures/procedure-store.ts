// Owns tables: procedures, procedure_steps, procedure_journal.
import type { ContractError } from '../contract/errors.js';
import { procedureStateSchema, type ProcedureState, type ProcedureSummary } from '../contract/commands.js';
import { z } from 'zod';
import { inList, type Sql } from '../db/sql.js';
import type { JournalLevel } from './procedure.js';
import { runnerIsGone, runnerSchema, type RunnerIdentity } from './runner-identity.js';

export type StepState = 'pending' | 'running' | 'done' | 'failed' | 'waiting' | 'undoing' | 'undone' | 'skipped';

export interface GateState {
  kind: 'approve' | 'wait-until';
  prompt?: string;
  waitUntil?: string;
  approvedBy?: string;
}

export interface ProcedureRow {
  id: string;
  kind: string;
  state: ProcedureState;
  target: string | null;
  context: unknown;
  error: ContractError | null;
  createdBy: string;
  /** The workstation (hostname) the run was started on; null for runs recorded before Outpost named it. */
  workstation: string | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
  onFailure: 'rollback' | 'stop';
  cancelRequested: boolean;
  runner: RunnerIdentity | null;
  leaseUntil: string | null;
}

export interface StepRow {
  idx: number;
  name: string;
  state: StepState;
  output: unknown;
  error: ContractError | null;
  gate: GateState | null;
  attempts: number;
  startedAt: string | null;
  finishedAt: string | null;
}

export interface JournalRow {
  id: number;
  stepIdx: number | null;
  at: string;
  level: JournalLevel;
  message: string;
  data: unknown;
}

const json = (value: unknown): string | null => (value === undefined ? null : JSON.stringify(value));
const parse = <T>(text: string | null): T | null => (text === null ? null : (JSON.parse(text) as T));
const now = (): string => new Date().toISOString();

const stepStateSchema = z.enum(['pending', 'running', 'done', 'failed', 'waiting', 'undoing', 'undone', 'skipped']);

const rawProcedure = z.object({
  id: z.string(),
  kind: z.string(),
  state: procedureStateSchema,
  target: z.string().nullable(),
  context: z.string(),
  error: z.string().nullable(),
  created_by: z.string(),
  created_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
  on_failure: z.enum(['rollback', 'stop']),
  cancel_requested: z.number(),
  runner: z.string().nullable(),
  lease_until: z.string().nullable(),
  workstation: z.string().nullable(),
});

/** The runner column holds a RunnerIdentity as JSON (or NULL). */
const runnerColumn = z
  .string()
  .nullable()
  .transform((text) => (text === null ? null : runnerSchema.parse(JSON.parse(text))));

const rawStep = z.object({
  idx: z.number(),
  name: z.string(),
  state: stepStateSchema,
  output: z.string().nullable(),
  error: z.string().nullable(),
  gate: z.string().nullable(),
  attempts: z.number(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
});

const rawJournal = z.object({
  id: z.number(),
  step_idx: z.number().nullable(),
  at: z.string(),
  level: z.enum(['info', 'warn', 'error', 'debug']),
  message: z.string(),
  data: z.string().nullable(),
});

const summaryRow = z.object({
  id: z.string(),
  kind: z.string(),
  state: procedureStateSchema,
  target: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
  created_by: z.string(),
  workstation: z.string().nullable(),
  runner: runnerColumn,
  lease_until: z.string().nullable(),
});

const FINISHED: ProcedureState[] = ['succeeded', 'rolled-back', 'cancelled'];

/** SQL for procedure runs; every write that must be atomic with others takes a transaction from the caller. */
export class ProcedureStore {
  constructor(private readonly db: Sql) {}

  async insert(run: { id: string; kind: string; target: string | null; context: unknown; createdBy: string; workstation: string; onFailure: 'rollback' | 'stop'; steps: string[]; exclusiveKey?: string | null }): Promise<void> {
    const at = now();
    await this.db.run(
      `INSERT INTO procedures (id, kind, state, target, context, created_by, workstation, created_at, updated_at, on_failure, exclusive_key)
       VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?, ?, ?)`,
      [run.id, run.kind, run.target, JSON.stringify(run.context), run.createdBy, run.workstation, at, at, run.onFailure, run.exclusiveKey ?? null],
    );
    for (const [idx, name] of run.steps.entries()) await this.db.run(`INSERT INTO procedure_steps (procedure_id, idx, name, state) VALUES (?, ?, ?, 'pending')`, [run.id, idx, name]);
  }

  /** The unfinished run holding an exclusive key, or null. */
  async holderOf(exclusiveKey: string): Promise<string | null> {
    return (await this.db.get(`SELECT id FROM procedures WHERE exclusive_key = ? AND state NOT IN ${inList(FINISHED)}`, [exclusiveKey, ...FINISHED], z.object({ id: z.string() })))?.id ?? null;
  }

  async get(id: string): Promise<ProcedureRow | null> {
    const r = await this.db.get('SELECT * FROM procedures WHERE id = ?', [id], rawProcedure);
    if (!r) return null;
    return {
      id: r.id,
      kind: r.kind,
      state: r.state,
      target: r.target,
      context: JSON.parse(r.context) as unknown,
      error: parse<ContractError>(r.error),
      createdBy: r.created_by,
      workstation: r.workstation,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
      onFailure: r.on_failure,
      cancelRequested: r.cancel_requested === 1,
      runner: runnerColumn.parse(r.runner),
      leaseUntil: r.lease_until,
    };
  }

  async steps(id: string): Promise<StepRow[]> {
    const rows = await this.db.all('SELECT * FROM procedure_steps WHERE procedure_id = ? ORDER BY idx', [id], rawStep);
    return rows.map((r) => ({
      idx: r.idx,
      name: r.name,
      state: r.state,
      output: parse<unknown>(r.output),
      error: parse<ContractError>(r.error),
      gate: parse<GateState>(r.gate),
      attempts: r.attempts,
      startedAt: r.started_at,
      finishedAt: r.finished_at,
    }));
  }

  async journal(id: string, afterId = 0, limit = 1000): Promise<JournalRow[]> {
    const rows = await this.db.all('SELECT id, step_idx, at, level, message, data FROM procedure_journal WHERE procedure_id = ? AND id > ? ORDER BY id LIMIT ?', [id, afterId, limit], rawJournal);
    return rows.map((r) => ({ id: r.id, stepIdx: r.step_idx, at: r.at, level: r.level, message: r.message, data: parse<unknown>(r.data) }));
  }

  async appendJournal(id: string, stepIdx: number | null, level: JournalLevel, message: string, data?: unknown): Promise<JournalRow> {
    const at = now();
    const info = await this.db.run('INSERT INTO procedure_journal (procedure_id, step_idx, at, level, message, data) VALUES (?, ?, ?, ?, ?, ?)', [id, stepIdx, at, level, message, json(data)]);
    return { id: info.lastId, stepIdx, at, level, message, data: data ?? null };
  }

  async setState(id: string, state: ProcedureState, error: ContractError | null = null): Promise<void> {
    const at = now();
    await this.db.run('UPDATE procedures SET state = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?', [state, json(error ?? undefined), at, FINISHED.includes(state) ? at : null, id]);
  }

  async setContext(id: string, context: unknown): Promise<void> {
    await this.db.run('UPDATE procedures SET context = ?, updated_at = ? WHERE id = ?', [JSON.stringify(context), now(), id]);
  }

  async requestCancel(id: string): Promise<void> {
    await this.db.run('UPDATE procedures SET cancel_requested = 1, updated_at = ? WHERE id = ?', [now(), id]);
  }

  async clearCancel(id: string): Promise<void> {
    await this.db.run('UPDATE procedures SET cancel_requested = 0 WHERE id = ?', [id]);
  }

  async setStep(id: string, idx: number, fields: { state: StepState; output?: unknown; error?: ContractError | null; gate?: GateState | null; started?: boolean; finished?: boolean; attempt?: boolean }): Promise<void> {
    const sets = ['state = @state'];
    if (fields.output !== undefined) sets.push('output = @output');
    if (fields.error !== undefined) sets.push('error = @error');
    if (fields.gate !== undefined) sets.push('gate = @gate');
    if (fields.started) sets.push('started_at = @at', 'finished_at = NULL');
    if (fields.finished) sets.push('finished_at = @at');
    if (fields.attempt) sets.push('attempts = attempts + 1');
    await this.db.run(`UPDATE procedure_steps SET ${sets.join(', ')} WHERE procedure_id = @id AND idx = @idx`, {
      id,
      idx,
      state: fields.state,
      output: json(fields.output),
      error: fields.error === null ? null : json(fields.error),
      gate: fields.gate === null ? null : json(fields.gate),
      at: now(),
    });
    await this.db.run('UPDATE procedures SET updated_at = ? WHERE id = ?', [now(), id]);
  }

  /**
   * Takes the run for `runner` with a lease of `leaseMs`: when nobody holds it, `runner` already
   * does, or the holder's lease has run out - one conditional UPDATE decides, so of two processes
   * (on any machines) claiming at once exactly one wins. A holder whose lease still runs is
   * replaced only when `isGone` says it certainly died (same machine, no such process), and then
   * only if it is still the holder seen (compare and swap), so a renewal in between wins.
   */
  async claim(id: string, runner: RunnerIdentity, leaseMs: number, isGone: (held: RunnerIdentity, leaseUntil: string | null) => boolean): Promise<boolean> {
    const me = JSON.stringify(runner);
    const at = Date.now();
    const until = new Date(at + leaseMs).toISOString();
    const free = await this.db.run(
      `UPDATE procedures SET runner = ?, lease_until = ?
       WHERE id = ? AND (runner IS NULL OR runner = ? OR lease_until IS NULL OR lease_until < ?)`,
      [me, until, id, me, new Date(at).toISOString()],
    );
    if (free.changes === 1) return true;
    const held = await this.db.get('SELECT runner, lease_until FROM procedures WHERE id = ?', [id], z.object({ runner: z.string().nullable(), lease_until: z.string().nullable() }));
    if (!held?.runner) return false; // gone, or released just now: the next kick claims it
    const holder = runnerColumn.parse(held.runner);
    if (!holder || !isGone(holder, held.lease_until)) return false;
    const swapped = await this.db.run('UPDATE procedures SET runner = ?, lease_until = ? WHERE id = ? AND runner = ?', [me, until, id, held.runner]);
    return swapped.changes === 1;
  }

  /**
   * Extends `runner`'s lease; false when it no longer holds the run (its lease ran out and another
   * process took over). Inside a transaction it is also the fence: on PostgreSQL the row stays
   * locked until the commit, so no takeover can slip in between the check and the writes.
   */
  async renew(id: string, runner: RunnerIdentity, leaseMs: number): Promise<boolean> {
    const until = new Date(Date.now() + leaseMs).toISOString();
    return (await this.db.run('UPDATE procedures SET lease_until = ? WHERE id = ? AND runner = ?', [until, id, JSON.stringify(runner)])).changes === 1;
  }

  /** Gives the run up, if `runner` still holds it (a process that lost its lease must not clear its successor's). */
  async release(id: string, runner: RunnerIdentity): Promise<void> {
    await this.db.run('UPDATE procedures SET runner = NULL, lease_until = NULL WHERE id = ? AND runner = ?', [id, JSON.stringify(runner)]);
  }

  /** Unfinished runs whose driver stopped renewing its lease before `at` (it died, or its machine did). */
  async expiredLeases(at: Date): Promise<string[]> {
    return (
      await this.db.all(
        `SELECT id FROM procedures WHERE state IN ('pending', 'running', 'rolling-back') AND runner IS NOT NULL AND lease_until < ? ORDER BY created_at`,
        [at.toISOString()],
        z.object({ id: z.string() }),
      )
    ).map((r) => r.id);
  }

  async unfinished(): Promise<string[]> {
    return (await this.db.all(`SELECT id FROM procedures WHERE state IN ('pending', 'running', 'waiting', 'rolling-back') ORDER BY created_at`, [], z.object({ id: z.string() }))).map((r) => r.id);
  }

  /** The newest runs first, optionally of one state. */
  async list(q: { state?: ProcedureState | undefined; limit: number }): Promise<ProcedureSummary[]> {
    const now = new Date();
    return (await this.db
      .all(
        `SELECT id, kind, state, target, created_at, updated_at, created_by, workstation, runner, lease_until FROM procedures
         ${q.state ? 'WHERE state = @state' : ''} ORDER BY created_at DESC LIMIT @limit`,
        { state: q.state ?? null, limit: q.limit },
        summaryRow,
      ))
      .map((r) => ({
        id: r.id,
        kind: r.kind,
        state: r.state,
        target: r.target,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        createdBy: r.created_by,
        workstation: r.workstation,
        // "running" is what the store says; whether anything still runs it is the runner's liveness.
        interrupted: (r.state === 'running' || r.state === 'rolling-back') && runnerIsGone(r.runner, now, r.lease_until),
      }));
  }

  /** An active run of this kind other than `exceptId`, or null. */
  async otherActive(kind: string, exceptId: string): Promise<{ id: string; target: string | null } | null> {
    return (
      await this.db.get(
        `SELECT id, target FROM procedures WHERE kind = ? AND state IN ('running', 'waiting', 'rolling-back') AND id <> ? LIMIT 1`,
        [kind, exceptId],
        z.object({ id: z.string(), target: z.string().nullable() }),
      ) ?? null
    );
  }

  /** How many runs are in flight (running, waiting at a gate, or rolling back). */
  async runningCount(): Promise<number> {
    return (await this.db.get(`SELECT count(*) AS n FROM procedures WHERE state IN ('running', 'waiting', 'rolling-back')`, [], z.object({ n: z.number() })))!.n;
  }
}
