import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines, reopen } from '../../test/engines.js';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { tempDir } from '../../test/temp-dir.js';
import { ledgerProcedure, readLedger, type LedgerContext } from '../../test/fixtures/ledger-procedure.js';
import { AuditLog } from '../audit/audit-log.js';
import type { Store } from '../db/store.js';
import { EventBus } from '../events/event-bus.js';
import { ProcedureEngine } from './engine.js';
import { defineProcedure } from './procedure.js';
import { ProcedureRegistry } from './registry.js';

describeEngines('procedure engine', (open, engineName) => {
  let dir: ReturnType<typeof tempDir>;
  let db: Store;
  let engine: ProcedureEngine;
  let bus: EventBus;
  let audit: AuditLog;
  const registry = new ProcedureRegistry().register(ledgerProcedure()).register(ledgerProcedure('test.ledger-stop', 'stop'));
  const ctx = (extra: Partial<LedgerContext> = {}): LedgerContext => ({
    ledger: join(dir.path, 'ledger.json'),
    calls: join(dir.path, 'calls.log'),
    key: 'vm-42',
    ...extra,
  });
  const calls = (): string[] => (existsSync(join(dir.path, 'calls.log')) ? readFileSync(join(dir.path, 'calls.log'), 'utf8').trim().split('\n') : []);
  /** Edits a stored run's context as an operator fixing its input would (JSON in JS: the same on both engines). */
  const dropContextKey = async (id: string, key: string): Promise<void> => {
    const row = await db.sql.get('SELECT context FROM procedures WHERE id = ?', [id], z.object({ context: z.string() }));
    const context = z.record(z.string(), z.unknown()).parse(JSON.parse(row!.context));
    delete context[key];
    await db.sql.run('UPDATE procedures SET context = ? WHERE id = ?', [JSON.stringify(context), id]);
  };
  const newEngine = (): ProcedureEngine => new ProcedureEngine({ db: db.sql, registry, audit, bus, services: {}, runner: { host: 'test', pid: process.pid, startedAt: String(Math.random()) } });

  beforeEach(async () => {
    dir = tempDir();
    db = await open();
    bus = new EventBus();
    audit = new AuditLog(db.sql, bus);
    engine = newEngine();
  });
  afterEach(async () => {
    await engine.close();
    await db.close();
    dir.remove();
  });

  it('runs the steps in order, persisting outputs, context and one audit record per step', async () => {
    const updates: string[] = [];
    bus.subscribe((event, payload) => {
      if (event === 'procedure.updated') updates.push((payload as { state: string }).state);
    });
    const id = await engine.start('test.ledger', ctx(), 'alice');
    await engine.whenIdle(id);
    const { procedure, steps } = await engine.detail(id);
    expect(procedure.state).toBe('succeeded');
    expect(procedure.context).toMatchObject({ publicIp: '203.0.113.5' });
    expect(steps.map((s) => `${s.name}:${s.state}`)).toEqual(['reserve:done', 'apply-rule:done', 'approval:skipped', 'record:done']);
    expect(steps[1]!.output).toEqual({ rule: '203.0.113.5->vm-42' });
    expect(readLedger(join(dir.path, 'ledger.json'))).toEqual({ reserved: ['vm-42'], rules: ['203.0.113.5->vm-42'], records: ['vm-42:{"rule":"203.0.113.5->vm-42"}'] });
    const actions = (await audit.list()).entries.map((e) => `${e.action}:${e.outcome}`).reverse();
    expect(actions).toEqual(['procedure.start:ok', 'procedure.step:ok', 'procedure.step:ok', 'procedure.step:ok', 'procedure.succeeded:ok']);
    expect((await audit.list()).entries.every((e) => e.target === 'key:vm-42')).toBe(true);
    expect(updates.at(-1)).toBe('succeeded');
    expect((await engine.store.journal(id)).map((j) => j.message)).toContain('Step "apply-rule" done');
  });

  it('rolls back completed steps in reverse order when a step fails', async () => {
    const id = await engine.start('test.ledger', ctx({ failAt: 'record' }), 'alice');
    await engine.whenIdle(id);
    const { procedure, steps } = await engine.detail(id);
    expect(procedure.state).toBe('rolled-back');
    expect(steps.map((s) => s.state)).toEqual(['undone', 'undone', 'skipped', 'undone']);
    expect(steps[3]!.error).toMatchObject({ code: 'CONFLICT', message: 'injected failure at record' });
    expect(calls()).toEqual(['run:reserve', 'run:apply-rule', 'run:record', 'undo:record', 'undo:apply-rule', 'undo:reserve']);
    expect(readLedger(join(dir.path, 'ledger.json'))).toEqual({ reserved: [], rules: [], records: [] });
  });

  it('stops a run whose policy is stop, and a retry continues from the failed step only', async () => {
    const id = await engine.start('test.ledger-stop', ctx({ failAt: 'record' }), 'alice');
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure).toMatchObject({ state: 'failed', error: { code: 'CONFLICT' } });
    // The operator fixes the cause (here: the context no longer injects a failure) and retries.
    await dropContextKey(id, 'failAt');
    await engine.close();
    engine = newEngine();
    await engine.retry(id, 'bob');
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('succeeded');
    expect(calls()).toEqual(['run:reserve', 'run:apply-rule', 'run:record', 'run:record']);
    expect((await audit.list()).entries.map((e) => e.action)).toContain('procedure.retry');
  });

  it('fails a step whose verify does not hold, and rolls back', async () => {
    const lying = defineProcedure<{ n: number }>({
      kind: 'test.lying',
      title: 'A step that claims success',
      context: z.object({ n: z.number() }),
      target: () => null,
      steps: [{ name: 'claim', run: async () => ({ output: 'ok' }), verify: async () => false }],
    });
    const e = new ProcedureEngine({ db: db.sql, registry: new ProcedureRegistry().register(lying), audit, services: {} });
    const id = await e.start('test.lying', { n: 1 }, 'alice');
    await e.whenIdle(id);
    expect((await e.detail(id)).steps[0]).toMatchObject({ state: 'undone', error: { code: 'VERIFY_FAILED' } });
    expect((await e.detail(id)).procedure.state).toBe('rolled-back');
    await e.close();
  });

  it('waits at an approval gate across a restart, then continues when approved', async () => {
    const id = await engine.start('test.ledger', ctx({ approve: true }), 'alice');
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('waiting');
    expect((await engine.detail(id)).steps[2]).toMatchObject({ state: 'waiting', gate: { kind: 'approve', prompt: 'Confirm the rule for vm-42' } });
    await engine.close();

    engine = newEngine();
    expect(await engine.resumeAll()).toEqual([id]);
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('waiting');
    await expect(engine.retry(id, 'bob')).rejects.toThrowError(expect.objectContaining({ code: 'CONFLICT' }));
    await engine.approve(id, 'bob');
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('succeeded');
    expect((await engine.detail(id)).steps[2]).toMatchObject({ state: 'done', output: { approvedBy: 'bob' } });
    expect(calls().filter((c) => c === 'run:apply-rule')).toHaveLength(1);
    expect((await audit.list()).entries.map((e) => e.action)).toEqual(expect.arrayContaining(['procedure.wait', 'procedure.approve']));
  });

  it('waits until a time, persisted, and continues by itself', async () => {
    const soak = defineProcedure<{ ms: number }>({
      kind: 'test.soak',
      title: 'Soak',
      context: z.object({ ms: z.number() }),
      target: () => 'host-1',
      steps: [
        { name: 'start', run: async () => ({ output: { at: Date.now() } }) },
        { name: 'soak', gate: { kind: 'wait-until', until: (c) => new Date(Date.now() + c.ms) } },
        { name: 'after', run: async () => ({ output: { at: Date.now() } }) },
      ],
    });
    const e = new ProcedureEngine({ db: db.sql, registry: new ProcedureRegistry().register(soak), audit, services: {} });
    const id = await e.start('test.soak', { ms: 300 }, 'alice');
    await e.whenIdle(id);
    const waiting = await e.detail(id);
    expect(waiting.procedure.state).toBe('waiting');
    const until = new Date(waiting.steps[1]!.gate!.waitUntil!).getTime();
    await e.close();
    // A restart before the time keeps the same deadline (persisted), and continues after it.
    const again = new ProcedureEngine({ db: db.sql, registry: new ProcedureRegistry().register(soak), audit, services: {} });
    await again.resumeAll();
    await new Promise((r) => setTimeout(r, 500));
    await again.whenIdle(id);
    const done = await again.detail(id);
    expect(done.procedure.state).toBe('succeeded');
    expect(new Date(done.steps[1]!.gate!.waitUntil!).getTime()).toBe(until);
    expect((done.steps[2]!.output as { at: number }).at).toBeGreaterThanOrEqual(until);
    await again.close();
  });

  it('cancels a running step through its signal and undoes what was done', async () => {
    const id = await engine.start('test.ledger', ctx({ waitMs: 10_000 }), 'alice');
    await new Promise((r) => setTimeout(r, 100));
    expect((await engine.detail(id)).steps[1]!.state).toBe('running');
    await engine.cancel(id, 'carol');
    await engine.whenIdle(id);
    const { procedure, steps } = await engine.detail(id);
    expect(procedure.state).toBe('cancelled');
    expect(steps[1]).toMatchObject({ state: 'undone', error: { code: 'CANCELLED' } });
    expect(readLedger(join(dir.path, 'ledger.json'))).toEqual({ reserved: [], rules: [], records: [] });
    await expect(engine.cancel(id, 'carol')).rejects.toThrowError(expect.objectContaining({ code: 'CONFLICT' }));
  });

  it('on shutdown leaves the running step to run again at the next start, without errors', async () => {
    const id = await engine.start('test.ledger', ctx({ waitMs: 10_000 }), 'alice');
    await new Promise((r) => setTimeout(r, 100));
    await engine.close();
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('running');
    expect((await engine.detail(id)).steps[1]!.state).toBe('running');
    await dropContextKey(id, 'waitMs');
    engine = newEngine();
    expect(await engine.resumeAll()).toEqual([id]);
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('succeeded');
    expect(calls().filter((c) => c === 'run:apply-rule')).toHaveLength(2);
  });

  it('refuses an invalid context before anything is stored', async () => {
    await expect(engine.start('test.ledger', { key: '' }, 'alice')).rejects.toThrowError(expect.objectContaining({ code: 'VALIDATION' }));
    await expect(engine.start('no.such', {}, 'alice')).rejects.toThrowError(expect.objectContaining({ code: 'NOT_FOUND' }));
    expect(await db.sql.get('SELECT count(*) AS n FROM procedures', [], z.unknown())).toEqual({ n: 0 });
    expect((await audit.list()).entries).toHaveLength(0);
  });

  it('refuses a second unfinished run with the same exclusive key, from any handle on the store, until the first ends', async () => {
    const exclusive = new ProcedureRegistry().register({ ...ledgerProcedure('test.exclusive'), exclusive: (c: LedgerContext) => `x:${c.key}` });
    const second = await reopen(db);
    const here = new ProcedureEngine({ db: db.sql, registry: exclusive, audit, services: {}, runner: { host: 'a', pid: process.pid, startedAt: 'a' } });
    const there = new ProcedureEngine({ db: second.sql, registry: exclusive, audit: new AuditLog(second.sql), services: {}, runner: { host: 'b', pid: process.pid, startedAt: 'b' } });
    try {
      const count = async (): Promise<number> => (await db.sql.get('SELECT count(*) AS n FROM procedures', [], z.object({ n: z.number() })))!.n;
      let first: string;
      if (engineName === 'postgres') {
        // Two workstations (two connection pools) starting at the same moment: the index lets one through.
        const both = await Promise.allSettled([here.start('test.exclusive', ctx({ approve: true }), 'alice'), there.start('test.exclusive', ctx({ approve: true }), 'bob')]);
        expect(both.flatMap((b) => (b.status === 'rejected' ? [b.reason] : []))).toEqual([expect.objectContaining({ code: 'CONFLICT' })]);
        first = both.flatMap((b) => (b.status === 'fulfilled' ? [b.value] : []))[0]!;
      } else {
        first = await here.start('test.exclusive', ctx({ approve: true }), 'alice');
      }
      await here.whenIdle(first);
      await there.whenIdle(first);
      expect((await here.detail(first)).procedure.state).toBe('waiting');
      await expect(there.start('test.exclusive', ctx({ approve: true }), 'bob')).rejects.toThrowError(expect.objectContaining({ code: 'CONFLICT', message: expect.stringContaining(first), details: expect.objectContaining({ procedureId: first }) }));
      expect(await count()).toBe(1);
      // Another key is another matter.
      const other = await there.start('test.exclusive', ctx({ key: 'vm-43' }), 'bob');
      await there.whenIdle(other);
      // Once the first has ended, its key is free again.
      await here.approve(first, 'carol');
      await here.whenIdle(first);
      expect((await here.detail(first)).procedure.state).toBe('succeeded');
      const next = await there.start('test.exclusive', ctx(), 'bob');
      await there.whenIdle(next);
      expect((await there.detail(next)).procedure.state).toBe('succeeded');
    } finally {
      await here.close();
      await there.close();
      await second.close();
    }
  });

  it('never lets two live runners drive the same run', async () => {
    const id = await engine.start('test.ledger', ctx({ waitMs: 300 }), 'alice');
    await new Promise((r) => setTimeout(r, 50));
    const other = newEngine();
    await other.resumeAll();
    await other.whenIdle(id);
    await engine.whenIdle(id);
    expect((await engine.detail(id)).procedure.state).toBe('succeeded');
    expect(calls().filter((c) => c === 'run:apply-rule')).toHaveLength(1);
    await other.close();
  });
});
