import type { AuditLog } from '../audit/audit-log.js';
import { OutpostError, toContractError } from '../contract/errors.js';
import type { CommandParsedInput } from '../contract/commands.js';
import type { DriftItem, DriftStatus, NatPolicy } from '../contract/firewall-policy.js';
import type { Sql } from '../db/sql.js';
import { matches, type EnsureOutcome } from './firewall-driver.js';
import type { NatService } from './nat-service.js';
import { NatPolicyStore, type AllowKey, type AllowRecord, type ForwardRecord } from './nat-policy-store.js';
import { comparePolicy, desiredPolicy, type PolicyRule } from './policy.js';

export type AllowSpec = Omit<AllowKey, 'firewallId'> & { firewall: string };
export type ForwardSpec = CommandParsedInput<'nat.forward'>;

/** The actor of checks nobody asked for. */
const RECONCILER = 'outpost';

/**
 * Allow-lists and port forwards (their rows; the procedures put them on the firewalls), and the
 * reconciler: every firewall's live rules against the store, drift reported on the event bus and
 * in the audit log, repaired only when an operator asks (the nat.reconcile procedure).
 */
export class NatPolicyService {
  private readonly store: NatPolicyStore;
  private readonly last = new Map<string, DriftStatus>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private checking = false;
  /** One policy sync or check per firewall at a time: two interleaved syncs could both add a missing rule. */
  private readonly queues = new Map<string, Promise<unknown>>();

  constructor(
    db: Sql,
    private readonly audit: AuditLog,
    private readonly nat: NatService,
    /** Told when a firewall's drift changes (the composition root puts it on the event bus). */
    private readonly onDrift?: (status: DriftStatus) => void,
  ) {
    this.store = new NatPolicyStore(db);
  }

  async policy(firewall?: string): Promise<NatPolicy> {
    if (firewall !== undefined) await this.nat.firewall(firewall);
    const strip = <T extends { procedureId: string | null }>(r: T): Omit<T, 'procedureId'> => {
      const { procedureId: _ignored, ...rest } = r;
      return rest;
    };
    const names = firewall !== undefined ? [firewall] : (await this.nat.firewalls()).map((f) => f.name);
    return {
      allows: (await this.store.allows(firewall)).map(strip),
      forwards: (await this.store.forwards(firewall)).map(strip),
      drift: names.map((n) => this.last.get(n) ?? { firewall: n, state: 'not-checked', checkedAt: null, items: [], error: null }),
    };
  }

  /** An allow input as stored: a port always has a protocol (tcp unless told). */
  normaliseAllow(input: CommandParsedInput<'nat.allow'>): AllowSpec {
    const port = input.port ?? null;
    return { firewall: input.firewall, publicIp: input.publicIp ?? null, source: input.source, port, proto: input.proto ?? (port !== null ? 'tcp' : null) };
  }

  /** Checked before the procedure starts: the firewall exists and serves the public address. */
  async checkAllow(spec: AllowSpec): Promise<void> {
    await this.nat.firewall(spec.firewall);
    if (spec.publicIp === null) return;
    const nat = await this.nat.liveByPublic(spec.publicIp);
    const served = (nat !== null && nat.firewall === spec.firewall) || (await this.store.liveForwardsTo(spec.publicIp)).some((f) => f.firewall === spec.firewall);
    if (!served) {
      throw new OutpostError(
        'NOT_FOUND',
        `Firewall ${spec.firewall} has no NAT or port forward on ${spec.publicIp}: add one first (nat add / nat forward), or leave out the public address for an allow-list of the whole firewall.`,
      );
    }
  }

  async findAllow(spec: AllowSpec): Promise<AllowRecord> {
    const fw = await this.nat.firewall(spec.firewall);
    const row = await this.store.liveAllow({ ...spec, firewallId: fw.id });
    if (!row) {
      const have = (await this.store.allows(spec.firewall)).filter((a) => a.publicIp === spec.publicIp);
      throw new OutpostError(
        'NOT_FOUND',
        `No such allow-list entry on ${spec.firewall} for ${spec.publicIp ?? 'the whole firewall'}; it has: ${have.length ? have.map((a) => `${a.source}${a.port !== null ? ` ${a.proto ?? 'tcp'}/${a.port}` : a.proto ? ` ${a.proto}` : ''}`).join(', ') : 'none'}.`,
      );
    }
    return row;
  }

