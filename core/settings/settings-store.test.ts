import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { z } from 'zod';
import { describeEngines } from '../../test/engines.js';
import { tempDir } from '../../test/temp-dir.js';
import { AuditLog } from '../audit/audit-log.js';
import { defaultSettings } from '../contract/settings.js';
import { openStore, type Store } from '../db/store.js';
import { EventBus } from '../events/event-bus.js';
import { SettingsStore } from './settings-store.js';

// Settings on both engines (issue 14), and in team mode the split: the operator's name in each
// workstation's own store (SQLite), every other setting in the shared one.
describeEngines('settings store', (open) => {
  let db: Store;
  let audit: AuditLog;
  const dirs: ReturnType<typeof tempDir>[] = [];
  const locals: Store[] = [];
  /** A workstation's own store, as team mode keeps beside the team database. */
  const localStore = async (): Promise<Store> => {
    const d = tempDir();
    dirs.push(d);
    const s = await openStore(join(d.path, 'outpost.db'));
    locals.push(s);
    return s;
  };
  beforeEach(async () => {
    db = await open();
    audit = new AuditLog(db.sql);
  });
  afterEach(async () => {
    for (const s of locals.splice(0)) await s.close().catch(() => undefined);
    await db.close();
    for (const d of dirs.splice(0)) d.remove();
  });
  const count = async (sql: string): Promise<number> => (await db.sql.get(sql, [], z.object({ n: z.number() })))!.n;

  it('starts from the defaults, persists and audits a change, writes nothing for a no-op, and reads past a value it cannot parse', async () => {
    const settings = new SettingsStore(db.sql, audit);
    expect(await settings.get()).toEqual(defaultSettings);
    const after = await settings.update({ theme: 'dark', fourEyesKinds: ['nat.add'], vmAddress: { lab: 'public' } }, 'alice');
    expect(after).toMatchObject({ theme: 'dark', fourEyesKinds: ['nat.add'], vmAddress: { lab: 'public' } });
    expect(await new SettingsStore(db.sql, audit).get()).toEqual(after);
    expect((await audit.list()).entries).toEqual([expect.objectContaining({ actor: 'alice', action: 'settings.update', details: { theme: { from: 'system', to: 'dark' }, fourEyesKinds: { from: [], to: ['nat.add'] }, vmAddress: { from: {}, to: { lab: 'public' } } } })]);
    await settings.update({ theme: 'dark' }, 'alice');
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(1);
    await db.sql.run("UPDATE settings SET value = '{not json' WHERE key = 'theme'");
    await db.sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('auditPageSize', '5', 'x')");
    expect(await settings.get()).toMatchObject({ theme: 'system', auditPageSize: 100, fourEyesKinds: ['nat.add'] });
  });

  it("keeps each workstation's operator name in its own store and shares the rest", async () => {
    const bus = new EventBus();
    const heard: unknown[] = [];
    bus.subscribe((event, payload) => event === 'settings.changed' && heard.push(payload));
    const a = new SettingsStore(db.sql, audit, bus, (await localStore()).sql);
    const b = new SettingsStore(db.sql, audit, undefined, (await localStore()).sql);
    await a.update({ operatorName: 'alice', natReconcileSeconds: 60 }, 'alice');
    await b.update({ operatorName: 'bob' }, 'bob');
    expect(await a.get()).toMatchObject({ operatorName: 'alice', natReconcileSeconds: 60 });
    expect(await b.get()).toMatchObject({ operatorName: 'bob', natReconcileSeconds: 60 });
    expect(heard).toEqual([expect.objectContaining({ operatorName: 'alice', natReconcileSeconds: 60 })]);
    // The name never reached the shared store; both changes are in the shared audit log.
    expect(await count("SELECT count(*) AS n FROM settings WHERE key = 'operatorName'")).toBe(0);
    expect((await audit.list()).entries.map((e) => `${e.actor}:${e.target ?? ''}`)).toEqual(['bob:operatorName', 'alice:operatorName,natReconcileSeconds']);
  });

  it("rolls the team's rows and the audit row back when the workstation's own store cannot be written", async () => {
    const local = await localStore();
    const settings = new SettingsStore(db.sql, audit, undefined, local.sql);
    await local.close();
    await expect(settings.update({ operatorName: 'alice', theme: 'dark' }, 'alice')).rejects.toThrow();
    expect(await count('SELECT count(*) AS n FROM settings')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM audit_log')).toBe(0);
  });
});
