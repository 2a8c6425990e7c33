import type { DriftItem, NatAllowView, NatForwardView } from '../contract/firewall-policy.js';

/**
 * Firewall policy beside 1:1 NAT, as the drivers see it: every rule carries a tag (its comment
 * on the firewall) that names it exactly, so a driver can read back Outpost's own rules, compare
 * them with what the store wants, and touch nothing else.
 *
 * - forward: public IP:port -> private IP:port (DNAT with a port).
 * - allow:   a client source may open connections whose original destination is the public
 *            address (and port). One per allow-list entry per public address it covers.
 * - guard:   every other new connection to that public address is dropped. A public address has
 *            a guard only while it has an allow-list: no list, no guard, open as before.
 */
export type PolicyRule =
  | { kind: 'forward'; tag: string; publicIp: string; publicPort: number; proto: 'tcp' | 'udp'; privateIp: string; privatePort: number }
  | { kind: 'allow'; tag: string; publicIp: string; source: string; proto: 'tcp' | 'udp' | null; port: number | null }
  | { kind: 'guard'; tag: string; publicIp: string }
  /** What sends forwarded traffic through Outpost's policy at all (iptables: a jump from FORWARD; nft: the hooked chain). */
  | { kind: 'hook'; tag: string };

/** A rule read back from a firewall: what it says, plus anything in it Outpost would not have written. */
export type ObservedPolicyRule = PolicyRule & { anomaly?: string };

export const forwardTag = (id: number): string => `outpost:fwd:${id}`;
export const allowTag = (id: number, publicIp: string): string => `outpost:allow:${id}@${publicIp}`;
export const guardTag = (publicIp: string): string => `outpost:guard:${publicIp}`;
export const HOOK_TAG = 'outpost:policy';

/** The kind of policy rule a comment names, or null when it is not one of Outpost's policy tags. */
export function policyTagKind(comment: string | null | undefined): PolicyRule['kind'] | null {
  if (!comment) return null;
  if (/^outpost:fwd:\d+$/.test(comment)) return 'forward';
  if (/^outpost:allow:\d+@[0-9.]+$/.test(comment)) return 'allow';
  if (/^outpost:guard:[0-9.]+$/.test(comment)) return 'guard';
  if (comment === HOOK_TAG) return 'hook';
  return null;
}

/** `a.b.c.d` -> `a.b.c.d/32`; a CIDR stays as it is. */
export const asCidr = (v: string): string => (v.includes('/') ? v : `${v}/32`);

/**
 * What the store wants on one firewall. Addresses with an allow-list are the ones named by an
 * entry, plus, when the firewall has firewall-wide entries, every public address it serves (its
 * live NATs and forwards).
 */
export function desiredPolicy(input: { natPublicIps: string[]; allows: NatAllowView[]; forwards: NatForwardView[] }): PolicyRule[] {
  const rules: PolicyRule[] = input.forwards.map((f) => ({
    kind: 'forward',
    tag: forwardTag(f.id),
    publicIp: f.publicIp,
    publicPort: f.publicPort,
    proto: f.proto,
    privateIp: f.privateIp,
    privatePort: f.privatePort,
  }));
  const wide = input.allows.filter((a) => a.publicIp === null);
  const addresses = new Set(input.allows.flatMap((a) => (a.publicIp === null ? [] : [a.publicIp])));
  if (wide.length > 0) for (const ip of [...input.natPublicIps, ...input.forwards.map((f) => f.publicIp)]) addresses.add(ip);
  if (addresses.size > 0) rules.push({ kind: 'hook', tag: HOOK_TAG });
  for (const ip of [...addresses].sort(byAddress)) {
    for (const a of input.allows.filter((x) => x.publicIp === ip || x.publicIp === null)) {
      rules.push({ kind: 'allow', tag: allowTag(a.id, ip), publicIp: ip, source: a.source, proto: a.proto, port: a.port });
    }
    rules.push({ kind: 'guard', tag: guardTag(ip), publicIp: ip });
  }
  return rules;
}

function byAddress(a: string, b: string): number {
  const n = (ip: string) => ip.split('.').reduce((acc, part) => acc * 256 + Number(part), 0);
  return n(a) - n(b);
}

/** One line a person can read: what the rule does. */
export function describeRule(r: PolicyRule): string {
  switch (r.kind) {
    case 'forward':
      return `forward ${r.proto} ${r.publicIp}:${r.publicPort} -> ${r.privateIp}:${r.privatePort}`;
    case 'allow':
      return `allow ${r.source} -> ${r.publicIp}${r.port !== null ? ` ${r.proto ?? 'tcp'}/${r.port}` : r.proto ? ` ${r.proto}` : ''}`;
    case 'guard':
      return `drop other new connections to ${r.publicIp}`;
    case 'hook':
      return "send forwarded traffic through Outpost's policy";
  }
}

const same = (a: ObservedPolicyRule, b: PolicyRule): boolean => a.anomaly === undefined && describeRule(a) === describeRule(b) && a.kind === b.kind;

/**
 * Differences by tag: a wanted rule not there is missing, a tagged rule nobody wants (or a second
 * copy of one) is extra, a tagged rule that says something else is changed.
 */
export function comparePolicy(desired: PolicyRule[], observed: ObservedPolicyRule[]): DriftItem[] {
  const items: DriftItem[] = [];
  const seen = new Set<string>();
  for (const o of observed) {
    const want = desired.find((d) => d.tag === o.tag);
    if (!want || seen.has(o.tag)) {
      items.push({ kind: 'extra', tag: o.tag, detail: `${describeRule(o)}${o.anomaly ? ` (${o.anomaly})` : ''}${want ? ' (a second copy)' : ''}` });
      continue;
    }
    seen.add(o.tag);
    if (!same(o, want)) items.push({ kind: 'changed', tag: o.tag, detail: `expected ${describeRule(want)}, found ${describeRule(o)}${o.anomaly ? ` (${o.anomaly})` : ''}` });
  }
  for (const d of desired) if (!seen.has(d.tag)) items.push({ kind: 'missing', tag: d.tag, detail: describeRule(d) });
  return items;
}

/** Which observed rules to delete and which wanted rules to add so the firewall says exactly `desired`. */
export function planPolicy<O extends ObservedPolicyRule>(desired: PolicyRule[], observed: O[]): { remove: O[]; add: PolicyRule[] } {
  const keep = new Set<string>();
  const remove: O[] = [];
  for (const o of observed) {
    const want = desired.find((d) => d.tag === o.tag);
    if (want && !keep.has(o.tag) && same(o, want)) keep.add(o.tag);
    else remove.push(o);
  }
  return { remove, add: desired.filter((d) => !keep.has(d.tag)) };
}
