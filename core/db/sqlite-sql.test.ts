import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { atomically, ForeignKeyViolation, UniqueViolation, type Sql } from './sql.js';
import { openStore } from './store.js';

const keys = z.object({ key: z.string() });
const insert = (sql: Sql, key: string) => sql.run('INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?)', [key, '1', 'now']);
const stored = async (sql: Sql) => (await sql.all('SELECT key FROM settings ORDER BY key', [], keys)).map((r) => r.key);

/** A promise and the function that settles it: holds a transaction open until the test lets it go. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open!: () => void;
  const wait = new Promise<void>((resolve) => (open = resolve));
  return { wait, open };
}

describe('Sql over SQLite (real file)', () => {
  const dirs: string[] = [];
  const open = async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outpost-sql-'));
    dirs.push(dir);
    const path = join(dir, 'o.db');
    return { path, ...(await openStore(path)) };
  };
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  it('decodes rows with the schema and refuses a row of another shape with INTERNAL', async () => {
    const { sql, close } = await open();
    await sql.run("INSERT INTO settings (key, value, updated_at) VALUES ('theme', '\"dark\"', 'now')");
    expect(await sql.all('SELECT key, value FROM settings', [], z.object({ key: z.string(), value: z.string() }))).toEqual([{ key: 'theme', value: '"dark"' }]);
    const wrong = await sql.get('SELECT key, value FROM settings', [], z.object({ key: z.number() })).catch((err: unknown) => err);
    expect(wrong).toBeInstanceOf(OutpostError);
    expect(wrong instanceof OutpostError && wrong.code).toBe('INTERNAL');
    expect(wrong instanceof OutpostError && wrong.message).toContain('key');
    await close();
  });

  it('maps constraint failures to engine-neutral errors, inside a transaction too', async () => {
    const { sql, close } = await open();
    await insert(sql, 'a');
    await expect(insert(sql, 'a')).rejects.toBeInstanceOf(UniqueViolation);
    const orphan = "INSERT INTO cmdb_records (site_id, vm_moref, vm_name, private_ip, firewall, credential, service_account, enrolled_at, enrolled_by) VALUES (99, 'vm-1', 'x', '10.0.0.1', 'fw', 'c', 's', 'now', 'me')";
    await expect(sql.run(orphan)).rejects.toBeInstanceOf(ForeignKeyViolation);
    await expect(atomically(sql, () => insert(sql, 'a'))).rejects.toBeInstanceOf(UniqueViolation);
    expect(await sql.schemaVersion()).toBeGreaterThan(0);
    await close();
  });

  it('routes statements made inside atomically (after awaits, through any handle) to the transaction', async () => {
    const { sql, close } = await open();
    // A "store" holding its own handle, called from a service's unit of work.
    const store = { sql, add: async (key: string) => void (await insert(store.sql, key)) };
    await expect(
      atomically(sql, async () => {
        await store.add('a');
        await sleep(5); // a timer in between: the transaction still travels with the async context
        await Promise.all([store.add('b'), store.add('c')]);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await stored(sql)).toEqual([]);
    await atomically(sql, async () => {
      await store.add('a');
      await sleep(1);
      await store.add('b');
    });
    expect(await stored(sql)).toEqual(['a', 'b']);
    await close();
  });

  it('makes a statement from outside an open transaction wait for it, so it never joins (and is never rolled back with) it', async () => {
    const { sql, close } = await open();
    const hold = gate();
    const events: string[] = [];
    const tx = atomically(sql, async () => {
      await insert(sql, 'inside');
      await hold.wait;
      throw new Error('rolled back');
    });
    await sleep(5);
    const outside = insert(sql, 'outside').then(() => events.push('outside written'));
    const read = stored(sql).then((keys) => events.push(`outside read ${keys.join(',') || '(none)'}`));
    await sleep(20);
    expect(events).toEqual([]); // still waiting: the transaction is open
    hold.open();
    await expect(tx).rejects.toThrow('rolled back');
    await Promise.all([outside, read]);
    expect(events).toEqual(['outside written', 'outside read outside']);
    expect(await stored(sql)).toEqual(['outside']);
    await close();
  });

  it('rolls back when the work rejects after an await, and commits when it resolves', async () => {
    const { sql, close } = await open();
    await expect(
      sql.transaction(async (tx) => {
        await insert(tx, 'a');
        await sleep(1);
        return Promise.reject(new Error('late failure'));
      }),
    ).rejects.toThrow('late failure');
    expect(await stored(sql)).toEqual([]);
    expect(await sql.transaction(async (tx) => (await insert(tx, 'a')).changes)).toBe(1);
    expect(await stored(sql)).toEqual(['a']);
    await close();
  });

  it('turns a nested transaction into a savepoint: its failure undoes only its own writes', async () => {
    const { sql, close } = await open();
    await atomically(sql, async () => {
      await insert(sql, 'a');
      await expect(
        atomically(sql, async () => {
          await insert(sql, 'b');
          await sleep(1);
          throw new Error('inner');
        }),
      ).rejects.toThrow('inner');
      await atomically(sql, () => insert(sql, 'c'));
    });
    expect(await stored(sql)).toEqual(['a', 'c']);
    // The whole thing still rolls back when the outer one fails after a committed savepoint.
    await expect(
      atomically(sql, async () => {
        await atomically(sql, () => insert(sql, 'd'));
        throw new Error('outer');
      }),
    ).rejects.toThrow('outer');
    expect(await stored(sql)).toEqual(['a', 'c']);
    await close();
  });

  it('runs two concurrent transactions one after the other, never interleaved', async () => {
    const { sql, close } = await open();
    const events: string[] = [];
    const work = (name: string, fail: boolean) =>
      atomically(sql, async () => {
        events.push(`${name} begin`);
        await insert(sql, `${name}1`);
        await sleep(10);
        await insert(sql, `${name}2`);
        events.push(`${name} end`);
        if (fail) throw new Error(`${name} failed`);
      });
    const results = await Promise.allSettled([work('x', true), work('y', false)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect(events).toEqual(['x begin', 'x end', 'y begin', 'y end']);
    expect(await stored(sql)).toEqual(['y1', 'y2']);
    await close();
  });

  it('takes the write lock at BEGIN with immediate, before the first write', async () => {
    const { sql, close, path } = await open();
    const other = new Database(path);
    other.pragma('busy_timeout = 0');
    const write = () => other.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('other', '1', 'now')").run();
    try {
      for (const immediate of [true, false]) {
        other.prepare("DELETE FROM settings WHERE key = 'other'").run();
        const hold = gate();
        const tx = sql.transaction(async (tx) => {
          await tx.get('SELECT key FROM settings', [], keys);
          await hold.wait;
        }, { immediate });
        await sleep(5);
        if (immediate) expect(write).toThrow(expect.objectContaining({ code: 'SQLITE_BUSY' }));
        else expect(write().changes).toBe(1);
        hold.open();
        await tx;
      }
    } finally {
      other.close();
      await close();
    }
  });

  it('closes only after an open transaction has ended', async () => {
    const { sql, close } = await open();
    const hold = gate();
    const tx = atomically(sql, async () => {
      await hold.wait;
      await insert(sql, 'late');
    });
    await sleep(5);
    const closed = close();
    hold.open();
    await tx;
    await closed;
    await expect(stored(sql)).rejects.toThrow(/not open/);
  });

  it('background work started inside a transaction: a savepoint still running finishes before COMMIT, and work started outside() waits for the commit instead of joining', async () => {
    const { sql, close } = await open();
    const hold = gate();
    let joined: Promise<unknown> = Promise.resolve();
    let detached: Promise<unknown> = Promise.resolve();
    await atomically(sql, async () => {
      await insert(sql, 'outer');
      // Joined background work: its savepoint outlives the outer work; the commit waits for it.
      joined = sql.transaction(async () => {
        await hold.wait;
        await insert(sql, 'joined');
      });
      // Detached background work (a procedure run kicked off here): runs after the commit.
      detached = sql.outside(() => sql.transaction(async () => insert(sql, 'detached')));
      setTimeout(hold.open, 20);
    });
    await Promise.all([joined, detached]);
    expect(await stored(sql)).toEqual(['detached', 'joined', 'outer']);
    await close();
  });

  it('a rolled-back transaction takes its joined savepoints with it, but not work started outside()', async () => {
    const { sql, close } = await open();
    let detached: Promise<unknown> = Promise.resolve();
    await expect(
      atomically(sql, async () => {
        await insert(sql, 'outer');
        detached = sql.outside(() => insert(sql, 'detached'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await detached;
    expect(await stored(sql)).toEqual(['detached']);
    await close();
  });
});
