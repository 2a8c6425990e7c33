// Store write figures: what the inventory sync and the audit log will lean on.
// Prints one JSON line; not a timed test (numbers vary ±20% on a noisy 2-core machine).
import { z } from 'zod';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { openStore } from '../core/db/store.js';
import { AuditLog } from '../core/audit/audit-log.js';

const N = Number(process.env.BENCH_OBJECTS ?? 50_000);
const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-'));
try {
  const db = await openStore(join(dir, 'outpost.db'));
  await db.sql.run("INSERT INTO sites (id, name, url, username, created_at) VALUES (1, 'bench', 'https://vc.invalid/sdk', 'u', 'now')");
  const insert = `INSERT INTO inventory_objects (site_id, moref, type, name, props, first_seen_at, updated_at)
     VALUES (1, ?, 'VirtualMachine', ?, ?, ?, ?)
     ON CONFLICT (site_id, moref) DO UPDATE SET name = excluded.name, props = excluded.props, updated_at = excluded.updated_at`;
  const now = new Date().toISOString();
  const props = (i: number): string =>
    JSON.stringify({ powerState: 'poweredOn', guestId: 'ubuntu64Guest', ipAddress: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, numCpu: 2, memoryMB: 4096 });

  let t = performance.now();
  await db.sql.transaction(async (tx) => {
    for (let i = 0; i < N; i++) await tx.run(insert, [`vm-${i}`, `vm-${String(i).padStart(6, '0')}`, props(i), now, now]);
  });
  const insertMs = performance.now() - t;

  t = performance.now();
  await db.sql.transaction(async (tx) => {
    for (let i = 0; i < N; i++) await tx.run(insert, [`vm-${i}`, `vm-${String(i).padStart(6, '0')}-renamed`, props(i), now, now]);
  });
  const upsertMs = performance.now() - t;

  t = performance.now();
  const rows = await db.sql.all("SELECT moref, name, props FROM inventory_objects WHERE site_id = 1 AND type = 'VirtualMachine'", [], z.unknown());
  const readMs = performance.now() - t;

  const audit = new AuditLog(db.sql);
  const A = 5_000;
  t = performance.now();
  for (let i = 0; i < A; i++) await audit.append({ actor: 'bench', action: 'bench.append', target: `vm-${i}` });
  const auditMs = performance.now() - t;

  await db.close();

  // Reopening runs the open-time checks (header, quick_check) over the whole store.
  t = performance.now();
  await (await openStore(join(dir, 'outpost.db'))).close();
  const reopenMs = performance.now() - t;

  console.log(
    JSON.stringify({
      bench: 'store-write',
      objects: N,
      insert_one_tx_ms: Math.round(insertMs),
      upsert_one_tx_ms: Math.round(upsertMs),
      read_all_ms: Math.round(readMs),
      rows_read: rows.length,
      audit_appends: A,
      audit_append_each_own_tx_ms: Math.round(auditMs),
      audit_appends_per_s: Math.round(A / (auditMs / 1000)),
      reopen_checked_ms: Math.round(reopenMs),
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
