import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../audit/audit-log.js';
import type { ProcedureState, ProcedureSummary } from '../contract/commands.js';
import { OutpostError, toContractError, type ContractError } from '../contract/errors.js';
import { atomically, UniqueViolation, type Sql } from '../db/sql.js';
import type { EventBus } from '../events/event-bus.js';
import { faultPoint } from './fault-injection.js';
import type { JournalLevel, Step, StepRun } from './procedure.js';
import { ProcedureStore, type ProcedureRow, type StepRow } from './procedure-store.js';
import type { AnyProcedureDefinition, ProcedureRegistry } from './registry.js';
import { runnerIsGone, thisRunner, workstationName, type RunnerIdentity } from './runner-identity.js';

export interface EngineOptions<S> {
  db: Sql;
  registry: ProcedureRegistry<S>;
  audit: AuditLog;
  /** What every step gets as `services`: the composition root's object covering each registered procedure's needs. */
  services: S;
  bus?: EventBus;
  /**
   * How long a claim on a run lasts without renewal: the driving process renews it (heartbeat) every
   * third of it; when it stops (killed, its machine gone), another process may take over after it.
   */
  leaseMs?: number;
  runner?: RunnerIdentity;
  /** This workstation's name, recorded on the runs it starts (default: the hostname). */
  workstation?: string;
  /**
   * Four-eyes: whether an approval gate of this kind of procedure must be approved by another
   * operator than the one who started the run (a setting per kind).
   */
  requiresFourEyes?: (kind: string) => Promise<boolean>;
}

/** The default lease; OUTPOST_PROCEDURE_LEASE_MS shortens it (tests). */
export function defaultLeaseMs(env: NodeJS.ProcessEnv = process.env): number {
  const ms = Number(env.OUTPOST_PROCEDURE_LEASE_MS);
  return Number.isInteger(ms) && ms >= 200 && ms <= 3_600_000 ? ms : 30_000;
}

/** This process no longer holds the run's lease (it ran out and another process took over): stop without writing. */
class LeaseLost extends Error {
  constructor(id: string) {
    super(`Another process took over procedure ${id} after this one's lease ran out.`);
    this.name = 'LeaseLost';
  }
}

export interface ProcedureDetail {
  procedure: ProcedureRow;
  steps: StepRow[];
}

const SETTLED: ProcedureState[] = ['succeeded', 'rolled-back', 'cancelled'];
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Runs procedures durably. Before and after every step the run's state, the step's state and
 * output and the context are committed together with an audit record, so a process killed at
 * any point resumes (idempotent steps run again) or rolls back on the next start.
 */
