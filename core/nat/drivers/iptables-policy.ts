import { OutpostError } from '../../contract/errors.js';
import { runChecked, type CommandRunner } from '../../exec/command-runner.js';
import { beforeAnyChange, type EnsureOutcome } from '../firewall-driver.js';
import { parseIptablesSave, splitRuleLine, type SavedRule } from '../iptables-save-parser.js';
import { asCidr, planPolicy, policyTagKind, type ObservedPolicyRule, type PolicyRule } from '../policy.js';

/** Outpost's filter chain: FORWARD jumps to it; allow rules RETURN (the rest of FORWARD still applies), guards DROP. */
export const POLICY_CHAIN = 'OUTPOST_FWD';

type Table = 'nat' | 'filter';
interface Placed {
  table: Table;
  chain: string;
  /** -I (top of the chain: allows must come before guards) or -A. */
  position: 'first' | 'last';
  spec: string[];
}

const PROTO_NUMBER: Record<string, 'tcp' | 'udp'> = { '6': 'tcp', '17': 'udp', tcp: 'tcp', udp: 'udp' };
const host = (v: string | null): string | null => (v && v.endsWith('/32') ? v.slice(0, -3) : v);
const comment = (tag: string) => ['-m', 'comment', '--comment', tag];

/** Where a rule goes and its argv after the chain: the same shape iptables-save prints. */
export function iptablesPolicyRule(r: PolicyRule): Placed {
  switch (r.kind) {
    case 'forward':
      return {
        table: 'nat',
        chain: 'PREROUTING',
        position: 'last',
        spec: ['-d', `${r.publicIp}/32`, '-p', r.proto, '-m', r.proto, '--dport', String(r.publicPort), ...comment(r.tag), '-j', 'DNAT', '--to-destination', `${r.privateIp}:${r.privatePort}`],
      };
    case 'allow': {
      // conntrack's original destination: the public address (and port) the client asked for, before DNAT.
      const proto = r.port !== null ? (r.proto ?? 'tcp') : r.proto;
      const ports = proto ? ['--ctproto', proto, ...(r.port !== null ? ['--ctorigdstport', String(r.port)] : [])] : [];
      return { table: 'filter', chain: POLICY_CHAIN, position: 'first', spec: ['-s', r.source, '-m', 'conntrack', '--ctorigdst', `${r.publicIp}/32`, ...ports, ...comment(r.tag), '-j', 'RETURN'] };
    }
    case 'guard':
      // ORIGINAL direction only: replies of the VM's own outbound connections and of allowed clients pass.
      return { table: 'filter', chain: POLICY_CHAIN, position: 'last', spec: ['-m', 'conntrack', '--ctorigdst', `${r.publicIp}/32`, '--ctdir', 'ORIGINAL', ...comment(r.tag), '-j', 'DROP'] };
    case 'hook':
      return { table: 'filter', chain: 'FORWARD', position: 'first', spec: [...comment(r.tag), '-j', POLICY_CHAIN] };
  }
}

const KNOWN_FLAGS: Record<PolicyRule['kind'], string[]> = {
  forward: ['-d', '-p', '-m', '--dport', '--comment', '-j', '--to-destination'],
  allow: ['-s', '-m', '--ctorigdst', '--ctproto', '--ctorigdstport', '--comment', '-j'],
  guard: ['-m', '--ctorigdst', '--ctdir', '--comment', '-j'],
  hook: ['-m', '--comment', '-j'],
};
const EXPECTED: Record<PolicyRule['kind'], { chain: string; target: string }> = {
  forward: { chain: 'PREROUTING', target: 'DNAT' },
  allow: { chain: POLICY_CHAIN, target: 'RETURN' },
  guard: { chain: POLICY_CHAIN, target: 'DROP' },
  hook: { chain: 'FORWARD', target: POLICY_CHAIN },
};

export type SavedPolicyRule = ObservedPolicyRule & { saved: SavedRule };

/** Reads a tagged rule back into what it does; anything Outpost would not have written is its anomaly. */
export function parseSavedPolicyRule(r: SavedRule): SavedPolicyRule | null {
  const kind = policyTagKind(r.comment);
  if (!kind || r.comment === null) return null;
  const value = (flag: string): string | null => {
    const i = r.spec.indexOf(flag);
    return i >= 0 ? (r.spec[i + 1] ?? null) : null;
  };
  const odd = r.spec.filter((t) => t.startsWith('-') && !KNOWN_FLAGS[kind].includes(t) && !/^-\d/.test(t));
  const anomalies = [...(odd.length ? [`unexpected ${odd.join(' ')}`] : [])];
  if (r.chain !== EXPECTED[kind].chain || r.target !== EXPECTED[kind].target) anomalies.push(`${r.chain} -j ${r.target ?? '?'}`);
  const base = { tag: r.comment, saved: r, ...(anomalies.length ? { anomaly: anomalies.join('; ') } : {}) };
  switch (kind) {
    case 'forward': {
      const [privateIp, privatePort] = (value('--to-destination') ?? '').split(':');
      return {
        ...base,
        kind,
        publicIp: host(value('-d')) ?? '?',
        publicPort: Number(value('--dport') ?? 0),
        proto: PROTO_NUMBER[value('-p') ?? ''] ?? 'tcp',
        privateIp: privateIp ?? '?',
        privatePort: Number(privatePort ?? 0),
      };
    }
    case 'allow': {
      const port = value('--ctorigdstport');
      const source = value('-s');
      return {
        ...base,
        kind,
        publicIp: host(value('--ctorigdst')) ?? '?',
        source: source ? asCidr(source) : '0.0.0.0/0',
        proto: PROTO_NUMBER[value('--ctproto') ?? ''] ?? null,
        port: port === null ? null : Number(port),
      };
    }
    case 'guard':
      return { ...base, kind, publicIp: host(value('--ctorigdst')) ?? '?', ...(value('--ctdir') !== 'ORIGINAL' && !base.anomaly ? { anomaly: 'not limited to the original direction' } : {}) };
    case 'hook':
      return { ...base, kind };
  }
}

