import type { ContractError } from '../contract/errors.js';
import type { ProcedureState } from '../contract/commands.js';
import type { Db } from '../db/database.js';
import type { JournalLevel } from './procedure.js';
import type { RunnerIdentity } from './runner-identity.js';

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

interface RawProcedure {
  id: string;
  kind: string;
  state: ProcedureState;
  target: string | null;
  context: string;
  error: string | null;
  created_by: string;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
  on_failure: 'rollback' | 'stop';
  cancel_requested: number;
  runner: string | null;
  lease_until: string | null;
}

interface RawStep {
  idx: number;
  name: string;
  state: StepState;
  output: string | null;
  error: string | null;
  gate: string | null;
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
}

const FINISHED: ProcedureState[] = ['succeeded', 'rolled-back', 'cancelled'];

/** SQL for procedure runs; every write that must be atomic with others takes a transaction from the caller. */
export class ProcedureStore {
  constructor(readonly db: Db) {}

  insert(run: { id: string; kind: string; target: string | null; context: unknown; createdBy: string; onFailure: 'rollback' | 'stop'; steps: string[] }): void {
    const at = now();
    this.db
      .prepare(
        `INSERT INTO procedures (id, kind, state, target, context, created_by, created_at, updated_at, on_failure)
         VALUES (?, ?, 'pending', ?, ?, ?, ?, ?, ?)`,
      )
      .run(run.id, run.kind, run.target, JSON.stringify(run.context), run.createdBy, at, at, run.onFailure);
    const step = this.db.prepare(`INSERT INTO procedure_steps (procedure_id, idx, name, state) VALUES (?, ?, ?, 'pending')`);
    run.steps.forEach((name, idx) => step.run(run.id, idx, name));
  }

  get(id: string): ProcedureRow | null {
    const r = this.db.prepare('SELECT * FROM procedures WHERE id = ?').get(id) as RawProcedure | undefined;
    if (!r) return null;
    return {
      id: r.id,
      kind: r.kind,
      state: r.state,
      target: r.target,
      context: JSON.parse(r.context) as unknown,
      error: parse<ContractError>(r.error),
      createdBy: r.created_by,
      createdAt: r.created_at,
      updatedAt: r.updated_at,
      finishedAt: r.finished_at,
      onFailure: r.on_failure,
      cancelRequested: r.cancel_requested === 1,
      runner: parse<RunnerIdentity>(r.runner),
      leaseUntil: r.lease_until,
    };
  }

  steps(id: string): StepRow[] {
    const rows = this.db.prepare('SELECT * FROM procedure_steps WHERE procedure_id = ? ORDER BY idx').all(id) as RawStep[];
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

  journal(id: string, afterId = 0, limit = 1000): JournalRow[] {
    const rows = this.db
      .prepare('SELECT id, step_idx, at, level, message, data FROM procedure_journal WHERE procedure_id = ? AND id > ? ORDER BY id LIMIT ?')
      .all(id, afterId, limit) as { id: number; step_idx: number | null; at: string; level: JournalLevel; message: string; data: string | null }[];
    return rows.map((r) => ({ id: r.id, stepIdx: r.step_idx, at: r.at, level: r.level, message: r.message, data: parse<unknown>(r.data) }));
  }

  appendJournal(id: string, stepIdx: number | null, level: JournalLevel, message: string, data?: unknown): JournalRow {
    const at = now();
    const info = this.db
      .prepare('INSERT INTO procedure_journal (procedure_id, step_idx, at, level, message, data) VALUES (?, ?, ?, ?, ?, ?)')
      .run(id, stepIdx, at, level, message, json(data));
    return { id: Number(info.lastInsertRowid), stepIdx, at, level, message, data: data ?? null };
  }

  setState(id: string, state: ProcedureState, error: ContractError | null = null): void {
    const at = now();
    this.db
      .prepare('UPDATE procedures SET state = ?, error = ?, updated_at = ?, finished_at = ? WHERE id = ?')
      .run(state, json(error ?? undefined), at, FINISHED.includes(state) ? at : null, id);
  }

  setContext(id: string, context: unknown): void {
    this.db.prepare('UPDATE procedures SET context = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(context), now(), id);
  }

  requestCancel(id: string): void {
    this.db.prepare('UPDATE procedures SET cancel_requested = 1, updated_at = ? WHERE id = ?').run(now(), id);
  }

  clearCancel(id: string): void {
    this.db.prepare('UPDATE procedures SET cancel_requested = 0 WHERE id = ?').run(id);
  }

  setStep(id: string, idx: number, fields: { state: StepState; output?: unknown; error?: ContractError | null; gate?: GateState | null; started?: boolean; finished?: boolean; attempt?: boolean }): void {
    const sets = ['state = @state'];
    if (fields.output !== undefined) sets.push('output = @output');
    if (fields.error !== undefined) sets.push('error = @error');
    if (fields.gate !== undefined) sets.push('gate = @gate');
    if (fields.started) sets.push('started_at = @at', 'finished_at = NULL');
    if (fields.finished) sets.push('finished_at = @at');
    if (fields.attempt) sets.push('attempts = attempts + 1');
    this.db.prepare(`UPDATE procedure_steps SET ${sets.join(', ')} WHERE procedure_id = @id AND idx = @idx`).run({
      id,
      idx,
      state: fields.state,
      output: json(fields.output),
      error: fields.error === null ? null : json(fields.error),
      gate: fields.gate === null ? null : json(fields.gate),
      at: now(),
    });
    this.db.prepare('UPDATE procedures SET updated_at = ? WHERE id = ?').run(now(), id);
  }

  /** Takes (or renews) the run for this process; false when a live runner elsewhere holds it. */
  claim(id: string, runner: RunnerIdentity, leaseMs: number, isGone: (r: ProcedureRow) => boolean): boolean {
    return this.db.transaction(() => {
      const row = this.get(id);
      if (!row) return false;
      const mine = row.runner !== null && JSON.stringify(row.runner) === JSON.stringify(runner);
      if (!mine && row.runner !== null && !isGone(row)) return false;
      this.db
        .prepare('UPDATE procedures SET runner = ?, lease_until = ? WHERE id = ?')
        .run(JSON.stringify(runner), new Date(Date.now() + leaseMs).toISOString(), id);
      return true;
    }).immediate();
  }

  release(id: string): void {
    this.db.prepare('UPDATE procedures SET runner = NULL, lease_until = NULL WHERE id = ?').run(id);
  }

  unfinished(): string[] {
    return (
      this.db
        .prepare(`SELECT id FROM procedures WHERE state IN ('pending', 'running', 'waiting', 'rolling-back') ORDER BY created_at`)
        .all() as { id: string }[]
    ).map((r) => r.id);
  }
}
