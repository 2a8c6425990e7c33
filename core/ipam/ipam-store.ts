// Owns tables: ip_pools, ip_allocations, ip_history.
import type { AuditLog } from '../audit/audit-log.js';
import { z } from 'zod';
import { OutpostError, atField } from '../contract/errors.js';
import type { AllocationView, PoolView, poolInputSchema } from '../contract/ipam.js';
import type { Sql } from '../db/sql.js';
import { addressFrom, addressKey, contains, overlaps, parseAddress, parseNetwork, usableRange, type IpAddress, type IpNetwork } from './ip-address.js';

// The shapes that cross the contract are the contract's; the core adds only what it needs.
export type PoolKind = PoolView['kind'];
export type ReservedRange = PoolView['reserved'][number];
export type PoolInput = Omit<z.input<typeof poolInputSchema>, 'reserved'> & { reserved?: ReservedRange[] };
export type Pool = Omit<PoolView, 'size' | 'allocated' | 'reservedCount'>;
export type PoolUsage = PoolView;
export type Allocation = AllocationView;

export interface AllocateInput {
  pool: string;
  owner: string;
  purpose: string;
  /** A specific address; otherwise the lowest free one. */
  address?: string;
  procedureId?: string | null;
}

const poolRow = z.object({
  id: z.number(),
  name: z.string(),
  cidr: z.string(),
  family: z.union([z.literal(4), z.literal(6)]),
  kind: z.enum(['public', 'private']),
  scope: z.string(),
  gateway: z.string().nullable(),
  reserved: z.string(),
  created_at: z.string(),
  created_by: z.string(),
});
type PoolRow = z.infer<typeof poolRow>;

const allocationRow = z.object({
  id: z.number(),
  pool: z.string(),
  address: z.string(),
  owner: z.string(),
  purpose: z.string(),
  procedure_id: z.string().nullable(),
  allocated_at: z.string(),
  allocated_by: z.string(),
  released_at: z.string().nullable(),
  released_by: z.string().nullable(),
});
type AllocationRow = z.infer<typeof allocationRow>;

const reservedSchema = z.array(z.object({ start: z.string(), end: z.string(), reason: z.string() }));
const historyRow = z.object({ address: z.string().nullable(), event: z.string(), owner: z.string().nullable(), actor: z.string(), at: z.string() });

const toPool = (r: PoolRow): Pool => ({
  id: r.id,
  name: r.name,
  cidr: r.cidr,
  family: r.family,
  kind: r.kind,
  scope: r.scope,
  gateway: r.gateway,
  reserved: reservedSchema.parse(JSON.parse(r.reserved)),
  createdAt: r.created_at,
  createdBy: r.created_by,
});

const toAllocation = (r: AllocationRow): Allocation => ({
  id: r.id,
  pool: r.pool,
  address: r.address,
  owner: r.owner,
  purpose: r.purpose,
  procedureId: r.procedure_id,
  allocatedAt: r.allocated_at,
  allocatedBy: r.allocated_by,
  releasedAt: r.released_at,
  releasedBy: r.released_by,
});

/** Tries of one allocation against other writers before it gives up (each lost try means another allocation committed). */
const ALLOCATE_TRIES = 64;

const ALLOCATION_SELECT = `SELECT a.id, p.name AS pool, a.address, a.owner, a.purpose, a.procedure_id, a.allocated_at, a.allocated_by, a.released_at, a.released_by
  FROM ip_allocations a JOIN ip_pools p ON p.id = a.pool_id`;

/** Address pools and allocations (owner of ip_pools, ip_allocations, ip_history). Every write is one IMMEDIATE transaction, so two processes never race. */
export class Ipam {
  constructor(
    private readonly db: Sql,
    private readonly audit?: AuditLog,
  ) {}

