import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines } from '../../test/engines.js';
import { atomically } from '../db/sql.js';
import type { Store } from '../db/store.js';
import { EventBus } from '../events/event-bus.js';
import { AuditLog } from './audit-log.js';

// The audit log's store on both engines (issue 14): the same rows, order, paging, search and
// append-only guarantee from SQLite and PostgreSQL.
describeEngines('audit log', (open) => {
  let db: Store;
  let audit: AuditLog;
  beforeEach(async () => {
    db = await open();
    audit = new AuditLog(db.sql, undefined, 'laptop-7');
  });
  afterEach(async () => {
    await db.close();
  });

  it('appends rows naming operator and workstation, lists them newest first in keyset pages, details as JSON', async () => {
    const bus = new EventBus();
    const heard: unknown[] = [];
    bus.subscribe((event, payload) => event === 'audit.appended' && heard.push(payload));
    const withBus = new AuditLog(db.sql, bus, 'laptop-7');
    for (let i = 0; i < 25; i++) await withBus.append({ actor: i % 2 ? 'alice' : 'bob', action: 'test.step', target: `vm-${i}`, details: { i, note: 'ünïcode ✓', nested: { list: [1, null, 'x'] } } });
    await withBus.append({ actor: 'carol', action: 'test.failed', outcome: 'failed' });
    expect(heard).toHaveLength(26);
    const first = await audit.list({ limit: 10 });
    expect(first.entries).toHaveLength(10);
    expect(first.entries[0]).toMatchObject({ actor: 'carol', workstation: 'laptop-7', action: 'test.failed', target: null, outcome: 'failed', details: null });
    expect(first.entries[1]).toMatchObject({ actor: 'bob', target: 'vm-24', outcome: 'ok', details: { i: 24, note: 'ünïcode ✓', nested: { list: [1, null, 'x'] } } });
    const ids = [...first.entries.map((e) => e.id)];
    let next = first.nextBeforeId;
    while (next !== null) {
      const page = await audit.list({ limit: 10, beforeId: next });
      ids.push(...page.entries.map((e) => e.id));
      next = page.nextBeforeId;
    }
    expect(ids).toHaveLength(26);
    expect([...ids].sort((x, y) => y - x)).toEqual(ids);
  });

  it('searches actor, action and target as a case-insensitive substring, % and _ taken literally', async () => {
    await audit.append({ actor: 'Alice', action: 'nat.add', target: 'fw1/203.0.113.5' });
    await audit.append({ actor: 'bob', action: 'ipam.allocate', target: 'pool_50%' });
    await audit.append({ actor: 'bob', action: 'ipam.allocate', target: 'pool-500' });
    await audit.append({ actor: 'dana', action: 'settings.update', target: null });
    const found = async (query: string): Promise<string[]> => (await audit.list({ query })).entries.map((e) => `${e.actor}:${e.target ?? '-'}`);
    expect(await found('ALICE')).toEqual(['Alice:fw1/203.0.113.5']);
    expect(await found('NAT.')).toEqual(['Alice:fw1/203.0.113.5']);
    expect(await found('_50%')).toEqual(['bob:pool_50%']);
    expect(await found('l_5')).toEqual(['bob:pool_50%']);
    expect(await found('pool')).toEqual(['bob:pool-500', 'bob:pool_50%']);
    expect(await found('settings')).toEqual(['dana:-']);
    expect(await found('nobody')).toEqual([]);
  });

  it('is append-only: the database refuses to change or delete a row, and a rolled-back append leaves none', async () => {
    const entry = await audit.append({ actor: 'alice', action: 'test.kept' });
    await expect(db.sql.run('UPDATE audit_log SET actor = ? WHERE id = ?', ['mallory', entry.id])).rejects.toThrow(/append-only/);
    await expect(db.sql.run('DELETE FROM audit_log WHERE id = ?', [entry.id])).rejects.toThrow(/append-only/);
    await expect(
      atomically(db.sql, async () => {
        await audit.append({ actor: 'alice', action: 'test.rolled-back' });
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect((await audit.list()).entries.map((e) => `${e.actor}:${e.action}`)).toEqual(['alice:test.kept']);
  });
});
