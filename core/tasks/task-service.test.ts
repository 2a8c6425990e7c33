import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { ledgerProcedure } from '../../test/fixtures/ledger-procedure.js';
import { AuditLog } from '../audit/audit-log.js';
import type { Task } from '../contract/tasks.js';
import { openStore, type Store } from '../db/store.js';
import { EventBus } from '../events/event-bus.js';
import { ProcedureEngine } from '../procedures/engine.js';
import { ProcedureRegistry } from '../procedures/registry.js';
import { TaskService } from './task-service.js';
import { TASKS_KEPT, TaskStore } from './task-store.js';

describe('Recent Tasks feed (real SQLite file, real procedure engine)', () => {
  let dir: ReturnType<typeof tempDir>;
  let db: Store;
  let bus: EventBus;
  let engine: ProcedureEngine;
  let tasks: TaskService;
  let events: Task[];

  beforeEach(async () => {
    dir = tempDir();
    db = await openStore(join(dir.path, 'outpost.db'));
    bus = new EventBus();
    const sql = db.sql;
    engine = new ProcedureEngine({ db: sql, registry: new ProcedureRegistry().register(ledgerProcedure()), audit: new AuditLog(sql, bus), bus, services: {} });
    tasks = new TaskService({
      db: sql,
      bus,
      procedureFacts: async (id, kind) => {
        const d = engine.definition(kind)!;
        const waiting = (await engine.detail(id)).steps.find((s) => s.state === 'waiting');
        return { title: d.title, steps: d.steps.length, waitingFor: waiting?.gate?.kind === 'approve' ? 'approval' : waiting ? 'timer' : null };
      },
    });
    events = [];
    bus.subscribe((event, payload) => {
      if (event === 'task.updated') events.push(payload as Task);
    });
  });
  afterEach(async () => {
    tasks.close();
    await engine.close();
    await db.close();
    dir.remove();
  });

  it('a procedure waiting at an approval gate is "waiting for approval", counted as waiting and not as running', async () => {
    const id = await engine.start('test.ledger', { ledger: join(dir.path, 'l.json'), calls: join(dir.path, 'c.log'), key: 'vm-1', approve: true }, 'alice');
    await engine.whenIdle(id);
    const { tasks: list, counts } = await tasks.list({ limit: 50, active: false });
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ id, kind: 'procedure', state: 'waiting', waitingFor: 'approval', startedBy: 'alice', link: { view: 'procedures', ref: id }, interrupted: false });
    expect(counts).toEqual({ running: 0, waiting: 1 });
    expect(events.some((e) => e.state === 'waiting' && e.waitingFor === 'approval')).toBe(true);

    await engine.approve(id, 'bob');
    await engine.whenIdle(id);
    const after = await tasks.list({ limit: 50, active: false });
    expect(after.tasks[0]).toMatchObject({ state: 'succeeded', progress: 1, waitingFor: null });
    expect(after.counts).toEqual({ running: 0, waiting: 0 });
  });

  it('track: running while the work runs, then succeeded with its outcome, or failed with the error code', async () => {
    let release!: () => void;
    const work = tasks.track({ kind: 'vm.power', title: 'Power on web-1', target: 'lab/web-1', startedBy: 'alice', link: { view: 'inventory', ref: null } }, () => new Promise<string>((r) => (release = () => r('poweredOn'))), (v) => `Now ${v}`);
    await new Promise((r) => setTimeout(r, 10));
    expect((await tasks.list({ limit: 5, active: true })).tasks.map((t) => t.state)).toEqual(['running']);
    expect(await tasks.counts()).toEqual({ running: 1, waiting: 0 });
    release();
    await work;
    expect((await tasks.list({ limit: 5, active: false })).tasks[0]).toMatchObject({ state: 'succeeded', detail: 'Now poweredOn', finishedAt: expect.any(String) });

    const failing = tasks.track({ kind: 'site.sync', title: 'Sync lab', target: 'lab', startedBy: 'alice', link: { view: 'inventory', ref: null } }, () => Promise.reject(Object.assign(new Error('no route'), { code: 'VCENTER_UNREACHABLE' })));
    await expect(failing).rejects.toThrow('no route');
    const [latest] = (await tasks.list({ limit: 1, active: false })).tasks;
    expect(latest).toMatchObject({ title: 'Sync lab', state: 'failed', error: { message: 'no route' } });
  });

  it('progress events of an explicit sync move its task; a watcher resync (no task) is ignored', async () => {
    let release!: () => void;
    const sync = tasks.track({ kind: 'site.sync', title: 'Sync lab', target: 'lab', startedBy: 'alice', link: { view: 'inventory', ref: null } }, () => new Promise<void>((r) => (release = r)));
    await new Promise((r) => setTimeout(r, 10));
    const counts = { datacenters: 1, clusters: 1, hosts: 2, networks: 1, datastores: 1, vms: 250 };
    bus.emit('inventory.sync.progress', { site: 'lab', phase: 'vms', counts, pages: 3, expectedVms: 1000, elapsedMs: 5 });
    bus.emit('inventory.sync.progress', { site: 'other', phase: 'vms', counts, pages: 3, expectedVms: 1000, elapsedMs: 5 });
    await new Promise((r) => setTimeout(r, 10));
    const list = (await tasks.list({ limit: 5, active: false })).tasks;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ progress: 0.25, detail: '250 VMs stored' });
    release();
    await sync;
  });

  it('a fan-out job is one task: progress from fanout.result, failed when a host failed (fanout.done)', async () => {
    const totals = { total: 4, ok: 0, failed: 0, cancelled: 0, pending: 4, running: 0, unknownHostKeys: 0 };
    const job = { id: 'fo-abc123', command: 'uptime\nid', credential: 'ops', user: 'root', concurrency: 2, timeoutMs: 1000, state: 'running' as const, startedAt: new Date().toISOString(), finishedAt: null, startedBy: 'alice', totals };
    await tasks.fanoutStarted(job, 'alice');
    const row = { index: 0, host: 'a:22', vm: null, jump: null, state: 'done' as const, exitCode: 0, durationMs: 5, stdoutHead: '', stderrHead: '', truncated: false, error: null };
    bus.emit('fanout.result', { jobId: job.id, row, totals: { ...totals, ok: 2, pending: 1, running: 1 } });
    await new Promise((r) => setTimeout(r, 10));
    expect((await tasks.list({ limit: 5, active: false })).tasks[0]).toMatchObject({ kind: 'fanout', title: 'Run on 4 hosts: uptime', state: 'running', progress: 0.5, link: { view: 'terminals', ref: 'fanout' } });
    bus.emit('fanout.done', { jobId: job.id, state: 'done', totals: { ...totals, ok: 3, failed: 1, pending: 0 }, durationMs: 40 });
    await new Promise((r) => setTimeout(r, 10));
    const { tasks: list, counts } = await tasks.list({ limit: 5, active: false });
    expect(list[0]).toMatchObject({ state: 'failed', progress: 1, detail: '4 of 4 done (3 ok, 1 failed)', error: { message: '1 of 4 hosts failed.' } });
    expect(counts).toEqual({ running: 0, waiting: 0 });
  });

  it('keeps only the newest tasks (TASKS_KEPT in production)', async () => {
    expect(TASKS_KEPT).toBe(500);
    const kept = 10;
    const store = new TaskStore(db.sql, undefined, kept);
    const base = Date.parse('2026-01-01T00:00:00Z');
    for (let i = 0; i < kept + 5; i++) {
      const at = new Date(base + i * 1000).toISOString();
      await store.put({ id: `t${i}`, kind: 'vm.power', title: `t${i}`, target: null, state: 'succeeded', waitingFor: null, progress: 1, detail: null, startedBy: 'a', startedAt: at, updatedAt: at, finishedAt: at, error: null, link: { view: 'inventory', ref: null } });
    }
    const all = await store.list({ limit: 500, active: false });
    expect(all).toHaveLength(kept);
    expect(all[0]!.id).toBe(`t${kept + 4}`);
    expect(all.some((t) => t.id === 't0')).toBe(false);
  });

  it('a running task whose process is gone is interrupted: neither running nor active', async () => {
    const gone = new TaskStore(db.sql, { host: (await import('node:os')).hostname(), pid: 2 ** 22 + 17, startedAt: 'then' });
    const at = new Date().toISOString();
    await gone.put({ id: 'x', kind: 'site.sync', title: 'Sync lab', target: 'lab', state: 'running', waitingFor: null, progress: null, detail: null, startedBy: 'a', startedAt: at, updatedAt: at, finishedAt: null, error: null, link: { view: 'inventory', ref: null } });
    const { tasks: list, counts } = await tasks.list({ limit: 5, active: false });
    expect(list[0]).toMatchObject({ id: 'x', state: 'running', interrupted: true });
    expect(counts).toEqual({ running: 0, waiting: 0 });
    expect((await tasks.list({ limit: 5, active: true })).tasks).toEqual([]);
  });
});
