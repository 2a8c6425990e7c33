import { afterEach, beforeEach, expect, it } from 'vitest';
import { describeEngines, reopen } from '../../test/engines.js';
import { upgradeOptionsSchema } from '../contract/upgrades.js';
import { atomically } from '../db/sql.js';
import type { Store } from '../db/store.js';
import { UpgradeStore } from './upgrade-store.js';

// The rules the database keeps for upgrade plans (migration 022), seen from two handles on one
// store (two workstations). The races themselves, two processes at once, are in
// core/db/multi-writer.test.ts.

const options = upgradeOptionsSchema.parse({ ssh: { credential: 'esx-root' }, reinstall: { mode: 'manual' } });

describeEngines('upgrade plan claims', (open) => {
  let db: Store;
  let second: Store;
  let siteId = 0;
  beforeEach(async () => {
    db = await open();
    second = await reopen(db);
    siteId = (await db.sql.run(`INSERT INTO sites (name, url, username, created_at) VALUES ('lab', 'https://127.0.0.1/sdk', 'u', ?)`, [new Date().toISOString()])).lastId;
  });
  afterEach(async () => {
    await second.close();
    await db.close();
  });

  const plan = (store: Store, id: string, hosts: string[]): Promise<void> =>
    atomically(store.sql, () =>
      new UpgradeStore(store.sql).insertPlan(
        { id, siteId, cluster: null, targetVersion: null, targetBuild: '24022510', options, hostSettings: [], createdBy: id },
        hosts.map((h) => ({ moref: h, name: `esx-${h}` })),
      ),
    );

  it('keeps a host in one active plan: the second is UPGRADE_CONFLICT and leaves nothing; an ended plan gives its hosts back', async () => {
    const store = new UpgradeStore(db.sql);
    await plan(db, 'first', ['host-1', 'host-2']);
    await expect(plan(second, 'again', ['host-3', 'host-2'])).rejects.toMatchObject({ code: 'UPGRADE_CONFLICT', message: expect.stringContaining('esx-host-2') });
    expect(await store.plan('again')).toBeNull();
    expect(await store.claimHolder(siteId, ['host-3'])).toBeNull();
    expect(await store.claimHolder(siteId, ['host-2'])).toBe('first');
    // The same host twice in one plan: refused as well.
    await expect(plan(second, 'twice', ['host-4', 'host-4'])).rejects.toThrow();
    expect(await store.plan('twice')).toBeNull();
    // A failed or paused plan still holds its hosts (it can be resumed); an aborted or finished one does not.
    expect(await store.setPlanState('first', ['draft'], 'failed', 'test')).toBe(true);
    await expect(plan(second, 'again', ['host-1'])).rejects.toMatchObject({ code: 'UPGRADE_CONFLICT' });
    expect(await store.setPlanState('first', ['failed'], 'aborted', 'test')).toBe(true);
    await plan(second, 'after', ['host-1', 'host-2']);
    expect(await store.claimHolder(siteId, ['host-1'])).toBe('after');
  });

  it('runs one plan at a time: starting a second is UPGRADE_CONFLICT until the first ends', async () => {
    await plan(db, 'p1', ['host-1']);
    await plan(second, 'p2', ['host-2']);
    const one = new UpgradeStore(db.sql);
    const two = new UpgradeStore(second.sql);
    expect(await one.setPlanState('p1', ['draft'], 'running', null)).toBe(true);
    await expect(atomically(second.sql, () => two.setPlanState('p2', ['draft'], 'running', null))).rejects.toMatchObject({ code: 'UPGRADE_CONFLICT' });
    expect((await two.plan('p2'))?.state).toBe('draft');
    expect(await one.setPlanState('p1', ['running'], 'succeeded', null)).toBe(true);
    expect(await two.setPlanState('p2', ['draft'], 'running', null)).toBe(true);
    expect(await one.claimHolder(siteId, ['host-1'])).toBeNull();
  });
});
