import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { describeEngines, reopen } from '../../test/engines.js';
import { tempDir } from '../../test/temp-dir.js';
import { AuditLog } from '../audit/audit-log.js';
import { UniqueViolation } from '../db/sql.js';
import { openStore, type Store } from '../db/store.js';
import { Ipam } from './ipam.js';

describeEngines('IPAM', (open) => {
  let db: Store;
  let ipam: Ipam;
  let audit: AuditLog;
  beforeEach(async () => {
    db = await open();
    audit = new AuditLog(db.sql);
    ipam = new Ipam(db.sql, audit);
  });
  afterEach(async () => {
    await db.close();
  });

  it('adds pools with gateway and reserved ranges, and reports utilisation', async () => {
    await ipam.addPool({ name: 'public-a', cidr: '203.0.113.0/28', kind: 'public', gateway: '203.0.113.1', reserved: [{ start: '203.0.113.2', end: '203.0.113.4', reason: 'firewall VIPs' }] }, 'alice');
    await ipam.allocate({ pool: 'public-a', owner: 'vm:a', purpose: 'public-nat' }, 'alice');
    expect(await ipam.pools()).toEqual([expect.objectContaining({ name: 'public-a', cidr: '203.0.113.0/28', family: 4, size: '14', allocated: 1, reservedCount: '4' })]);
    expect((await audit.list()).entries.map((e) => e.action)).toEqual(['ipam.allocate', 'ipam.pool.add']);
  });

  it('refuses bad pools: overlap in the same scope, host bits, a gateway outside', async () => {
    await ipam.addPool({ name: 'p1', cidr: '10.0.0.0/16', kind: 'private', scope: 'site-a' }, 'alice');
    await expect(ipam.addPool({ name: 'p2', cidr: '10.0.128.0/17', kind: 'private', scope: 'site-a' }, 'alice')).rejects.toThrowError(expect.objectContaining({ code: 'IP_CONFLICT' }));
    // The same private range at another site is normal.
    expect((await ipam.addPool({ name: 'p3', cidr: '10.0.0.0/16', kind: 'private', scope: 'site-b' }, 'alice')).cidr).toBe('10.0.0.0/16');
    await expect(ipam.addPool({ name: 'p4', cidr: '192.0.2.5/24', kind: 'public' }, 'alice')).rejects.toThrowError(/host bits/);
    await expect(ipam.addPool({ name: 'p5', cidr: '192.0.2.0/24', kind: 'public', gateway: '198.51.100.1' }, 'alice')).rejects.toThrowError(/not a usable address/);
    await expect(ipam.addPool({ name: 'bad name!', cidr: '192.0.2.0/24', kind: 'public' }, 'alice')).rejects.toThrowError(expect.objectContaining({ code: 'VALIDATION' }));
  });

  it('allocates the lowest free address, skipping network, gateway, reserved and taken ones', async () => {
    await ipam.addPool({ name: 'pub', cidr: '198.51.100.0/29', kind: 'public', gateway: '198.51.100.1', reserved: [{ start: '198.51.100.3', end: '198.51.100.3', reason: 'vip' }] }, 'alice');
    const a = await ipam.allocate({ pool: 'pub', owner: 'vm:a', purpose: 'public-nat' }, 'alice');
    const b = await ipam.allocate({ pool: 'pub', owner: 'vm:b', purpose: 'public-nat' }, 'alice');
    const c = await ipam.allocate({ pool: 'pub', owner: 'vm:c', purpose: 'public-nat' }, 'alice');
    expect([a.address, b.address, c.address]).toEqual(['198.51.100.2', '198.51.100.4', '198.51.100.5']);
    await ipam.release({ pool: 'pub', owner: 'vm:b', purpose: 'public-nat' }, 'alice');
    expect((await ipam.allocate({ pool: 'pub', owner: 'vm:d', purpose: 'public-nat' }, 'alice')).address).toBe('198.51.100.4');
  });

  it('is idempotent per owner and purpose: a resumed procedure gets the same address', async () => {
    await ipam.addPool({ name: 'pub', cidr: '198.51.100.0/24', kind: 'public' }, 'alice');
    const first = await ipam.allocate({ pool: 'pub', owner: 'vm:a', purpose: 'public-nat', procedureId: 'p1' }, 'alice');
    const again = await ipam.allocate({ pool: 'pub', owner: 'vm:a', purpose: 'public-nat', procedureId: 'p1' }, 'alice');
    expect(again).toEqual(first);
    expect(await ipam.allocations()).toHaveLength(1);
    expect((await ipam.release({ pool: 'pub', owner: 'vm:a', purpose: 'public-nat' }, 'alice'))?.releasedBy).toBe('alice');
    expect(await ipam.release({ pool: 'pub', owner: 'vm:a', purpose: 'public-nat' }, 'alice')).toBeNull();
    expect(await ipam.allocations({ includeReleased: true })).toHaveLength(1);
  });

  it('reports conflicts on specific allocation instead of double-allocating', async () => {
    await ipam.addPool({ name: 'priv', cidr: '10.10.0.0/24', kind: 'private', gateway: '10.10.0.1' }, 'alice');
    await ipam.allocate({ pool: 'priv', owner: 'vm:a', purpose: 'private', address: '10.10.0.20' }, 'alice');
    await expect(ipam.allocate({ pool: 'priv', owner: 'vm:b', purpose: 'private', address: '10.10.0.20' }, 'alice')).rejects.toThrowError(
      expect.objectContaining({ code: 'IP_CONFLICT', details: { address: '10.10.0.20', owner: 'vm:a' } }),
    );
    await expect(ipam.allocate({ pool: 'priv', owner: 'vm:a', purpose: 'private', address: '10.10.0.21' }, 'alice')).rejects.toThrowError(/already holds 10\.10\.0\.20/);
    await expect(ipam.allocate({ pool: 'priv', owner: 'vm:c', purpose: 'private', address: '10.10.0.1' }, 'alice')).rejects.toThrowError(/reserved/);
    await expect(ipam.allocate({ pool: 'priv', owner: 'vm:c', purpose: 'private', address: '10.10.1.5' }, 'alice')).rejects.toThrowError(/not a usable address/);
    expect((await ipam.holderOf('10.10.0.20'))?.owner).toBe('vm:a');
  });

  it('enforces uniqueness in the database itself, not only in code', async () => {
    await ipam.addPool({ name: 'pub', cidr: '198.51.100.0/24', kind: 'public' }, 'alice');
    await ipam.allocate({ pool: 'pub', owner: 'vm:a', purpose: 'public-nat', address: '198.51.100.9' }, 'alice');
    const raw = db.sql.run("INSERT INTO ip_allocations (pool_id, address, address_key, owner, purpose, allocated_at, allocated_by) VALUES (1, '198.51.100.9', 'x', 'vm:z', 'public-nat', 'now', 'x')");
    await expect(raw).rejects.toBeInstanceOf(UniqueViolation);
  });

  it('says when a pool is exhausted', async () => {
    await ipam.addPool({ name: 'tiny', cidr: '192.0.2.0/30', kind: 'public' }, 'alice');
    await ipam.allocate({ pool: 'tiny', owner: 'vm:a', purpose: 'p' }, 'alice');
    await ipam.allocate({ pool: 'tiny', owner: 'vm:b', purpose: 'p' }, 'alice');
    await expect(ipam.allocate({ pool: 'tiny', owner: 'vm:c', purpose: 'p' }, 'alice')).rejects.toThrowError(expect.objectContaining({ code: 'POOL_EXHAUSTED' }));
  });

  it('works for IPv6 pools too', async () => {
    await ipam.addPool({ name: 'v6', cidr: '2001:db8:10::/64', kind: 'public' }, 'alice');
    expect((await ipam.allocate({ pool: 'v6', owner: 'vm:a', purpose: 'p' }, 'alice')).address).toBe('2001:db8:10::1');
    expect((await ipam.pools())[0]!.size).toBe((2n ** 64n - 1n).toString());
  });

  it('never hands out one address twice when two connections (app and CLI) interleave', async () => {
    await ipam.addPool({ name: 'pub', cidr: '198.51.100.0/24', kind: 'public' }, 'alice');
    // Two pools on PostgreSQL, two handles on one SQLite file: separate connections either way.
    const second = await reopen(db);
    const other = new Ipam(second.sql);
    const got: string[] = [];
    for (let i = 0; i < 50; i++) {
      got.push((await ipam.allocate({ pool: 'pub', owner: `vm:x${i}`, purpose: 'p' }, 'a')).address);
      got.push((await other.allocate({ pool: 'pub', owner: `vm:y${i}`, purpose: 'p' }, 'b')).address);
    }
    expect(new Set(got).size).toBe(100);
    expect((await ipam.historyOf('pub')).filter((h) => h.event === 'allocated')).toHaveLength(100);
    await second.close();
  });
});

