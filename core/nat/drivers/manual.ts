import { ruleTag, type EnsureOutcome, type FirewallDriver, type NatMapping, type ObservedNat } from '../firewall-driver.js';
import { iptablesRules } from './linux-iptables.js';

/** How the manual driver phrases its instructions: the firewall's own syntax where we know it. */
export type ManualSyntax = 'iptables' | 'nft' | 'generic';

const quote = (arg: string): string => (/^[A-Za-z0-9_./:=@%+-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`);

/**
 * For firewalls Outpost cannot drive: produces the exact commands (or a change request) for the
 * firewall team, and the NAT procedure then waits at an approval gate until the operator confirms.
 */
export class ManualDriver implements FirewallDriver {
  readonly kind = 'manual';

  constructor(
    private readonly firewallName: string,
    private readonly syntax: ManualSyntax = 'generic',
  ) {}

  async ensure(m: NatMapping): Promise<EnsureOutcome> {
    return { applied: false, instructions: this.instructions('add', m) };
  }

  async remove(m: NatMapping): Promise<EnsureOutcome> {
    return { applied: false, instructions: this.instructions('remove', m) };
  }

  /** Outpost cannot read a manual firewall; drift checks report it as unknown. */
  async observe(): Promise<ObservedNat[]> {
    return [];
  }

  instructions(action: 'add' | 'remove', m: NatMapping): string {
    const tag = ruleTag(m.recordId);
    if (this.syntax === 'iptables') {
      const flag = action === 'add' ? '-A' : '-D';
      return iptablesRules(m)
        .map((r) => ['iptables', '-t', 'nat', flag, r.chain, ...r.spec].map(quote).join(' '))
        .join('\n');
    }
    if (this.syntax === 'nft') {
      return action === 'add'
        ? [
            `nft add rule ip outpost_nat prerouting ip daddr ${m.publicIp} dnat to ${m.privateIp} comment '"${tag}"'`,
            `nft add rule ip outpost_nat postrouting ip saddr ${m.privateIp} snat to ${m.publicIp} comment '"${tag}"'`,
          ].join('\n')
        : `nft -a list table ip outpost_nat   # then: nft delete rule ip outpost_nat <chain> handle <n> for each rule commented ${tag}`;
    }
    const verb = action === 'add' ? 'Add' : 'Remove';
    return [
      `Change request: ${verb} a 1:1 NAT on firewall ${this.firewallName}`,
      `  Public address : ${m.publicIp}`,
      `  Private address: ${m.privateIp}`,
      `  Inbound  : destination ${m.publicIp} -> translate destination to ${m.privateIp}`,
      `  Outbound : source ${m.privateIp} -> translate source to ${m.publicIp}`,
      action === 'add' ? `  Also: add ${m.publicIp} to the firewall's public interface.` : `  Also: remove ${m.publicIp} from the firewall's public interface.`,
      `  Reference: ${tag} (please keep it in the rule description)`,
    ].join('\n');
  }
}
