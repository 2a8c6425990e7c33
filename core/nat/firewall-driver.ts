import { OutpostError, toContractError, type ContractError } from '../contract/errors.js';
import type { CommandRunner } from '../exec/command-runner.js';
import type { ObservedPolicyRule, PolicyRule } from './policy.js';

/** One 1:1 NAT: traffic to the public address reaches the private one, and back. */
export interface NatMapping {
  /** The NAT record's id: every rule carries it in its comment, so Outpost finds exactly its own. */
  recordId: number;
  publicIp: string;
  privateIp: string;
}

/** What Outpost's own rules for one record look like on the firewall now. */
export interface ObservedNat {
  recordId: number;
  /** Destination NAT: public -> private (null when the rule is missing). */
  dnat: { publicIp: string; privateIp: string } | null;
  /** Source NAT: private -> public. */
  snat: { privateIp: string; publicIp: string } | null;
}

export type EnsureOutcome =
  | { applied: true; changed: boolean }
  /** The driver cannot act itself (manual firewall): the operator applies these and confirms. */
  | { applied: false; instructions: string };

export interface FirewallSettings {
  /** Interface that carries the public addresses; when set, public IPs are added to it (as seed 000 describes). */
  publicInterface?: string;
}

/**
 * A firewall Outpost can drive. ensure/remove are idempotent; observe reads back only Outpost's
 * own tagged rules; nothing else on the firewall is touched. A new driver is one file plus one
 * line in firewall-drivers.ts.
 */
export interface FirewallDriver {
  readonly kind: string;
  ensure(mapping: NatMapping): Promise<EnsureOutcome>;
  remove(mapping: NatMapping): Promise<EnsureOutcome>;
  observe(): Promise<ObservedNat[]>;
  /** Outpost's own policy rules (forwards, allow-lists, guards) as the firewall has them now. */
  observePolicy(): Promise<ObservedPolicyRule[]>;
  /**
   * Makes Outpost's policy rules on the firewall exactly `desired` (adds what is missing, deletes
   * extra and changed tagged rules; idempotent). A forward whose public IP:port another DNAT
   * already takes is NAT_CONFLICT, raised before anything changes.
   */
  applyPolicy(desired: PolicyRule[]): Promise<EnsureOutcome>;
}

export interface DriverContext {
  runner: CommandRunner;
  settings: FirewallSettings;
}

export const ruleTag = (recordId: number): string => `outpost:nat:${recordId}`;

export function parseRuleTag(comment: string): number | null {
  const m = /^outpost:nat:(\d+)$/.exec(comment);
  return m ? Number(m[1]) : null;
}

/** Whether what the firewall has matches the record exactly. */
export function matches(mapping: NatMapping, observed: ObservedNat | undefined): boolean {
  return (
    observed !== undefined &&
    observed.dnat?.publicIp === mapping.publicIp &&
    observed.dnat.privateIp === mapping.privateIp &&
    observed.snat?.privateIp === mapping.privateIp &&
    observed.snat.publicIp === mapping.publicIp
  );
}

/**
 * Marks an error raised before the driver changed anything (unreachable firewall, unreadable
 * rules, a conflict found while reading), so a rollback knows there is nothing to undo.
 */
export function beforeAnyChange(err: unknown): OutpostError {
  const e = toContractError(err);
  const details = typeof e.details === 'object' && e.details !== null ? e.details : {};
  return new OutpostError(e.code, e.message, { ...details, changed: false });
}

export function changedNothing(error: ContractError | null): boolean {
  return typeof error?.details === 'object' && error.details !== null && (error.details as { changed?: unknown }).changed === false;
}