  /** The entry for this spec, created by this run if need be (a resumed run finds its own). */
  async ensureAllow(spec: AllowSpec, procedureId: string, actor: string): Promise<{ id: number; created: boolean }> {
    const fw = await this.nat.firewall(spec.firewall);
    const existing = await this.store.liveAllow({ ...spec, firewallId: fw.id });
    if (existing) return { id: existing.id, created: existing.procedureId === procedureId };
    return { id: await this.store.insertAllow({ ...spec, firewallId: fw.id }, procedureId, actor), created: true };
  }

  async setAllowLive(id: number, live: boolean, actor: string): Promise<void> {
    await this.store.setAllowLive(id, live, actor);
  }

  async allowById(id: number): Promise<(AllowRecord & { live: boolean }) | null> {
    return this.store.allowById(id);
  }

  /** Checked before the procedure starts: the public IP:port is free (no forward, no 1:1 NAT on the address). */
  async checkForward(f: ForwardSpec): Promise<void> {
    await this.nat.firewall(f.firewall);
    const nat = await this.nat.liveByPublic(f.publicIp);
    if (nat) {
      throw new OutpostError('NAT_CONFLICT', `${f.publicIp} is 1:1 NATed to ${nat.privateIp} on ${nat.firewall} (record ${nat.id}): every port already reaches it. Forward from another public address.`, {
        recordId: nat.id,
      });
    }
    const taken = await this.store.liveForward(f.publicIp, f.publicPort, f.proto);
    if (taken) {
      throw new OutpostError('NAT_CONFLICT', `${f.publicIp}:${f.publicPort}/${f.proto} is already forwarded to ${taken.privateIp}:${taken.privatePort} on ${taken.firewall} (forward ${taken.id}).`, {
        forwardId: taken.id,
      });
    }
  }

  async ensureForward(f: ForwardSpec, procedureId: string, actor: string): Promise<{ id: number; created: boolean }> {
    const fw = await this.nat.firewall(f.firewall);
    const existing = await this.store.liveForward(f.publicIp, f.publicPort, f.proto);
    if (existing) {
      if (existing.procedureId === procedureId) return { id: existing.id, created: true };
      throw new OutpostError('NAT_CONFLICT', `${f.publicIp}:${f.publicPort}/${f.proto} is already forwarded (forward ${existing.id}).`, { forwardId: existing.id });
    }
    return { id: await this.store.insertForward({ ...f, firewallId: fw.id }, procedureId, actor), created: true };
  }

  async findForward(firewall: string, publicIp: string, publicPort: number, proto: 'tcp' | 'udp'): Promise<ForwardRecord> {
    await this.nat.firewall(firewall);
    const f = await this.store.liveForward(publicIp, publicPort, proto);
    if (!f || f.firewall !== firewall) throw new OutpostError('NOT_FOUND', `No port forward of ${publicIp}:${publicPort}/${proto} on ${firewall}.`);
    return f;
  }

  async forwardsTo(publicIp: string): Promise<ForwardRecord[]> {
    return this.store.liveForwardsTo(publicIp);
  }

  async setForwardLive(id: number, live: boolean, actor: string): Promise<void> {
    await this.store.setForwardLive(id, live, actor);
  }

  async forwardById(id: number): Promise<(ForwardRecord & { live: boolean }) | null> {
    return this.store.forwardById(id);
  }

  /** What the store wants on this firewall's policy rules now (`excludeNat`: as if that record were gone, for a rollback). */
  async desired(firewall: string, excludeNat?: number): Promise<PolicyRule[]> {
    const natPublicIps = (await this.nat
      .records())
      .filter((r) => r.firewall === firewall && r.state !== 'removed' && r.id !== excludeNat)
      .map((r) => r.publicIp);
    return desiredPolicy({ natPublicIps, allows: await this.store.allows(firewall), forwards: await this.store.forwards(firewall) });
  }

