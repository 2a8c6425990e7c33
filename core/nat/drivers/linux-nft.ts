import { OutpostError } from '../../contract/errors.js';
import { runChecked } from '../../exec/command-runner.js';
import { beforeAnyChange, parseRuleTag, ruleTag, type DriverContext, type EnsureOutcome, type FirewallDriver, type NatMapping, type ObservedNat } from '../firewall-driver.js';
import { nftTableRules, type NftRule } from '../nft-table.js';
import { ensurePublicAddress, removePublicAddress } from './public-address.js';
import { NftPolicy } from './nft-policy.js';
import type { ObservedPolicyRule, PolicyRule } from '../policy.js';

/** Outpost keeps its nftables rules in a table of its own: it never edits anyone else's. */
export const NFT_TABLE = 'outpost_nat';

interface ParsedRule {
  chain: 'prerouting' | 'postrouting' | string;
  handle: number;
  recordId: number | null;
  saddr: string | null;
  daddr: string | null;
  dnat: string | null;
  snat: string | null;
}

function parseRule(rule: NftRule): ParsedRule {
  let saddr: string | null = null;
  let daddr: string | null = null;
  let dnat: string | null = null;
  let snat: string | null = null;
  for (const e of rule.expr ?? []) {
    const expr = e as {
      match?: { op?: string; left?: { payload?: { protocol?: string; field?: string } }; right?: unknown };
      dnat?: { addr?: unknown };
      snat?: { addr?: unknown };
    };
    const payload = expr.match?.left?.payload;
    if (expr.match?.op === '==' && payload?.protocol === 'ip' && typeof expr.match.right === 'string') {
      if (payload.field === 'saddr') saddr = expr.match.right;
      if (payload.field === 'daddr') daddr = expr.match.right;
    }
    if (typeof expr.dnat?.addr === 'string') dnat = expr.dnat.addr;
    if (typeof expr.snat?.addr === 'string') snat = expr.snat.addr;
  }
  return { chain: rule.chain, handle: rule.handle, recordId: parseRuleTag(rule.comment ?? ''), saddr, daddr, dnat, snat };
}

/** Linux firewall with nftables: 1:1 DNAT + SNAT in Outpost's own `ip outpost_nat` table. */
export class LinuxNftDriver implements FirewallDriver {
  readonly kind = 'linux-nft';

  constructor(private readonly c: DriverContext) {}

  async ensure(m: NatMapping): Promise<EnsureOutcome> {
    let rules: ParsedRule[];
    try {
      rules = await this.rules();
      const clash = rules.find((r) => r.chain === 'prerouting' && r.daddr === m.publicIp && r.recordId !== m.recordId);
      if (clash) {
        throw new OutpostError('NAT_CONFLICT', `${m.publicIp} is already translated on ${this.c.runner.where} by ${clash.recordId !== null ? `NAT record ${clash.recordId}` : 'a rule that is not a 1:1 NAT (a port forward?)'} (to ${clash.dnat ?? '?'}).`, {
          publicIp: m.publicIp,
        });
      }
    } catch (err) {
      throw beforeAnyChange(err);
    }
    await this.ensureTable();
    let changed = false;
    const wanted = [
      { chain: 'prerouting', ok: (r: ParsedRule) => r.daddr === m.publicIp && r.dnat === m.privateIp && r.saddr === null, add: ['ip', 'daddr', m.publicIp, 'dnat', 'to', m.privateIp] },
      { chain: 'postrouting', ok: (r: ParsedRule) => r.saddr === m.privateIp && r.snat === m.publicIp && r.daddr === null, add: ['ip', 'saddr', m.privateIp, 'snat', 'to', m.publicIp] },
    ];
    for (const w of wanted) {
      const mine = rules.filter((r) => r.chain === w.chain && r.recordId === m.recordId);
      const exact = mine.find(w.ok);
      for (const stale of mine) {
        if (stale === exact) continue;
        await this.nft(['delete', 'rule', 'ip', NFT_TABLE, w.chain, 'handle', String(stale.handle)]);
        changed = true;
      }
      if (!exact) {
        await this.nft(['add', 'rule', 'ip', NFT_TABLE, w.chain, ...w.add, 'comment', `"${ruleTag(m.recordId)}"`]);
        changed = true;
      }
    }
    if (this.c.settings.publicInterface) changed = (await ensurePublicAddress(this.c.runner, this.c.settings.publicInterface, m.publicIp)) || changed;
    return { applied: true, changed };
  }

  async remove(m: NatMapping): Promise<EnsureOutcome> {
    let changed = false;
    const rules = await this.rules().catch((err: unknown) => {
      throw beforeAnyChange(err);
    });
    for (const r of rules) {
      if (r.recordId !== m.recordId) continue;
      await this.nft(['delete', 'rule', 'ip', NFT_TABLE, r.chain, 'handle', String(r.handle)]);
      changed = true;
    }
    if (this.c.settings.publicInterface) changed = (await removePublicAddress(this.c.runner, this.c.settings.publicInterface, m.publicIp)) || changed;
    return { applied: true, changed };
  }

  async observe(): Promise<ObservedNat[]> {
    const byRecord = new Map<number, ObservedNat>();
    for (const r of await this.rules()) {
      if (r.recordId === null) continue;
      const entry = byRecord.get(r.recordId) ?? { recordId: r.recordId, dnat: null, snat: null };
      if (r.chain === 'prerouting' && r.daddr && r.dnat) entry.dnat = { publicIp: r.daddr, privateIp: r.dnat };
      if (r.chain === 'postrouting' && r.saddr && r.snat) entry.snat = { privateIp: r.saddr, publicIp: r.snat };
      byRecord.set(r.recordId, entry);
    }
    return [...byRecord.values()].sort((a, b) => a.recordId - b.recordId);
  }

  observePolicy(): Promise<ObservedPolicyRule[]> {
    return new NftPolicy(this.c.runner, NFT_TABLE).observe();
  }

  applyPolicy(desired: PolicyRule[]): Promise<EnsureOutcome> {
    return new NftPolicy(this.c.runner, NFT_TABLE).apply(desired);
  }

  private async ensureTable(): Promise<void> {
    // `add` is idempotent for tables and chains in nft.
    await this.nft(['add', 'table', 'ip', NFT_TABLE]);
    await this.nft(['add', 'chain', 'ip', NFT_TABLE, 'prerouting', '{ type nat hook prerouting priority dstnat; policy accept; }']);
    await this.nft(['add', 'chain', 'ip', NFT_TABLE, 'postrouting', '{ type nat hook postrouting priority srcnat; policy accept; }']);
  }

  private async rules(): Promise<ParsedRule[]> {
    return (await nftTableRules(this.c.runner, NFT_TABLE)).map(parseRule);
  }

  private async nft(args: string[]): Promise<void> {
    await runChecked(this.c.runner, ['nft', ...args], { timeoutMs: 15_000 });
  }
}
