import { ruleTag, type EnsureOutcome, type FirewallDriver, type NatMapping, type ObservedNat } from '../firewall-driver.js';
import { iptablesRules } from './linux-iptables.js';
import { iptablesPolicyRule, POLICY_CHAIN } from './iptables-policy.js';
import { nftPolicyStatement, NFT_HOOK_CHAIN_SPEC, NFT_POLICY_CHAIN } from './nft-policy.js';
import { describeRule, HOOK_TAG, type ObservedPolicyRule, type PolicyRule } from '../policy.js';

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

  /** Outpost cannot read a manual firewall: the reconciler reports it as unknown. */
  async observePolicy(): Promise<ObservedPolicyRule[]> {
    return [];
  }

  /** The whole policy Outpost wants there, to replace whatever of Outpost's rules the firewall has now. */
  async applyPolicy(desired: PolicyRule[]): Promise<EnsureOutcome> {
    return { applied: false, instructions: this.policyInstructions(desired) };
  }

  policyInstructions(desired: PolicyRule[]): string {
    const rules = desired.filter((r): r is Exclude<PolicyRule, { kind: 'hook' }> => r.kind !== 'hook');
    const hooked = desired.some((r) => r.kind === 'hook');
    if (this.syntax === 'iptables') {
      const line = (argv: string[]) => argv.map(quote).join(' ');
      // Allows are inserted at the top, so add them last; iptablesPolicyRule places each one.
      const ordered = [...rules].sort((a, b) => Number(a.kind === 'allow') - Number(b.kind === 'allow'));
      return [
        `# Delete every rule commented outpost:fwd:*, outpost:allow:* or outpost:guard:* (iptables-save | grep outpost:), then:`,
        ...(hooked ? [line(['iptables', '-N', POLICY_CHAIN]) + '   # if it does not exist', line(['iptables', '-I', 'FORWARD', '1', '-m', 'comment', '--comment', HOOK_TAG, '-j', POLICY_CHAIN]) + '   # if not there yet'] : []),
        ...ordered.map((r) => {
          const p = iptablesPolicyRule(r);
          return line(['iptables', '-t', p.table, ...(p.position === 'first' ? ['-I', p.chain, '1'] : ['-A', p.chain]), ...p.spec]);
        }),
      ].join('\n');
    }
    if (this.syntax === 'nft') {
      const ordered = [...rules].sort((a, b) => Number(a.kind === 'allow') - Number(b.kind === 'allow'));
      return [
        `# nft -a list table ip outpost_nat, delete every rule commented outpost:fwd:*, outpost:allow:* or outpost:guard:* by handle, then:`,
        ...(hooked ? [`nft add chain ip outpost_nat ${NFT_POLICY_CHAIN} '${NFT_HOOK_CHAIN_SPEC}'`] : [`nft delete chain ip outpost_nat ${NFT_POLICY_CHAIN}   # if it exists`]),
        ...ordered.map((r) => {
          const s = nftPolicyStatement(r);
          return `nft ${s.verb} rule ip outpost_nat ${s.chain} ${s.args.map((a) => (a.startsWith('"') ? `'${a}'` : a)).join(' ')}`;
        }),
      ].join('\n');
    }
    return [
      `Change request: firewall policy on ${this.firewallName} (replaces every earlier Outpost policy request)`,
      ...(rules.length === 0 ? ['  No port forwards and no allow-lists: remove any that earlier requests added.'] : rules.map((r) => `  ${describeRule(r)}   [ref ${r.tag}]`)),
      '  Allow-lists match the address (and port) the client connected to, before translation; a public address',
      '  without an allow-list stays open to every source.',
    ].join('\n');
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
