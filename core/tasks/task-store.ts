// Owns tables: tasks.
import { z } from 'zod';
import { taskKindSchema, taskStateSchema, type Task, type TaskCounts } from '../contract/tasks.js';
import type { Sql } from '../db/sql.js';
import { runnerIsGone, thisRunner, type RunnerIdentity } from '../procedures/runner-identity.js';

/** How many tasks the feed keeps: the newest rows win, older finished ones are deleted. */
export const TASKS_KEPT = 500;

const runnerSchema = z.object({ host: z.string(), pid: z.number().int(), startedAt: z.string() });
const errorSchema = z.object({ code: z.string(), message: z.string() });
const paramsSchema = z.record(z.string(), z.string());

const taskRow = z.object({
  id: z.string(),
  kind: taskKindSchema,
  title: z.string(),
  target: z.string().nullable(),
  state: taskStateSchema,
  waiting_for: z.enum(['approval', 'timer']).nullable(),
  progress: z.number().nullable(),
  detail: z.string().nullable(),
  started_by: z.string(),
  started_at: z.string(),
  updated_at: z.string(),
  finished_at: z.string().nullable(),
  error: z.string().nullable(),
  link_view: z.string(),
  link_ref: z.string().nullable(),
  link_params: z.string().nullable(),
  runner: z.string().nullable(),
});
type TaskRow = z.infer<typeof taskRow>;

function decodeJson<T>(text: string | null, schema: z.ZodType<T>): T | null {
  if (text === null) return null;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

const isActive = (state: Task['state']): boolean => state === 'queued' || state === 'running' || state === 'waiting';

function toTask(r: TaskRow, now: Date): Task {
  const runner = decodeJson(r.runner, runnerSchema);
  return {
    id: r.id,
    kind: r.kind,
    title: r.title,
    target: r.target,
    state: r.state,
    waitingFor: r.state === 'waiting' ? r.waiting_for : null,
    progress: r.progress === null ? null : Math.min(1, Math.max(0, r.progress)),
    detail: r.detail,
    startedBy: r.started_by,
    startedAt: r.started_at,
    updatedAt: r.updated_at,
    finishedAt: r.finished_at,
    error: decodeJson(r.error, errorSchema),
    link: { view: r.link_view, ref: r.link_ref, ...(r.link_params ? { params: decodeJson(r.link_params, paramsSchema) ?? {} } : {}) },
    // A run waiting for approval is parked in the database, not in a process: any process moves it on.
    interrupted: isActive(r.state) && !(r.state === 'waiting' && r.waiting_for === 'approval') && runnerIsGone(runner, now, null),
  };
}

/** What a writer sets on a task (everything but the runner, which is always this process). */
export interface TaskWrite {
  id: string;
  kind: Task['kind'];
  title: string;
  target: string | null;
  state: Task['state'];
  waitingFor: Task['waitingFor'];
  progress: number | null;
  detail: string | null;
  startedBy: string;
  startedAt: string;
  updatedAt: string;
  finishedAt: string | null;
  error: Task['error'];
  link: Task['link'];
}

/** The tasks table: one row per long action, newest TASKS_KEPT kept. */
export class TaskStore {
  constructor(
    private readonly db: Sql,
    private readonly runner: RunnerIdentity = thisRunner,
    private readonly kept: number = TASKS_KEPT,
  ) {}

  async get(id: string): Promise<Task | null> {
    const row = await this.db.get(`SELECT * FROM tasks WHERE id = ?`, [id], taskRow);
    return row ? toTask(row, new Date()) : null;
  }

  /** Inserts or replaces a task, then forgets the oldest beyond TASKS_KEPT. */
  async put(t: TaskWrite): Promise<Task> {
    await this.db.transaction(async (tx) => {
      await tx.run(
        `INSERT INTO tasks (id, kind, title, target, state, waiting_for, progress, detail, started_by, started_at, updated_at, finished_at, error, link_view, link_ref, link_params, runner)
         VALUES (@id, @kind, @title, @target, @state, @waitingFor, @progress, @detail, @startedBy, @startedAt, @updatedAt, @finishedAt, @error, @linkView, @linkRef, @linkParams, @runner)
         ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, title = excluded.title, target = excluded.target, state = excluded.state,
           waiting_for = excluded.waiting_for, progress = excluded.progress, detail = excluded.detail, updated_at = excluded.updated_at,
           finished_at = excluded.finished_at, error = excluded.error, link_view = excluded.link_view, link_ref = excluded.link_ref, link_params = excluded.link_params, runner = excluded.runner`,
        {
          id: t.id,
          kind: t.kind,
          title: t.title,
          target: t.target,
          state: t.state,
          waitingFor: t.state === 'waiting' ? t.waitingFor : null,
          progress: t.progress,
          detail: t.detail,
          startedBy: t.startedBy,
          startedAt: t.startedAt,
          updatedAt: t.updatedAt,
          finishedAt: t.finishedAt,
          error: t.error ? JSON.stringify({ code: t.error.code, message: t.error.message }) : null,
          linkView: t.link.view,
          linkRef: t.link.ref,
          linkParams: t.link.params && Object.keys(t.link.params).length > 0 ? JSON.stringify(t.link.params) : null,
          runner: JSON.stringify(this.runner),
        },
      );
      await tx.run(`DELETE FROM tasks WHERE id NOT IN (SELECT id FROM tasks ORDER BY started_at DESC, id DESC LIMIT ?)`, [this.kept]);
    });
    return (await this.get(t.id))!;
  }

  /** Newest first; `active` keeps those still queued, running or waiting (and not interrupted). */
  async list(q: { limit: number; active: boolean }): Promise<Task[]> {
    const now = new Date();
    const rows = q.active
      ? await this.db.all(`SELECT * FROM tasks WHERE state IN ('queued', 'running', 'waiting') ORDER BY started_at DESC, id DESC`, [], taskRow)
      : await this.db.all(`SELECT * FROM tasks ORDER BY started_at DESC, id DESC LIMIT ?`, [q.limit], taskRow);
    const tasks = rows.map((r) => toTask(r, now));
    return q.active ? tasks.filter((t) => !t.interrupted).slice(0, q.limit) : tasks;
  }

  /** Running (queued, running, or waiting on a timer) and waiting for approval; interrupted ones are neither. */
  async counts(): Promise<TaskCounts> {
    const active = await this.list({ limit: TASKS_KEPT, active: true });
    return {
      running: active.filter((t) => t.state !== 'waiting' || t.waitingFor !== 'approval').length,
      waiting: active.filter((t) => t.state === 'waiting' && t.waitingFor === 'approval').length,
    };
  }
}
