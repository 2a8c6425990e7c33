import { OutpostError } from '../../contract/errors.js';
import { runChecked } from '../../exec/command-runner.js';
import { beforeAnyChange, parseRuleTag, ruleTag, type DriverContext, type EnsureOutcome, type FirewallDriver, type NatMapping, type ObservedNat } from '../firewall-driver.js';
import { parseIptablesSave, type SavedRule } from '../iptables-save-parser.js';
import { ensurePublicAddress, removePublicAddress } from './public-address.js';
import { IptablesPolicy } from './iptables-policy.js';
import type { ObservedPolicyRule, PolicyRule } from '../policy.js';

/** The exact rules for a mapping, as argv after `-A CHAIN` (the same shape iptables-save prints). */
export function iptablesRules(m: NatMapping): { chain: 'PREROUTING' | 'POSTROUTING'; spec: string[] }[] {
  const tag = ruleTag(m.recordId);
  return [
    { chain: 'PREROUTING', spec: ['-d', `${m.publicIp}/32`, '-m', 'comment', '--comment', tag, '-j', 'DNAT', '--to-destination', m.privateIp] },
    { chain: 'POSTROUTING', spec: ['-s', `${m.privateIp}/32`, '-m', 'comment', '--comment', tag, '-j', 'SNAT', '--to-source', m.publicIp] },
  ];
}

/** Linux firewall with iptables (either backend), 1:1 DNAT + SNAT in the nat table, tagged by record. */
export class LinuxIptablesDriver implements FirewallDriver {
  readonly kind = 'linux-iptables';

  constructor(private readonly c: DriverContext) {}

  async ensure(m: NatMapping): Promise<EnsureOutcome> {
    let saved: SavedRule[];
    try {
      saved = await this.save();
      this.checkConflicts(m, saved);
    } catch (err) {
      throw beforeAnyChange(err);
    }
    let changed = false;
    for (const wanted of iptablesRules(m)) {
      const mine = saved.filter((r) => r.chain === wanted.chain && parseRuleTag(r.comment ?? '') === m.recordId);
      const exact = mine.find((r) => sameRule(r, m, wanted.chain));
      // Drift inside our own rules (edited by hand, or an older mapping): replace, never duplicate.
      for (const stale of mine) if (stale !== exact) await this.iptables(['-D', wanted.chain, ...stale.spec]);
      if (!exact) {
        await this.iptables(['-A', wanted.chain, ...wanted.spec]);
        changed = true;
      }
      changed ||= mine.length > (exact ? 1 : 0);
    }
    if (this.c.settings.publicInterface) changed = (await ensurePublicAddress(this.c.runner, this.c.settings.publicInterface, m.publicIp)) || changed;
    return { applied: true, changed };
  }

  async remove(m: NatMapping): Promise<EnsureOutcome> {
    const saved = await this.save().catch((err: unknown) => {
      throw beforeAnyChange(err);
    });
    let changed = false;
    for (const r of saved) {
      if (parseRuleTag(r.comment ?? '') !== m.recordId) continue;
      await this.iptables(['-D', r.chain, ...r.spec]);
      changed = true;
    }
    if (this.c.settings.publicInterface) changed = (await removePublicAddress(this.c.runner, this.c.settings.publicInterface, m.publicIp)) || changed;
    return { applied: true, changed };
  }

  async observe(): Promise<ObservedNat[]> {
    const byRecord = new Map<number, ObservedNat>();
    for (const r of await this.save()) {
      const id = parseRuleTag(r.comment ?? '');
      if (id === null) continue;
      const entry = byRecord.get(id) ?? { recordId: id, dnat: null, snat: null };
      if (r.chain === 'PREROUTING' && r.target === 'DNAT' && r.destination && r.toDestination) entry.dnat = { publicIp: r.destination, privateIp: r.toDestination };
      if (r.chain === 'POSTROUTING' && r.target === 'SNAT' && r.source && r.toSource) entry.snat = { privateIp: r.source, publicIp: r.toSource };
      byRecord.set(id, entry);
    }
    return [...byRecord.values()].sort((a, b) => a.recordId - b.recordId);
  }

  /** Someone else's DNAT for this public IP (a hand-made rule, or another record) is a conflict. */
  private checkConflicts(m: NatMapping, saved: SavedRule[]): void {
    const clash = saved.find(
      (r) => r.chain === 'PREROUTING' && r.target === 'DNAT' && r.destination === m.publicIp && parseRuleTag(r.comment ?? '') !== m.recordId,
    );
    if (clash) {
      const owner = parseRuleTag(clash.comment ?? '');
      throw new OutpostError(
        'NAT_CONFLICT',
        `${m.publicIp} is already translated on ${this.c.runner.where} by ${owner !== null ? `NAT record ${owner}` : clash.comment?.startsWith('outpost:') ? clash.comment : 'a rule Outpost did not make'} (to ${clash.toDestination ?? '?'}).`,
        { publicIp: m.publicIp, rule: clash.spec.join(' ') },
      );
    }
  }

  observePolicy(): Promise<ObservedPolicyRule[]> {
    return new IptablesPolicy(this.c.runner).observe();
  }

  applyPolicy(desired: PolicyRule[]): Promise<EnsureOutcome> {
    return new IptablesPolicy(this.c.runner).apply(desired);
  }

  private async save(): Promise<SavedRule[]> {
    return parseIptablesSave(await runChecked(this.c.runner, ['iptables-save', '-t', 'nat'], { timeoutMs: 15_000 }));
  }

  private async iptables(args: string[]): Promise<void> {
    // -w: wait for the xtables lock instead of failing when another tool holds it.
    await runChecked(this.c.runner, ['iptables', '-w', '5', '-t', 'nat', ...args], { timeoutMs: 15_000 });
  }
}

function sameRule(r: SavedRule, m: NatMapping, chain: 'PREROUTING' | 'POSTROUTING'): boolean {
  return chain === 'PREROUTING'
    ? r.target === 'DNAT' && r.destination === m.publicIp && r.toDestination === m.privateIp && r.source === null
    : r.target === 'SNAT' && r.source === m.privateIp && r.toSource === m.publicIp && r.destination === null;
}
