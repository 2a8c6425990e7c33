import { randomUUID } from 'node:crypto';
import type { EventPayload } from '../contract/events.js';
import { toContractError } from '../contract/errors.js';
import type { FanoutJobSummary, FanoutTotals } from '../contract/fanout.js';
import type { ProcedureState } from '../contract/procedures.js';
import type { Task, TaskCounts, TaskKind, TaskLink } from '../contract/tasks.js';
import type { Sql } from '../db/sql.js';
import type { EventBus } from '../events/event-bus.js';
import { TaskStore, type TaskWrite } from './task-store.js';

/** What the feed needs to know of a procedure run beyond its event: its title, step count and what it waits for. */
export interface ProcedureFacts {
  title: string;
  steps: number;
  waitingFor: 'approval' | 'timer' | null;
}

export interface TaskServiceOptions {
  db: Sql;
  bus: EventBus;
  /** Facts of a procedure run by id (null when the engine does not know it). */
  procedureFacts: (id: string, kind: string) => Promise<ProcedureFacts | null>;
  /** A task started, ended or started waiting (not every progress tick): the status bar's counts moved. */
  onStateChanged?: () => void;
}

export interface TrackedWork {
  kind: Exclude<TaskKind, 'procedure' | 'fanout'>;
  title: string;
  target: string | null;
  startedBy: string;
  link: TaskLink;
}

const PROCEDURE_STATE: Record<ProcedureState, Task['state']> = {
  pending: 'queued',
  running: 'running',
  waiting: 'waiting',
  succeeded: 'succeeded',
  failed: 'failed',
  'rolling-back': 'running',
  'rolled-back': 'failed',
  cancelled: 'cancelled',
};

const finished = (state: Task['state']): boolean => state === 'succeeded' || state === 'failed' || state === 'cancelled';

/**
 * The Recent Tasks feed: every long action becomes a task row (core/tasks/task-store.ts) whose
 * changes go out as `task.updated` events. Site syncs and VM power changes are wrapped by `track`;
 * fan-out jobs and procedure runs are followed through the events their owners already publish.
 */
export class TaskService {
  readonly store: TaskStore;
  /** The task of the explicit sync running per site, so its progress events find it. */
  private readonly syncTasks = new Map<string, string>();
  /** Writes run one after another so a late progress tick never overwrites a finished state. */
  private queue: Promise<unknown> = Promise.resolve();
  private readonly unsubscribe: () => void;

  constructor(private readonly o: TaskServiceOptions) {
    this.store = new TaskStore(o.db);
    this.unsubscribe = o.bus.subscribe((event, payload) => {
      if (event === 'procedure.updated') void this.enqueue(() => this.onProcedure(payload as EventPayload<'procedure.updated'>));
      else if (event === 'fanout.result') {
        const p = payload as EventPayload<'fanout.result'>;
        void this.enqueue(() => this.onFanout(p.jobId, 'running', p.totals));
      } else if (event === 'fanout.done') {
        const p = payload as EventPayload<'fanout.done'>;
        void this.enqueue(() => this.onFanout(p.jobId, p.state, p.totals));
      } else if (event === 'inventory.sync.progress') void this.enqueue(() => this.onSyncProgress(payload as EventPayload<'inventory.sync.progress'>));
    });
  }

  async list(q: { limit: number; active: boolean }): Promise<{ tasks: Task[]; counts: TaskCounts }> {
    await this.queue;
    return { tasks: await this.store.list(q), counts: await this.store.counts() };
  }

  async counts(): Promise<TaskCounts> {
    return this.store.counts();
  }

  /** Runs `work` as a task: running at once, then succeeded (with `outcome`'s line) or failed with its error code. */
  async track<T>(spec: TrackedWork, work: (taskId: string) => Promise<T>, outcome: (value: T) => string | null = () => null): Promise<T> {
    const now = new Date().toISOString();
    const id = randomUUID();
    await this.enqueue(() => this.write({ id, ...spec, state: 'running', waitingFor: null, progress: null, detail: null, startedAt: now, updatedAt: now, finishedAt: null, error: null }, true));
    if (spec.kind === 'site.sync' && spec.target) this.syncTasks.set(spec.target, id);
    try {
      const value = await work(id);
      await this.enqueue(() => this.finish(id, 'succeeded', outcome(value), null));
      return value;
    } catch (err) {
      const e = toContractError(err);
      await this.enqueue(() => this.finish(id, 'failed', null, { code: e.code, message: e.message }));
      throw err;
    } finally {
      if (spec.kind === 'site.sync' && spec.target && this.syncTasks.get(spec.target) === id) this.syncTasks.delete(spec.target);
    }
  }