  async addPool(input: PoolInput, actor: string): Promise<Pool> {
    const name = input.name.trim();
    atField(['name'], () => {
      if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/.test(name)) {
        throw new OutpostError('VALIDATION', `Pool name "${input.name}" must be 1-64 letters, digits, dots, dashes or underscores.`);
      }
    });
    const net = atField(['cidr'], () => parseNetwork(input.cidr));
    const range = usableRange(net);
    const gateway = atField(['gateway'], () => {
      const g = input.gateway ? parseAddress(input.gateway) : null;
      if (g && (!contains(net, g) || g.value < range.first || g.value > range.last)) {
        throw new OutpostError('VALIDATION', `Gateway ${g.text} is not a usable address of ${net.text}.`);
      }
      return g;
    });
    const reserved = (input.reserved ?? []).map((r, i) => {
      const start = atField(['reserved', i, 'start'], () => parseAddress(r.start));
      const end = atField(['reserved', i, 'end'], () => parseAddress(r.end));
      return atField(['reserved', i, 'end'], () => {
        if (!contains(net, start) || !contains(net, end) || end.value < start.value) {
          throw new OutpostError('VALIDATION', `Reserved range ${r.start}-${r.end} is not an ascending range inside ${net.text}.`);
        }
        return { start: start.text, end: end.text, reason: r.reason };
      });
    });
    const scope = input.scope ?? '';
    return await this.db.transaction(async () => {
      for (const other of await this.poolRows()) {
        if (other.scope === scope && overlaps(parseNetwork(other.cidr), net)) {
          throw new OutpostError('IP_CONFLICT', `${net.text} overlaps pool ${other.name} (${other.cidr})${scope ? ` in ${scope}` : ''}.`, { pool: other.name, cidr: other.cidr });
        }
        if (other.name === name) throw new OutpostError('CONFLICT', `A pool named ${name} already exists.`);
      }
      const at = new Date().toISOString();
      const info = await this.db.run('INSERT INTO ip_pools (name, cidr, family, kind, scope, gateway, reserved, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)', [
        name,
        net.text,
        net.family,
        input.kind,
        scope,
        gateway?.text ?? null,
        JSON.stringify(reserved),
        at,
        actor,
      ]);
      const poolId = info.lastId;
      await this.history(poolId, null, 'pool-created', null, actor, { cidr: net.text, kind: input.kind });
      await this.audit?.append({ actor, action: 'ipam.pool.add', target: name, details: { cidr: net.text, kind: input.kind, scope } });
      return await this.pool(name);
    }, { immediate: true });
  }

  async pool(name: string): Promise<Pool> {
    const row = await this.db.get('SELECT * FROM ip_pools WHERE name = ?', [name], poolRow);
    if (!row) throw new OutpostError('NOT_FOUND', `No IP pool named ${name}.`);
    return toPool(row);
  }

  async pools(): Promise<PoolUsage[]> {
    const counts = new Map(
      (await this.db.all('SELECT pool_id, count(*) AS n FROM ip_allocations WHERE released_at IS NULL GROUP BY pool_id', [], z.object({ pool_id: z.number(), n: z.number() }))).map((r) => [r.pool_id, r.n]),
    );
    return (await this.poolRows()).map((row) => {
      const pool = toPool(row);
      const net = parseNetwork(pool.cidr);
      const range = usableRange(net);
      const reservedCount = this.reservedValues(pool, net).size;
      return { ...pool, size: (range.last - range.first + 1n).toString(), allocated: counts.get(pool.id) ?? 0, reservedCount: reservedCount.toString() };
    });
  }

  /**
   * Ensures `owner` holds an address in the pool for `purpose`: returns the existing allocation
   * when there is one (a resumed procedure gets the same address back), else allocates.
   */
  async allocate(input: AllocateInput, actor: string): Promise<Allocation> {
    return await this.db.transaction(async () => {
      const pool = await this.pool(input.pool);
      const net = parseNetwork(pool.cidr);
      const wanted = input.address ? parseAddress(input.address) : null;
      // Never check-then-insert: the INSERT itself decides (the unique indexes on the live address
      // and on owner+purpose). When another writer - another process, another workstation on a
      // shared database - took the address first, look again: each try sees what it committed.
      for (let attempt = 0; attempt < ALLOCATE_TRIES; attempt++) {
        const held = await this.active(pool.id, input.owner, input.purpose);
        if (held) {
          if (!wanted || wanted.text === held.address) return held;
          throw new OutpostError('IP_CONFLICT', `${input.owner} already holds ${held.address} in ${pool.name} for ${input.purpose}; release it first.`, { address: held.address });
        }
        const address = wanted ? await this.checkSpecific(pool, net, wanted) : await this.nextFree(pool, net);
        const at = new Date().toISOString();
        const inserted = await this.db.get(
          `INSERT INTO ip_allocations (pool_id, address, address_key, owner, purpose, procedure_id, allocated_at, allocated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
           ON CONFLICT DO NOTHING RETURNING id`,
          [pool.id, address.text, addressKey(address), input.owner, input.purpose, input.procedureId ?? null, at, actor],
          z.object({ id: z.number() }),
        );
        if (!inserted) continue;
        await this.history(pool.id, address.text, 'allocated', input.owner, actor, { purpose: input.purpose, procedureId: input.procedureId ?? null });
        await this.audit?.append({ actor, action: 'ipam.allocate', target: address.text, details: { pool: pool.name, owner: input.owner, purpose: input.purpose } });
        return await this.allocationById(inserted.id);
      }
      throw new OutpostError('CONFLICT', `Pool ${pool.name} is being allocated from by many writers at once; try again.`, { pool: pool.name });
    }, { immediate: true });
  }

  /** Releases the live allocation of one address (in `pool`, or in the one pool that holds it). */
  async releaseAddress(input: { address: string; pool?: string }, actor: string): Promise<Allocation> {
    const text = parseAddress(input.address).text;
    return await this.db.transaction(async () => {
      const where = input.pool ? 'a.address = ? AND a.released_at IS NULL AND p.name = ?' : 'a.address = ? AND a.released_at IS NULL';
      const rows = (await this.db.all(`${ALLOCATION_SELECT} WHERE ${where} ORDER BY a.id`, input.pool ? [text, input.pool] : [text], allocationRow)).map(toAllocation);
      if (rows.length === 0) throw new OutpostError('NOT_FOUND', `${text} is not allocated${input.pool ? ` in pool ${input.pool}` : ''}.`, { address: text });
      if (rows.length > 1) throw new OutpostError('VALIDATION', `${text} is allocated in pools ${rows.map((r) => r.pool).join(', ')}; say which with --pool.`, { address: text });
      const held = rows[0]!;
      // Conditional on still being live: of two releases at once, one releases and one finds nothing.
      const done = await this.db.run('UPDATE ip_allocations SET released_at = ?, released_by = ? WHERE id = ? AND released_at IS NULL', [new Date().toISOString(), actor, held.id]);
      if (done.changes === 0) throw new OutpostError('NOT_FOUND', `${text} is not allocated${input.pool ? ` in pool ${input.pool}` : ''}.`, { address: text });
      const pool = await this.pool(held.pool);
      await this.history(pool.id, held.address, 'released', held.owner, actor, { purpose: held.purpose });
      await this.audit?.append({ actor, action: 'ipam.release', target: held.address, details: { pool: pool.name, owner: held.owner, purpose: held.purpose } });
      return await this.allocationById(held.id);
    }, { immediate: true });
  }

  /**
   * Releases what `owner` holds for `purpose` in the pool; idempotent (null when nothing was held).
   * With `procedureId`, only an allocation that procedure made: a rolled-back run must not take
   * back an address an earlier run of the same owner holds.
   */
  async release(input: { pool: string; owner: string; purpose: string; procedureId?: string }, actor: string): Promise<Allocation | null> {
    return await this.db.transaction(async () => {
      const pool = await this.pool(input.pool);
      const held = await this.active(pool.id, input.owner, input.purpose);
      if (!held || (input.procedureId !== undefined && held.procedureId !== input.procedureId)) return null;
      const at = new Date().toISOString();
      // Conditional on still being live: a release racing this one (another workstation) released it already.
      const done = await this.db.run('UPDATE ip_allocations SET released_at = ?, released_by = ? WHERE id = ? AND released_at IS NULL', [at, actor, held.id]);
      if (done.changes === 0) return null;
      await this.history(pool.id, held.address, 'released', input.owner, actor, { purpose: input.purpose });
      await this.audit?.append({ actor, action: 'ipam.release', target: held.address, details: { pool: pool.name, owner: input.owner, purpose: input.purpose } });
      return await this.allocationById(held.id);
    }, { immediate: true });
  }

  async allocations(filter: { pool?: string; includeReleased?: boolean } = {}): Promise<Allocation[]> {
    const where: string[] = [];
    const params: string[] = [];
    if (filter.pool) {
      where.push('p.name = ?');
      params.push(filter.pool);
    }
    if (!filter.includeReleased) where.push('a.released_at IS NULL');
    const sql = `${ALLOCATION_SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY p.name, a.address_key, a.id`;
    return (await this.db.all(sql, params, allocationRow)).map(toAllocation);
  }

  /** The pools (of `kind`, when given) whose network holds an address: where a typed address must be allocated. */
  async poolsContaining(address: string, kind?: PoolKind): Promise<Pool[]> {
    const a = parseAddress(address);
    return (await this.poolRows())
      .map(toPool)
      .filter((p) => (kind === undefined || p.kind === kind) && contains(parseNetwork(p.cidr), a));
  }

  /** Throws VALIDATION unless the address can be handed out in the pool (inside it, not its network or broadcast address). */
  async checkUsable(poolName: string, address: string): Promise<void> {
    const pool = await this.pool(poolName);
    const net = parseNetwork(pool.cidr);
    const a = parseAddress(address);
    const range = usableRange(net);
    if (!contains(net, a)) throw new OutpostError('VALIDATION', `${a.text} is not in pool ${pool.name} (${pool.cidr}).`);
    if (a.value < range.first || a.value > range.last) {
      const what = a.value === net.network ? 'the network address' : net.family === 4 && a.value === net.last ? 'the broadcast address' : 'not a usable address';
      throw new OutpostError('VALIDATION', `${a.text} is ${what} of pool ${pool.name} (${pool.cidr}); give an address from ${addressFrom(range.first, net.family).text} to ${addressFrom(range.last, net.family).text}.`);
    }
  }

  /** Which active allocation holds an address, across pools (NAT and enrollment look up by IP). */
  async holderOf(address: string): Promise<Allocation | null> {
    const text = parseAddress(address).text;
    const row = await this.db.get(`${ALLOCATION_SELECT} WHERE a.address = ? AND a.released_at IS NULL ORDER BY a.id LIMIT 1`, [text], allocationRow);
    return row ? toAllocation(row) : null;
  }

  async historyOf(pool: string): Promise<{ address: string | null; event: string; owner: string | null; actor: string; at: string }[]> {
    const p = await this.pool(pool);
    return await this.db.all('SELECT address, event, owner, actor, at FROM ip_history WHERE pool_id = ? ORDER BY id', [p.id], historyRow);
  }

  private async checkSpecific(pool: Pool, net: IpNetwork, address: IpAddress): Promise<IpAddress> {
    const range = usableRange(net);
    if (!contains(net, address) || address.value < range.first || address.value > range.last) {
      throw new OutpostError('VALIDATION', `${address.text} is not a usable address of pool ${pool.name} (${pool.cidr}).`);
    }
    if (this.reservedValues(pool, net).has(address.value)) {
      throw new OutpostError('IP_CONFLICT', `${address.text} is reserved in pool ${pool.name}.`, { address: address.text });
    }
    const taken = await this.db.get('SELECT owner FROM ip_allocations WHERE pool_id = ? AND address = ? AND released_at IS NULL', [pool.id, address.text], z.object({ owner: z.string() }));
    if (taken) {
      throw new OutpostError('IP_CONFLICT', `${address.text} is already allocated to ${taken.owner}.`, { address: address.text, owner: taken.owner });
    }
    return address;
  }

  private async nextFree(pool: Pool, net: IpNetwork): Promise<IpAddress> {
    const range = usableRange(net);
    const skip = this.reservedValues(pool, net);
    const used = new Set(
      (await this.db.all('SELECT address FROM ip_allocations WHERE pool_id = ? AND released_at IS NULL', [pool.id], z.object({ address: z.string() }))).map(
        (r) => parseAddress(r.address).value,
      ),
    );
    for (let v = range.first; v <= range.last; v++) {
      if (!skip.has(v) && !used.has(v)) return addressFrom(v, net.family);
    }
    throw new OutpostError('POOL_EXHAUSTED', `Pool ${pool.name} (${pool.cidr}) has no free address left.`, { pool: pool.name });
  }

  /** The gateway and reserved ranges, as numbers (bounded: reserved ranges are operator-typed). */
  private reservedValues(pool: Pool, net: IpNetwork): Set<bigint> {
    const out = new Set<bigint>();
    if (pool.gateway) out.add(parseAddress(pool.gateway).value);
    for (const r of pool.reserved) {
      const start = parseAddress(r.start).value;
      const end = parseAddress(r.end).value;
      for (let v = start; v <= end && v - start < 1_000_000n; v++) if (v >= net.network && v <= net.last) out.add(v);
    }
    return out;
  }

  private async active(poolId: number, owner: string, purpose: string): Promise<Allocation | null> {
    const row = await this.db.get(`${ALLOCATION_SELECT} WHERE a.pool_id = ? AND a.owner = ? AND a.purpose = ? AND a.released_at IS NULL`, [poolId, owner, purpose], allocationRow);
    return row ? toAllocation(row) : null;
  }

  private async allocationById(id: number): Promise<Allocation> {
    return toAllocation((await this.db.get(`${ALLOCATION_SELECT} WHERE a.id = ?`, [id], allocationRow))!);
  }

  private async poolRows(): Promise<PoolRow[]> {
    return await this.db.all('SELECT * FROM ip_pools ORDER BY name', [], poolRow);
  }

  private async history(poolId: number, address: string | null, event: string, owner: string | null, actor: string, details: unknown): Promise<void> {
    await this.db.run('INSERT INTO ip_history (pool_id, address, event, owner, actor, at, details) VALUES (?, ?, ?, ?, ?, ?, ?)', [
      poolId,
      address,
      event,
      owner,
      actor,
      new Date().toISOString(),
      JSON.stringify(details),
    ]);
  }
}