export class ProcedureEngine<S = unknown> {
  readonly store: ProcedureStore;
  private readonly active = new Map<string, { controller: AbortController; done: Promise<void> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /** Runs whose lease this process lost: every write for them is refused (see fenced()). */
  private readonly lost = new Set<string>();
  private sweeper: NodeJS.Timeout | null = null;
  private readonly leaseMs: number;
  private readonly runner: RunnerIdentity;
  private closed = false;

  constructor(private readonly o: EngineOptions<S>) {
    this.store = new ProcedureStore(o.db);
    this.leaseMs = o.leaseMs ?? defaultLeaseMs();
    this.runner = o.runner ?? thisRunner;
  }

  /**
   * Validates the context, records the run and starts it; returns its id at once. With `defer`, the
   * run is only recorded (pending): the caller drives it with `run` (a batch with bounded concurrency).
   */
  async start(kind: string, context: unknown, actor: string, options: { defer?: boolean } = {}): Promise<string> {
    const definition = this.o.registry.get(kind);
    const parsed = definition.context.safeParse(context);
    if (!parsed.success) {
      throw new OutpostError('VALIDATION', `Invalid input for procedure ${kind}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(context)'}: ${i.message}`).join('; ')}`, {
        issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
      });
    }
    const id = randomUUID();
    const target = definition.target(parsed.data);
    const exclusiveKey = definition.exclusive?.(parsed.data) ?? null;
    try {
      await atomically(this.o.db, async () => {
        await this.store.insert({ id, kind, target, context: parsed.data, createdBy: actor, workstation: this.o.workstation ?? workstationName, onFailure: definition.onFailure ?? 'rollback', steps: definition.steps.map((s) => s.name), exclusiveKey });
        await this.o.audit.append({ actor, action: 'procedure.start', target, details: { procedureId: id, kind } });
        await this.journal(id, null, 'info', `${definition.title} started by ${actor}`);
      });
    } catch (err) {
      // The unique index on unfinished runs' keys refused it (another workstation may have won the
      // same moment); the transaction has rolled back, so the holder can be read and named.
      if (!(err instanceof UniqueViolation) || exclusiveKey === null) throw err;
      const holder = await this.store.holderOf(exclusiveKey);
      throw new OutpostError('CONFLICT', `Another ${kind} run${holder ? ` (${holder})` : ''} for ${target ?? exclusiveKey} is under way; wait for it to finish or cancel it, then try again.`, { procedureId: holder, exclusiveKey });
    }
    await this.publish(id);
    if (!options.defer) void this.kick(id, actor);
    return id;
  }

  /** Drives a recorded run in this process; resolves when it settles, fails, waits or is held elsewhere. */
  run(id: string, actor: string): Promise<void> {
    return this.kick(id, actor);
  }

  /** Resumes every unfinished run this process may take (call once at start-up). */
  async resumeAll(actor = 'outpost'): Promise<string[]> {
    const ids = await this.store.unfinished();
    for (const id of ids) void this.kick(id, actor);
    return ids;
  }

  /**
   * Watches for runs whose driver died (its lease ran out without renewal, on any workstation
   * sharing the store) and resumes them here. The claim is one conditional UPDATE, so when several
   * processes watch, exactly one takes each run.
   */
  watchLeases(actor = 'outpost', everyMs = Math.max(100, Math.floor(this.leaseMs / 2))): void {
    if (this.sweeper || this.closed) return;
    this.sweeper = setInterval(() => {
      if (this.closed) return;
      this.store
        .expiredLeases(new Date())
        .then((ids) => {
          for (const id of ids) if (!this.active.has(id)) void this.kick(id, actor);
        })
        .catch(() => undefined); // a busy or closing store: the next sweep looks again
    }, everyMs);
    this.sweeper.unref();
  }

  /** Resolves when this process stops driving the run (settled, failed, waiting, or taken elsewhere). */
  async whenIdle(id: string): Promise<void> {
    await this.active.get(id)?.done;
  }

  /** The definition of a kind, or null when this build no longer ships it. */
  definition(kind: string): AnyProcedureDefinition<S> | null {
    try {
      return this.o.registry.get(kind);
    } catch {
      return null;
    }
  }

  /** Every procedure kind this build runs. */
  kinds(): string[] {
    return this.o.registry.kinds();
  }

  async detail(id: string): Promise<ProcedureDetail> {
    const procedure = await this.store.get(id);
    if (!procedure) throw new OutpostError('NOT_FOUND', `No procedure run ${id}.`);
    return { procedure, steps: await this.store.steps(id) };
  }

  async approve(id: string, actor: string): Promise<void> {
    const { procedure, steps } = await this.detail(id);
    const waiting = steps.find((s) => s.state === 'waiting');
    if (procedure.state !== 'waiting' || !waiting || waiting.gate?.kind !== 'approve') {
      throw new OutpostError('CONFLICT', `Procedure ${id} is not waiting for an approval (it is ${procedure.state}).`);
    }
    if (actor === procedure.createdBy && (await this.o.requiresFourEyes?.(procedure.kind))) {
      throw new OutpostError(
        'FOUR_EYES_REQUIRED',
        `${procedure.kind} runs need a second operator: ${actor} started this one, so another operator must approve "${waiting.name}".`,
        { procedureId: id, startedBy: actor, step: waiting.name },
      );
    }
    await atomically(this.o.db, async () => {
      await this.store.setStep(id, waiting.idx, { state: 'done', gate: { ...waiting.gate!, approvedBy: actor }, output: { approvedBy: actor }, finished: true });
      await this.o.audit.append({ actor, action: 'procedure.approve', target: procedure.target, details: { procedureId: id, step: waiting.name } });
      await this.journal(id, waiting.idx, 'info', `Approved by ${actor}`);
    });
    void this.kick(id, actor);
  }

  /** Cancels a run: the running step is signalled, completed steps are undone, the run ends cancelled. */
  async cancel(id: string, actor: string): Promise<void> {
    const { procedure } = await this.detail(id);
    if (SETTLED.includes(procedure.state)) throw new OutpostError('CONFLICT', `Procedure ${id} has already ended (${procedure.state}).`);
    await atomically(this.o.db, async () => {
      await this.store.requestCancel(id);
      await this.o.audit.append({ actor, action: 'procedure.cancel', target: procedure.target, details: { procedureId: id } });
      await this.journal(id, null, 'warn', `Cancel requested by ${actor}`);
    });
    const active = this.active.get(id);
    if (active) active.controller.abort(new OutpostError('CANCELLED', 'Cancelled by the operator.'));
    else void this.kick(id, actor);
  }

  /** Runs a failed (stopped) run again from its failed step. */
  async retry(id: string, actor: string): Promise<void> {
    const { procedure, steps } = await this.detail(id);
    const failed = steps.find((s) => s.state === 'failed');
    if (procedure.state !== 'failed' || !failed || procedure.cancelRequested) {
      throw new OutpostError('CONFLICT', `Procedure ${id} has no failed step to retry (it is ${procedure.state}).`);
    }
    await atomically(this.o.db, async () => {
      await this.store.setStep(id, failed.idx, { state: 'pending', error: null });
      await this.store.setState(id, 'running');
      await this.o.audit.append({ actor, action: 'procedure.retry', target: procedure.target, details: { procedureId: id, step: failed.name } });
    });
    void this.kick(id, actor);
  }

  /** Undoes the completed steps of a failed (stopped) run. */
  async rollback(id: string, actor: string): Promise<void> {
    const { procedure } = await this.detail(id);
    if (procedure.state !== 'failed') throw new OutpostError('CONFLICT', `Only a failed run can be rolled back (it is ${procedure.state}).`);
    await atomically(this.o.db, async () => {
      await this.store.setState(id, 'rolling-back');
      await this.o.audit.append({ actor, action: 'procedure.rollback', target: procedure.target, details: { procedureId: id } });
    });
    void this.kick(id, actor);
  }

  /** Stops timers and signals running steps; runs stay in the database and resume on the next start. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
    for (const [id, a] of this.active) {
      a.controller.abort(new OutpostError('CANCELLED', 'Outpost is shutting down.'));
      try {
        await this.store.release(id, this.runner); // the next start (any process) may take the run at once
      } catch {
        // store already closed: the lease simply runs out
      }
    }
  }

  private kick(id: string, actor: string): Promise<void> {
    if (this.closed) return Promise.resolve();
    const existing = this.active.get(id);
    if (existing) return existing.done;
    const controller = new AbortController();
    // A run kicked off inside a transaction (start() in a caller's unit of work) must not join it:
    // it waits for that transaction to commit (or finds no row after a rollback).
    const done = this.o.db.outside(() => this.drive(id, actor, controller))
      // Never an unhandled rejection: after close() the store may be gone; the run resumes next start.
      .catch(() => undefined)
      .finally(() => this.active.delete(id));
    this.active.set(id, { controller, done });
    return done;
  }

  private async drive(id: string, actor: string, controller: AbortController): Promise<void> {
    await Promise.resolve(); // let start() return the id before the first step runs
    if (this.closed) return;
    const gone = (held: RunnerIdentity, leaseUntil: string | null): boolean => runnerIsGone(held, new Date(), leaseUntil);
    if (!await this.store.claim(id, this.runner, this.leaseMs, gone)) return;
    this.lost.delete(id);
    // The heartbeat: renew the lease while the run is driven here. A renewal that finds another
    // holder means this process stalled past its lease and someone took over: stop at once.
    const renew = setInterval(() => {
      if (this.closed) return;
      this.store.renew(id, this.runner, this.leaseMs).then(
        (held) => {
          if (held) return;
          this.lost.add(id);
          controller.abort(new LeaseLost(id));
        },
        () => undefined, // a busy or closing store: the next beat tries again, the lease is three beats long
      );
    }, Math.max(50, Math.floor(this.leaseMs / 3)));
    renew.unref();
    try {
      await this.advance(id, actor, controller);
    } catch (err) {
      // A bug in the engine or an unreadable database: record it rather than lose the run.
      if (!this.closed && !this.lost.has(id) && !(err instanceof LeaseLost)) await this.fenced(id, () => this.finish(id, 'failed', actor, toContractError(err)));
    } finally {
      clearInterval(renew);
      if (!this.closed) await this.store.release(id, this.runner);
    }
  }

  /**
   * Runs a write of a run this process drives in one transaction that first renews the lease: if
   * another process has taken the run over meanwhile, nothing is written (LeaseLost). On
   * PostgreSQL the renewal locks the row to the commit, so a takeover waits for it.
   */
  private async fenced<T>(id: string, work: () => Promise<T>): Promise<T> {
    if (this.lost.has(id)) throw new LeaseLost(id);
    return await atomically(this.o.db, async () => {
      if (!(await this.store.renew(id, this.runner, this.leaseMs))) {
        this.lost.add(id);
        throw new LeaseLost(id);
      }
      return await work();
    });
  }

  private async advance(id: string, actor: string, controller: AbortController): Promise<void> {
    const row = await this.store.get(id);
    if (!row || SETTLED.includes(row.state)) return;
    const definition = this.o.registry.get(row.kind);
    if (row.cancelRequested || row.state === 'rolling-back') return this.undoAll(id, actor, definition);
    if (row.state === 'failed') return;
    const parsed = definition.context.safeParse(row.context);
    if (!parsed.success) {
      return await this.finish(id, 'failed', actor, { code: 'VALIDATION', message: `The stored context of ${id} no longer validates; it was not run.` });
    }
    let context: unknown = parsed.data;
    const steps = await this.store.steps(id);
    if (steps.length !== definition.steps.length || steps.some((s, i) => s.name !== definition.steps[i]!.name)) {
      return await this.finish(id, 'failed', actor, { code: 'CONFLICT', message: `The steps of ${row.kind} changed since run ${id} started; roll it back or start it again.` });
    }
    let state = row.state;
    const ensureRunning = async (): Promise<void> => {
      if (state === 'running') return;
      state = 'running';
      await this.fenced(id, () => this.store.setState(id, 'running'));
      await this.publish(id);
    };

    for (const stepRow of steps) {
      if (stepRow.state === 'done' || stepRow.state === 'skipped') continue;
      const step = definition.steps[stepRow.idx]!;
      if (controller.signal.aborted || (await this.store.get(id))!.cancelRequested) return this.undoAll(id, actor, definition);

      if (step.when && !step.when(context)) {
        await this.fenced(id, async () => {
          await this.store.setStep(id, stepRow.idx, { state: 'skipped', finished: true });
          await this.journal(id, stepRow.idx, 'info', `Step "${step.name}" does not apply; skipped`);
        });
        continue;
      }
      if (step.gate) {
        if (!await this.passGate(id, row, stepRow, step, context, actor)) return;
        await ensureRunning();
        continue;
      }
      await ensureRunning();

      if (stepRow.state === 'running') await this.journal(id, stepRow.idx, 'warn', `Resuming "${step.name}" after an interruption`);
      await this.fenced(id, async () => {
        await this.store.setStep(id, stepRow.idx, { state: 'running', started: true, attempt: true, error: null });
        await this.journal(id, stepRow.idx, 'info', `Step "${step.name}" started`);
      });
      await this.publish(id);
      faultPoint('kill-before', row.kind, step.name);

      const run = await this.stepRun(id, stepRow, context, controller.signal, actor);
      try {
        const result = (await step.run?.(run)) ?? {};
        if (step.verify && !(await step.verify({ ...run, context: { ...(context as object), ...(result.context ?? {}) } }))) {
          throw new OutpostError('VERIFY_FAILED', `Step "${step.name}" ran but its result did not verify.`);
        }
        context = result.context ? { ...(context as object), ...result.context } : context;
        await this.fenced(id, async () => {
          await this.store.setStep(id, stepRow.idx, { state: 'done', output: result.output ?? null, finished: true });
          if (result.context) await this.store.setContext(id, context);
          await this.o.audit.append({ actor, action: 'procedure.step', target: row.target, details: { procedureId: id, kind: row.kind, step: step.name } });
          await this.journal(id, stepRow.idx, 'info', `Step "${step.name}" done`);
        });
        await this.publish(id);
        faultPoint('kill-after', row.kind, step.name);
      } catch (err) {
        // Shutting down, or another process took the run over: leave the step 'running' so whoever
        // drives it next runs it again (it is an ensure).
        if (this.closed || this.lost.has(id)) return;
        const error = toContractError(controller.signal.aborted ? controller.signal.reason : err);
        await this.fenced(id, async () => {
          await this.store.setStep(id, stepRow.idx, { state: 'failed', error, finished: true });
          await this.o.audit.append({ actor, action: 'procedure.step', target: row.target, outcome: 'failed', details: { procedureId: id, kind: row.kind, step: step.name, error } });
          await this.journal(id, stepRow.idx, 'error', `Step "${step.name}" failed: ${error.message}`, { code: error.code });
        });
        await this.publish(id);
        if (controller.signal.aborted || (await this.store.get(id))!.cancelRequested || definition.onFailure !== 'stop') {
          return this.undoAll(id, actor, definition);
        }
        return await this.finish(id, 'failed', actor, error);
      }
    }
    await this.finish(id, 'succeeded', actor, null);
  }

  /** True when the gate is open; otherwise records the wait (and arms a timer for wait-until). */
  private async passGate(id: string, row: ProcedureRow, stepRow: StepRow, step: Step<unknown, S>, context: unknown, actor: string): Promise<boolean> {
    const gate = step.gate!;
    if (gate.kind === 'wait-until') {
      const until = stepRow.gate?.waitUntil ? new Date(stepRow.gate.waitUntil) : gate.until(context, await this.outputs(id));
      if (until.getTime() <= Date.now()) {
        await this.fenced(id, async () => {
          await this.store.setStep(id, stepRow.idx, { state: 'done', gate: { kind: 'wait-until', waitUntil: until.toISOString() }, finished: true });
          await this.journal(id, stepRow.idx, 'info', `Wait "${step.name}" over`);
        });
        return true;
      }
      if (stepRow.state !== 'waiting') await this.enterWait(id, row, stepRow, { kind: 'wait-until', waitUntil: until.toISOString() }, actor, step.name);
      this.arm(id, until, actor);
      return false;
    }
    if (stepRow.state !== 'waiting') await this.enterWait(id, row, stepRow, { kind: 'approve', prompt: gate.prompt(context) }, actor, step.name);
    return false;
  }

  private async enterWait(id: string, row: ProcedureRow, stepRow: StepRow, gate: NonNullable<StepRow['gate']>, actor: string, name: string): Promise<void> {
    await this.fenced(id, async () => {
      await this.store.setStep(id, stepRow.idx, { state: 'waiting', gate, started: true });
      await this.store.setState(id, 'waiting');
      await this.o.audit.append({ actor, action: 'procedure.wait', target: row.target, details: { procedureId: id, step: name, gate } });
      await this.journal(id, stepRow.idx, 'info', gate.kind === 'approve' ? `Waiting for approval: ${gate.prompt ?? name}` : `Waiting until ${gate.waitUntil}`);
    });
    await this.publish(id);
  }

  private arm(id: string, until: Date, actor: string): void {
    clearTimeout(this.timers.get(id));
    const timer = setTimeout(() => {
      this.timers.delete(id);
      void this.kick(id, actor);
    }, Math.min(MAX_TIMER_MS, Math.max(0, until.getTime() - Date.now())));
    timer.unref();
    this.timers.set(id, timer);
  }

  /** Undoes completed (and half-done) steps in reverse order; the run ends cancelled or rolled back. */
  private async undoAll(id: string, actor: string, definition: AnyProcedureDefinition<S>): Promise<void> {
    const row = (await this.store.get(id))!;
    clearTimeout(this.timers.get(id));
    if (row.state !== 'rolling-back') {
      await this.fenced(id, async () => {
        await this.store.setState(id, 'rolling-back');
        await this.journal(id, null, 'warn', 'Rolling back');
      });
      await this.publish(id);
    }
    const context = row.context;
    const steps = await this.store.steps(id);
    const signal = new AbortController().signal; // undo is not cancellable: it is the way out
    for (const stepRow of [...steps].reverse()) {
      const step = definition.steps[stepRow.idx];
      if (stepRow.state === 'pending' || stepRow.state === 'waiting') {
        await this.fenced(id, () => this.store.setStep(id, stepRow.idx, { state: 'skipped' }));
        continue;
      }
      if (stepRow.state === 'undone' || stepRow.state === 'skipped' || !step) continue;
      // done, failed, running (interrupted) or undoing (interrupted): all may have left effects.
      await this.fenced(id, () => this.store.setStep(id, stepRow.idx, { state: 'undoing' }));
      await this.publish(id);
      try {
        if (step.undo) await step.undo(await this.stepRun(id, stepRow, context, signal, actor));
      } catch (err) {
        const error = toContractError(err);
        await this.fenced(id, async () => {
          await this.store.setStep(id, stepRow.idx, { state: 'failed', error });
          await this.journal(id, stepRow.idx, 'error', `Undo of "${step.name}" failed: ${error.message}`, { code: error.code });
        });
        return await this.finish(id, 'failed', actor, {
          code: 'ROLLBACK_FAILED',
          message: `Rollback stopped at "${step.name}": ${error.message}. Fix the cause, then roll back again.`,
          details: { step: step.name, cause: error },
        });
      }
      await this.fenced(id, async () => {
        await this.store.setStep(id, stepRow.idx, { state: 'undone', finished: true });
        if (step.undo) await this.o.audit.append({ actor, action: 'procedure.undo', target: row.target, details: { procedureId: id, kind: row.kind, step: step.name } });
        await this.journal(id, stepRow.idx, 'info', `Step "${step.name}" undone`);
      });
      await this.publish(id);
      faultPoint('kill-after-undo', row.kind, step.name);
    }
    await this.finish(id, row.cancelRequested ? 'cancelled' : 'rolled-back', actor, null);
  }

  private async finish(id: string, state: ProcedureState, actor: string, error: ContractError | null): Promise<void> {
    const row = (await this.store.get(id))!;
    await this.fenced(id, async () => {
      await this.store.setState(id, state, error);
      await this.o.audit.append({ actor, action: `procedure.${state}`, target: row.target, outcome: state === 'succeeded' || state === 'cancelled' || state === 'rolled-back' ? 'ok' : 'failed', details: { procedureId: id, kind: row.kind, ...(error ? { error } : {}) } });
      await this.journal(id, null, state === 'succeeded' ? 'info' : 'warn', `Procedure ${state}${error ? `: ${error.message}` : ''}`);
    });
    await this.publish(id);
  }

  private async stepRun(id: string, stepRow: StepRow, context: unknown, signal: AbortSignal, actor: string): Promise<StepRun<unknown, S>> {
    return {
      procedureId: id,
      actor,
      services: this.o.services,
      context,
      outputs: await this.outputs(id),
      previousOutput: stepRow.output,
      previousError: stepRow.error,
      signal,
      // Fire and forget, as before: the write starts now (so entries keep their order) and a journal
      // line that cannot be written must not fail the step.
      log: (level, message, data) => void this.journal(id, stepRow.idx, level, message, data).catch(() => undefined),
    };
  }

  private async outputs(id: string): Promise<Record<string, unknown>> {
    return Object.fromEntries((await this.store.steps(id)).filter((s) => s.state === 'done').map((s) => [s.name, s.output]));
  }

  private async journal(id: string, stepIdx: number | null, level: JournalLevel, message: string, data?: unknown): Promise<void> {
    const line = await this.store.appendJournal(id, stepIdx, level, message, data);
    this.o.bus?.emit('procedure.log', { procedureId: id, id: line.id, stepIdx, at: line.at, level, message });
  }

  private async publish(id: string): Promise<void> {
    if (!this.o.bus) return;
    const row = await this.store.get(id);
    if (!row) return;
    const steps = await this.store.steps(id);
    const current = steps.find((s) => s.state === 'running' || s.state === 'waiting' || s.state === 'undoing' || s.state === 'failed') ?? null;
    const summary: ProcedureSummary = { id, kind: row.kind, state: row.state, target: row.target, createdAt: row.createdAt, updatedAt: row.updatedAt, createdBy: row.createdBy, workstation: row.workstation };
    this.o.bus.emit('procedure.updated', { ...summary, step: current ? { idx: current.idx, name: current.name, state: current.state } : null });
  }
}