  /** A fan-out job was started (or re-run): its task follows `fanout.result` / `fanout.done` by job id. */
  async fanoutStarted(job: FanoutJobSummary, actor: string): Promise<void> {
    await this.enqueue(async () => {
      const now = new Date().toISOString();
      const previous = await this.store.get(job.id);
      await this.write(
        {
          id: job.id,
          kind: 'fanout',
          title: `Run on ${job.totals.total} host${job.totals.total === 1 ? '' : 's'}: ${oneLine(job.command)}`,
          target: `${job.totals.total} host${job.totals.total === 1 ? '' : 's'}`,
          startedBy: previous?.startedBy ?? actor,
          startedAt: previous?.startedAt ?? job.startedAt,
          state: 'running',
          waitingFor: null,
          progress: fanoutProgress(job.totals),
          detail: fanoutDetail(job.totals),
          updatedAt: now,
          finishedAt: null,
          error: null,
          link: { view: 'terminals', ref: 'fanout' },
        },
        true,
      );
    });
  }

  close(): void {
    this.unsubscribe();
  }

  private enqueue<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn);
    // A failed write must not stop the ones after it (the feed is advisory; the action itself already answered).
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async write(t: TaskWrite, stateChanged: boolean): Promise<void> {
    const task = await this.store.put(t);
    this.o.bus.emit('task.updated', task);
    if (stateChanged) this.o.onStateChanged?.();
  }

  private async finish(id: string, state: Task['state'], detail: string | null, error: Task['error']): Promise<void> {
    const t = await this.store.get(id);
    if (!t) return;
    const now = new Date().toISOString();
    await this.write({ ...t, state, waitingFor: null, progress: state === 'succeeded' ? 1 : t.progress, detail: detail ?? t.detail, updatedAt: now, finishedAt: now, error }, true);
  }

  private async onProcedure(p: EventPayload<'procedure.updated'>): Promise<void> {
    const facts = await this.o.procedureFacts(p.id, p.kind);
    const previous = await this.store.get(p.id);
    const state = PROCEDURE_STATE[p.state];
    const stepsDone = p.step ? p.step.idx : state === 'succeeded' ? (facts?.steps ?? 0) : 0;
    const progress = facts && facts.steps > 0 ? Math.min(1, (state === 'succeeded' ? facts.steps : stepsDone) / facts.steps) : null;
    const waitingFor = state === 'waiting' ? (facts?.waitingFor ?? 'approval') : null;
    const detail =
      p.state === 'rolling-back' ? 'Rolling back' : p.state === 'rolled-back' ? 'Rolled back' : p.step ? `Step ${p.step.idx + 1}${facts ? ` of ${facts.steps}` : ''}: ${p.step.name}` : null;
    await this.write(
      {
        id: p.id,
        kind: 'procedure',
        title: facts?.title ?? p.kind,
        target: p.target,
        state,
        waitingFor,
        progress,
        detail,
        startedBy: p.createdBy,
        startedAt: p.createdAt,
        updatedAt: p.updatedAt,
        finishedAt: finished(state) ? p.updatedAt : null,
        error: null,
        link: { view: 'procedures', ref: p.id },
      },
      previous?.state !== state || previous.waitingFor !== waitingFor,
    );
  }

  private async onFanout(jobId: string, jobState: 'running' | 'done' | 'cancelled', totals: FanoutTotals): Promise<void> {
    const t = await this.store.get(jobId);
    if (!t) return;
    if (jobState === 'running' && finished(t.state)) return;
    const now = new Date().toISOString();
    const state: Task['state'] = jobState === 'running' ? 'running' : jobState === 'cancelled' ? 'cancelled' : totals.failed > 0 ? 'failed' : 'succeeded';
    const error = state === 'failed' ? { code: 'FANOUT_HOSTS_FAILED', message: `${totals.failed} of ${totals.total} hosts failed.` } : null;
    await this.write({ ...t, state, progress: fanoutProgress(totals), detail: fanoutDetail(totals), updatedAt: now, finishedAt: jobState === 'running' ? null : now, error }, state !== t.state);
  }

  private async onSyncProgress(p: EventPayload<'inventory.sync.progress'>): Promise<void> {
    const id = this.syncTasks.get(p.site);
    if (!id) return; // a watcher's own resync: not an operator's task
    const t = await this.store.get(id);
    if (!t || finished(t.state)) return;
    const progress = p.phase === 'done' ? 1 : p.expectedVms ? Math.min(0.99, p.counts.vms / p.expectedVms) : null;
    const detail = p.phase === 'structure' ? 'Reading hosts, networks and datastores' : `${p.counts.vms} VM${p.counts.vms === 1 ? '' : 's'} stored`;
    await this.write({ ...t, progress, detail, updatedAt: new Date().toISOString() }, false);
  }
}

function fanoutProgress(t: FanoutTotals): number | null {
  return t.total === 0 ? null : (t.total - t.pending - t.running) / t.total;
}

function fanoutDetail(t: FanoutTotals): string {
  return `${t.total - t.pending - t.running} of ${t.total} done (${t.ok} ok, ${t.failed} failed${t.cancelled ? `, ${t.cancelled} cancelled` : ''})`;
}

function oneLine(command: string): string {
  const first = command.split('\n')[0]!.trim();
  return first.length > 80 ? `${first.slice(0, 79)}…` : first;
}
