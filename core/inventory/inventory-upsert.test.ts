import { expect, it } from 'vitest';
import { z } from 'zod';
import { describeEngines } from '../../test/engines.js';
import type { InventoryRow } from './inventory-properties.js';
import { InventoryStore } from './inventory-store.js';

// A sync page's upserts on both engines (PostgreSQL writes a page in multi-row statements):
// what changed is counted the same way, and every row lands whole.

const vm = (i: number, name = `vm-${i}`): InventoryRow => ({ moref: `vm-${i}`, name, ip_addresses: `10.0.${i >> 8}.${i & 255}`, num_cpu: 2, snapshot_count: 0, disks: '[]', nics: '[]', snapshots: '[]', custom_attributes: '{}' });
const T1 = '2026-12-06T00:00:00.000Z';
const T2 = '2026-12-06T01:00:00.000Z';

describeEngines('inventory page upserts', (open) => {
  it('writes 1,200 VMs (several statements on PostgreSQL), then counts only real changes, repeated morefs included', async () => {
    const store = await open();
    try {
      const site = await store.sql.run('INSERT INTO sites (name, url, username, created_at) VALUES (?, ?, ?, ?)', ['lab', 'https://vc.lab.invalid/sdk', 'u', T1]);
      const inv = new InventoryStore(store.sql);
      const rows = Array.from({ length: 1200 }, (_, i) => vm(i));
      expect(await inv.batch(() => inv.upsertMany(site.lastId, 1, 'vm', rows, T1))).toBe(1200);
      // The same page again: nothing changed; two renamed and one moref twice in a page (the later wins).
      expect(await inv.batch(() => inv.upsertMany(site.lastId, 2, 'vm', rows, T2))).toBe(0);
      const next = rows.map((r, i) => (i === 7 || i === 900 ? vm(i, `renamed-${i}`) : r));
      next.push(vm(5, 'twice'));
      expect(await inv.batch(() => inv.upsertMany(site.lastId, 3, 'vm', next, T2))).toBe(3);
      const stored = await store.sql.all(
        'SELECT moref, name, num_cpu, seen_run, updated_at FROM inv_vms WHERE moref IN (?, ?, ?, ?) ORDER BY moref',
        ['vm-5', 'vm-7', 'vm-900', 'vm-1199'],
        z.object({ moref: z.string(), name: z.string(), num_cpu: z.number(), seen_run: z.number(), updated_at: z.string() }),
      );
      expect(stored).toEqual([
        { moref: 'vm-1199', name: 'vm-1199', num_cpu: 2, seen_run: 3, updated_at: T1 },
        { moref: 'vm-5', name: 'twice', num_cpu: 2, seen_run: 3, updated_at: T2 },
        { moref: 'vm-7', name: 'renamed-7', num_cpu: 2, seen_run: 3, updated_at: T2 },
        { moref: 'vm-900', name: 'renamed-900', num_cpu: 2, seen_run: 3, updated_at: T2 },
      ]);
      expect((await store.sql.get('SELECT count(*) AS n FROM inv_vms', [], z.object({ n: z.number() })))?.n).toBe(1200);
    } finally {
      await store.close();
    }
  });
});
