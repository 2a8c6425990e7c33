import { z } from 'zod';
import { OutpostError } from '../../contract/errors.js';
import { runChecked, type CommandRunner } from '../../exec/command-runner.js';
import { beforeAnyChange, type EnsureOutcome } from '../firewall-driver.js';
import { nftTable, type NftRule } from '../nft-table.js';
import { asCidr, HOOK_TAG, planPolicy, policyTagKind, type ObservedPolicyRule, type PolicyRule } from '../policy.js';

/** The filter chain in Outpost's own table that carries allow-lists and guards (hooked on forward). */
export const NFT_POLICY_CHAIN = 'forward';

/** The statements Outpost writes, as `nft -j` prints them; anything else in a tagged rule is an anomaly. */
const match = z.object({
  match: z.object({
    op: z.string(),
    left: z.union([
      z.object({ payload: z.object({ protocol: z.string(), field: z.string() }) }),
      z.object({ ct: z.object({ key: z.string(), dir: z.string().optional() }) }),
      z.object({ meta: z.object({ key: z.string() }) }),
    ]),
    right: z.union([z.string(), z.number(), z.object({ prefix: z.object({ addr: z.string(), len: z.number() }) })]),
  }),
});
const dnat = z.object({ dnat: z.object({ addr: z.string(), port: z.number().optional() }) });
const verdict = z.union([z.object({ return: z.null() }), z.object({ drop: z.null() }), z.object({ accept: z.null() })]);

export type NftPolicyRule = ObservedPolicyRule & { chain: string; handle: number };

interface Fields {
  saddr?: string;
  daddr?: string;
  ctDaddr?: string;
  ctDirection?: string;
  ctPort?: number;
  l4proto?: string;
  dport?: { proto: string; port: number };
  dnat?: { addr: string; port?: number };
  verdict?: string;
  odd: string[];
}

function fieldsOf(rule: NftRule): Fields {
  const f: Fields = { odd: [] };
  for (const e of rule.expr ?? []) {
    const m = match.safeParse(e);
    if (m.success && m.data.match.op === '==') {
      const { left, right } = m.data.match;
      const text = typeof right === 'object' ? `${right.prefix.addr}/${right.prefix.len}` : String(right);
      if ('payload' in left && left.payload.protocol === 'ip' && left.payload.field === 'saddr') f.saddr = text;
      else if ('payload' in left && left.payload.protocol === 'ip' && left.payload.field === 'daddr') f.daddr = text;
      else if ('payload' in left && left.payload.field === 'dport' && typeof right === 'number') f.dport = { proto: left.payload.protocol, port: right };
      else if ('ct' in left && left.ct.key === 'ip daddr' && left.ct.dir === 'original') f.ctDaddr = text;
      else if ('ct' in left && left.ct.key === 'direction') f.ctDirection = text;
      else if ('ct' in left && left.ct.key === 'proto-dst' && typeof right === 'number') f.ctPort = right;
      else if ('meta' in left && left.meta.key === 'l4proto') f.l4proto = text;
      else f.odd.push(JSON.stringify(e));
      continue;
    }
    const d = dnat.safeParse(e);
    if (d.success) {
      f.dnat = d.data.dnat;
      continue;
    }
    const v = verdict.safeParse(e);
    if (v.success) {
      f.verdict = Object.keys(v.data)[0];
      continue;
    }
    f.odd.push(JSON.stringify(e));
  }
  return f;
}

const proto = (v: string | undefined): 'tcp' | 'udp' | null => (v === 'tcp' || v === 'udp' ? v : null);

export function parseNftPolicyRule(rule: NftRule): NftPolicyRule | null {
  const kind = policyTagKind(rule.comment);
  if (!kind || kind === 'hook' || !rule.comment) return null;
  const f = fieldsOf(rule);
  const anomalies = f.odd.length ? [`unexpected ${f.odd.join(' ')}`] : [];
  const expect = (chain: string, v: string | undefined, wanted: string) => {
    if (rule.chain !== chain || v !== wanted) anomalies.push(`in chain ${rule.chain}, verdict ${v ?? 'none'}`);
  };
  const base = { tag: rule.comment, chain: rule.chain, handle: rule.handle };
  const anomaly = () => (anomalies.length ? { anomaly: anomalies.join('; ') } : {});
  switch (kind) {
    case 'forward':
      expect('prerouting', f.dnat ? 'dnat' : f.verdict, 'dnat');
      return {
        ...base,
        kind,
        publicIp: f.daddr ?? '?',
        publicPort: f.dport?.port ?? 0,
        proto: proto(f.dport?.proto) ?? 'tcp',
        privateIp: f.dnat?.addr ?? '?',
        privatePort: f.dnat?.port ?? 0,
        ...anomaly(),
      };
    case 'allow':
      expect(NFT_POLICY_CHAIN, f.verdict, 'return');
      return { ...base, kind, publicIp: f.ctDaddr ?? '?', source: f.saddr ? asCidr(f.saddr) : '0.0.0.0/0', proto: proto(f.l4proto), port: f.ctPort ?? null, ...anomaly() };
    case 'guard':
      expect(NFT_POLICY_CHAIN, f.verdict, 'drop');
      if (f.ctDirection !== 'original') anomalies.push('not limited to the original direction');
      return { ...base, kind, publicIp: f.ctDaddr ?? '?', ...anomaly() };
  }
}