describe('IPAM validation names the field', () => {
  it('puts the failing input field in details.issues', async () => {
    const dir = tempDir();
    const db = await openStore(join(dir.path, 'outpost.db'));
    try {
      const ipam = new Ipam(db.sql);
      const field = async (f: () => Promise<unknown>): Promise<unknown> => {
        try {
          await f();
        } catch (err) {
          return (err as { details?: { issues?: { path: string[] }[] } }).details?.issues?.[0]?.path;
        }
        return null;
      };
      expect(await field(() => ipam.addPool({ name: 'p', cidr: '10.0.0.1/24', kind: 'private' }, 'a'))).toEqual(['cidr']);
      expect(await field(() => ipam.addPool({ name: 'p', cidr: '10.0.0.0/24', kind: 'private', gateway: '10.9.9.9' }, 'a'))).toEqual(['gateway']);
      expect(await field(() => ipam.addPool({ name: 'p', cidr: '10.0.0.0/24', kind: 'private', reserved: [{ start: '10.0.0.9', end: 'x', reason: '' }] }, 'a'))).toEqual(['reserved', '0', 'end']);
      expect(await field(() => ipam.addPool({ name: 'bad name', cidr: '10.0.0.0/24', kind: 'private' }, 'a'))).toEqual(['name']);
    } finally {
      await db.close();
      dir.remove();
    }
  });
});