/** Forwards, allow-lists and guards with iptables: nat PREROUTING for forwards, a chain of Outpost's own in filter for the rest. */
export class IptablesPolicy {
  constructor(private readonly runner: CommandRunner) {}

  async observe(): Promise<SavedPolicyRule[]> {
    return (await this.save()).rules.flatMap((r) => parseSavedPolicyRule(r) ?? []);
  }

  async apply(desired: PolicyRule[]): Promise<EnsureOutcome> {
    let plan: { remove: SavedPolicyRule[]; add: PolicyRule[] };
    let hasChain: boolean;
    try {
      const saved = await this.save();
      hasChain = saved.hasChain;
      const observed = saved.rules.flatMap((r) => parseSavedPolicyRule(r) ?? []);
      plan = planPolicy(desired, observed);
      for (const f of plan.add) if (f.kind === 'forward') checkForwardConflict(f, saved.rules, this.runner.where);
    } catch (err) {
      throw beforeAnyChange(err);
    }
    // Delete first (a changed rule is replaced, never duplicated); the hook last, so traffic is never half-filtered.
    for (const r of [...plan.remove].sort((a, b) => Number(a.kind === 'hook') - Number(b.kind === 'hook'))) await this.delete(r.saved);
    const needsChain = plan.add.some((r) => r.kind !== 'forward');
    if (needsChain && !hasChain) await this.iptables('filter', ['-N', POLICY_CHAIN]);
    // Guards before the hook, allows after it: while rules are added, nothing passes a guard it should not.
    const order: PolicyRule['kind'][] = ['forward', 'guard', 'allow', 'hook'];
    for (const r of [...plan.add].sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind))) {
      const p = iptablesPolicyRule(r);
      await this.iptables(p.table, p.position === 'first' ? ['-I', p.chain, '1', ...p.spec] : ['-A', p.chain, ...p.spec]);
    }
    return { applied: true, changed: plan.remove.length + plan.add.length > 0 };
  }

  /**
   * Deletes one rule by its number, found again just before (iptables-nft cannot delete some
   * conntrack rules by their saved spec: `--ctproto 6` no longer matches what it prints).
   */
  private async delete(rule: SavedRule): Promise<void> {
    const table = rule.table as Table;
    const lines = (await runChecked(this.runner, ['iptables', '-w', '5', '-t', table, '-S', rule.chain], { timeoutMs: 15_000 })).split('\n').filter((l) => l.startsWith('-A '));
    const specs = lines.map((l) => splitRuleLine(l).slice(2));
    const same = (spec: string[]) => spec.join(' ') === rule.spec.join(' ');
    const tagged = (spec: string[]) => spec[spec.indexOf('--comment') + 1] === rule.comment;
    const index = specs.findIndex(same) >= 0 ? specs.findIndex(same) : specs.findIndex(tagged);
    if (index < 0) return; // already gone
    await this.iptables(table, ['-D', rule.chain, String(index + 1)]);
  }

  private async save(): Promise<{ rules: SavedRule[]; hasChain: boolean }> {
    const text = await runChecked(this.runner, ['iptables-save'], { timeoutMs: 15_000 });
    return { rules: parseIptablesSave(text), hasChain: text.split('\n').some((l) => l.startsWith(`:${POLICY_CHAIN} `)) };
  }

  private async iptables(table: Table, args: string[]): Promise<void> {
    await runChecked(this.runner, ['iptables', '-w', '5', '-t', table, ...args], { timeoutMs: 15_000 });
  }
}

/** A DNAT on the same public address that is not this forward: a 1:1 NAT (all ports), a hand-made rule, or the same port. */
function checkForwardConflict(f: Extract<PolicyRule, { kind: 'forward' }>, saved: SavedRule[], where: string): void {
  const clash = saved.find((r) => {
    if (r.table !== 'nat' || r.chain !== 'PREROUTING' || r.target !== 'DNAT' || r.destination !== f.publicIp || r.comment === f.tag) return false;
    const i = r.spec.indexOf('--dport');
    const proto = r.spec[r.spec.indexOf('-p') + 1];
    return i < 0 || (Number(r.spec[i + 1]) === f.publicPort && (r.spec.indexOf('-p') < 0 || proto === f.proto));
  });
  if (clash) {
    throw new OutpostError(
      'NAT_CONFLICT',
      `${f.publicIp}:${f.publicPort} is already translated on ${where} by ${clash.comment?.startsWith('outpost:') ? clash.comment : 'a rule Outpost did not make'} (to ${clash.toDestination ?? '?'}).`,
      { publicIp: f.publicIp, publicPort: f.publicPort, rule: clash.spec.join(' ') },
    );
  }
}