/** The nft statement for a rule (after `add|insert rule ip TABLE CHAIN`). */
export function nftPolicyStatement(r: Exclude<PolicyRule, { kind: 'hook' }>): { chain: string; verb: 'add' | 'insert'; args: string[] } {
  const comment = ['comment', `"${r.tag}"`];
  switch (r.kind) {
    case 'forward':
      return { chain: 'prerouting', verb: 'add', args: ['ip', 'daddr', r.publicIp, r.proto, 'dport', String(r.publicPort), 'dnat', 'to', `${r.privateIp}:${r.privatePort}`, ...comment] };
    case 'allow': {
      const p = r.port !== null ? (r.proto ?? 'tcp') : r.proto;
      const ports = p ? ['meta', 'l4proto', p, ...(r.port !== null ? ['ct', 'original', 'proto-dst', String(r.port)] : [])] : [];
      // insert: allows sit above the guards in the chain.
      return { chain: NFT_POLICY_CHAIN, verb: 'insert', args: ['ip', 'saddr', r.source, 'ct', 'original', 'ip', 'daddr', r.publicIp, ...ports, 'return', ...comment] };
    }
    case 'guard':
      return { chain: NFT_POLICY_CHAIN, verb: 'add', args: ['ct', 'original', 'ip', 'daddr', r.publicIp, 'ct', 'direction', 'original', 'drop', ...comment] };
  }
}

export const NFT_HOOK_CHAIN_SPEC = '{ type filter hook forward priority filter; policy accept; }';

/** Forwards, allow-lists and guards with nftables, in Outpost's own table (the one 1:1 NAT uses). */
export class NftPolicy {
  constructor(
    private readonly runner: CommandRunner,
    private readonly table: string,
  ) {}

  async observe(): Promise<NftPolicyRule[]> {
    const t = await nftTable(this.runner, this.table);
    const rules = t.rules.flatMap((r) => parseNftPolicyRule(r) ?? []);
    // The hook is the chain itself: it exists with its forward hook, or the allow-lists do nothing.
    if (t.chains.includes(NFT_POLICY_CHAIN)) rules.unshift({ kind: 'hook', tag: HOOK_TAG, chain: NFT_POLICY_CHAIN, handle: -1 });
    return rules;
  }

  async apply(desired: PolicyRule[]): Promise<EnsureOutcome> {
    let plan: { remove: NftPolicyRule[]; add: PolicyRule[] };
    try {
      const t = await nftTable(this.runner, this.table);
      const observed = await this.observe();
      plan = planPolicy(desired, observed);
      for (const f of plan.add) {
        if (f.kind !== 'forward') continue;
        const clash = t.rules.find((r) => {
          if (r.chain !== 'prerouting' || r.comment === f.tag) return false;
          const fields = fieldsOf(r);
          return fields.daddr === f.publicIp && (fields.dport === undefined || (fields.dport.port === f.publicPort && fields.dport.proto === f.proto));
        });
        if (clash) {
          throw new OutpostError('NAT_CONFLICT', `${f.publicIp}:${f.publicPort} is already translated on ${this.runner.where} by ${clash.comment ?? 'an untagged rule'}.`, {
            publicIp: f.publicIp,
            publicPort: f.publicPort,
          });
        }
      }
    } catch (err) {
      throw beforeAnyChange(err);
    }
    const hookGone = plan.remove.some((r) => r.kind === 'hook');
    for (const r of plan.remove) {
      if (r.kind === 'hook') continue;
      await this.nft(['delete', 'rule', 'ip', this.table, r.chain, 'handle', String(r.handle)]);
    }
    // The chain is Outpost's own: with no allow-list left it goes, whatever else was put in it.
    if (hookGone && !desired.some((d) => d.kind === 'hook')) {
      await this.nft(['flush', 'chain', 'ip', this.table, NFT_POLICY_CHAIN]);
      await this.nft(['delete', 'chain', 'ip', this.table, NFT_POLICY_CHAIN]);
    }
    if (plan.add.length > 0) {
      // `add` is idempotent for tables and chains.
      await this.nft(['add', 'table', 'ip', this.table]);
      await this.nft(['add', 'chain', 'ip', this.table, 'prerouting', '{ type nat hook prerouting priority dstnat; policy accept; }']);
      await this.nft(['add', 'chain', 'ip', this.table, 'postrouting', '{ type nat hook postrouting priority srcnat; policy accept; }']);
    }
    const order: PolicyRule['kind'][] = ['hook', 'forward', 'guard', 'allow'];
    for (const r of [...plan.add].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))) {
      if (r.kind === 'hook') {
        await this.nft(['add', 'chain', 'ip', this.table, NFT_POLICY_CHAIN, NFT_HOOK_CHAIN_SPEC]);
        continue;
      }
      const s = nftPolicyStatement(r);
      await this.nft([s.verb, 'rule', 'ip', this.table, s.chain, ...s.args]);
    }
    return { applied: true, changed: plan.remove.length + plan.add.length > 0 };
  }

  private async nft(args: string[]): Promise<void> {
    await runChecked(this.runner, ['nft', ...args], { timeoutMs: 15_000 });
  }
}