  /** Puts the whole wanted policy on the firewall (idempotent; a manual firewall gets instructions). */
  async apply(firewall: string, excludeNat?: number): Promise<EnsureOutcome> {
    return this.serial(firewall, async () => (await this.nat.driver(firewall)).applyPolicy(await this.desired(firewall, excludeNat)));
  }

  private serial<T>(firewall: string, work: () => Promise<T>): Promise<T> {
    const previous = this.queues.get(firewall) ?? Promise.resolve();
    const next = previous.then(work, work);
    const settled = next.then(
      () => undefined,
      () => undefined,
    );
    this.queues.set(firewall, settled);
    void settled.then(() => {
      if (this.queues.get(firewall) === settled) this.queues.delete(firewall);
    });
    return next;
  }

  /** Whether the wanted policy guards this address (it has an allow-list, its own or the firewall's). */
  async guards(firewall: string, publicIp: string): Promise<boolean> {
    return (await this.desired(firewall)).some((r) => r.kind === 'guard' && r.publicIp === publicIp);
  }

  /**
   * A NAT went away: its address's own allow-list goes with it (unless port forwards still use the
   * address), so a later NAT on the same address does not inherit it. Returns how many entries closed.
   */
  async closeAllowsFor(firewall: string, publicIp: string, actor: string): Promise<number> {
    if ((await this.store.liveForwardsTo(publicIp)).some((f) => f.firewall === firewall)) return 0;
    const rows = (await this.store.allows(firewall)).filter((a) => a.publicIp === publicIp);
    for (const a of rows) await this.store.setAllowLive(a.id, false, actor);
    return rows.length;
  }

  /** After an apply: the firewall says exactly what the store wants, or NAT_DRIFT naming the differences. */
  async verify(firewall: string): Promise<void> {
    const items = comparePolicy(await this.desired(firewall), await (await this.nat.driver(firewall)).observePolicy());
    if (items.length > 0) {
      throw new OutpostError('NAT_DRIFT', `Firewall ${firewall} does not show the policy after applying it: ${items.map((i) => `${i.kind} ${i.detail}`).join('; ')}.`, { items });
    }
  }

  /** Compares one firewall with the store now; remembers, and reports a change on the bus and in the audit log. */
  async check(firewall: string, actor = RECONCILER): Promise<DriftStatus> {
    return this.serial(firewall, () => this.checkNow(firewall, actor));
  }

  private async checkNow(firewall: string, actor: string): Promise<DriftStatus> {
    const fw = await this.nat.firewall(firewall);
    const checkedAt = new Date().toISOString();
    let status: DriftStatus;
    if (fw.driver === 'manual') {
      status = { firewall, state: 'unknown', checkedAt, items: [], error: null };
    } else {
      try {
        const driver = await this.nat.driver(firewall);
        const items = [...await this.natDrift(firewall, await driver.observe()), ...comparePolicy(await this.desired(firewall), await driver.observePolicy())];
        status = { firewall, state: items.length ? 'drift' : 'in-sync', checkedAt, items, error: null };
      } catch (err) {
        const e = toContractError(err);
        status = { firewall, state: 'unreachable', checkedAt, items: [], error: { code: e.code, message: e.message } };
      }
    }
    await this.record(status, actor);
    return status;
  }

  /** 1:1 NAT rules against active records; records in flight (pending, removing) are their procedure's business. */
  private async natDrift(firewall: string, observed: Awaited<ReturnType<Awaited<ReturnType<NatService['driver']>>['observe']>>): Promise<DriftItem[]> {
    const records = (await this.nat.records()).filter((r) => r.firewall === firewall);
    const items: DriftItem[] = [];
    const byId = new Map(observed.map((o) => [o.recordId, o]));
    for (const r of records.filter((x) => x.state === 'active')) {
      const o = byId.get(r.id);
      const want = `1:1 NAT ${r.publicIp} <-> ${r.privateIp}`;
      if (!o || (!o.dnat && !o.snat)) items.push({ kind: 'missing', tag: `outpost:nat:${r.id}`, detail: want });
      else if (!matches({ recordId: r.id, publicIp: r.publicIp, privateIp: r.privateIp }, o)) {
        items.push({ kind: 'changed', tag: `outpost:nat:${r.id}`, detail: `expected ${want}, found DNAT ${o.dnat ? `${o.dnat.publicIp} -> ${o.dnat.privateIp}` : 'none'}, SNAT ${o.snat ? `${o.snat.privateIp} -> ${o.snat.publicIp}` : 'none'}` });
      }
    }
    const known = new Set(records.map((r) => r.id));
    for (const o of observed) {
      if (!known.has(o.recordId)) items.push({ kind: 'extra', tag: `outpost:nat:${o.recordId}`, detail: `1:1 NAT rules of record ${o.recordId} (${o.dnat?.publicIp ?? o.snat?.publicIp ?? '?'} <-> ${o.dnat?.privateIp ?? o.snat?.privateIp ?? '?'}) with no record` });
    }
    return items;
  }

  /** Repairs the 1:1 NAT side: tagged rules of no record go, active records get their rules back. */
  async repairNat(firewall: string): Promise<{ removed: number[]; ensured: number[] }> {
    const driver = await this.nat.driver(firewall);
    const records = (await this.nat.records()).filter((r) => r.firewall === firewall);
    const known = new Set(records.map((r) => r.id));
    const removed: number[] = [];
    const ensured: number[] = [];
    const observed = await driver.observe();
    for (const o of observed) {
      if (known.has(o.recordId)) continue;
      // Rules only: the address may belong to a live NAT, which the ensure below puts back on the interface.
      await driver.remove({ recordId: o.recordId, publicIp: o.dnat?.publicIp ?? o.snat?.publicIp ?? '', privateIp: o.dnat?.privateIp ?? o.snat?.privateIp ?? '' });
      removed.push(o.recordId);
    }
    const byId = new Map(observed.map((o) => [o.recordId, o]));
    for (const r of records.filter((x) => x.state === 'active')) {
      const m = { recordId: r.id, publicIp: r.publicIp, privateIp: r.privateIp };
      if (matches(m, byId.get(r.id)) && removed.length === 0) continue;
      const outcome = await driver.ensure(m);
      if (outcome.applied && outcome.changed) ensured.push(r.id);
    }
    return { removed, ensured };
  }

  private async record(status: DriftStatus, actor: string): Promise<void> {
    const before = this.last.get(status.firewall);
    this.last.set(status.firewall, status);
    const signature = (s: DriftStatus | undefined) => JSON.stringify(s ? [s.state, s.items, s.error?.code ?? null] : null);
    if (signature(before) === signature(status)) return;
    this.onDrift?.(status);
    const bad = (s: DriftStatus | undefined) => s?.state === 'drift' || s?.state === 'unreachable';
    if (bad(status) || bad(before)) {
      await this.audit.append({
        actor,
        action: 'nat.drift',
        target: status.firewall,
        outcome: bad(status) ? 'failed' : 'ok',
        details: { state: status.state, items: status.items, error: status.error },
      });
    }
  }

  /** One pass over every firewall that Outpost can read. */
  async checkAll(): Promise<DriftStatus[]> {
    if (this.checking) return [];
    this.checking = true;
    try {
      const out: DriftStatus[] = [];
      for (const fw of await this.nat.firewalls()) out.push(await this.check(fw.name));
      return out;
    } finally {
      this.checking = false;
    }
  }

  /** The background reconciler: every `seconds` (0: off). Reports only; repairs wait for an operator. */
  configure(seconds: number): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (seconds <= 0) return;
    this.timer = setInterval(() => {
      this.checkAll().catch(() => {
        // Each firewall's failure is already its status; nothing else can fail here worth stopping for.
      });
    }, seconds * 1000);
    this.timer.unref();
  }

  close(): void {
    this.configure(0);
  }
}
