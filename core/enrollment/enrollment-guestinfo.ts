import { readExtraConfig, writeExtraConfig, type ExtraConfigEntry } from '../vsphere/vm-extra-config.js';
import type { EnrollmentService } from './enrollment-service.js';

/**
 * What enrollment tells the guest through guestinfo (seed 003: "IP information injected through
 * guestinfo"), read inside the VM with VMware Tools, e.g.
 * `vmtoolsd --cmd "info-get guestinfo.outpost.public_ip"`. Configuration, not secrets.
 */
export const ENROLLMENT_GUESTINFO_KEYS = ['guestinfo.outpost.public_ip', 'guestinfo.outpost.private_ip', 'guestinfo.outpost.nat_firewall', 'guestinfo.outpost.nat_record', 'guestinfo.outpost.cmdb_id'] as const;

export interface EnrollmentGuestInfo {
  publicIp: string | null;
  privateIp: string;
  firewall: string;
  natRecordId: number | null;
  cmdbId: number;
}

export function enrollmentGuestInfoEntries(g: EnrollmentGuestInfo): ExtraConfigEntry[] {
  const values = [g.publicIp ?? '', g.privateIp, g.firewall, g.natRecordId === null ? '' : String(g.natRecordId), String(g.cmdbId)];
  return ENROLLMENT_GUESTINFO_KEYS.map((key, i) => ({ key, value: values[i]! })).filter((e) => e.value !== '');
}

const vmRef = (moref: string) => ({ type: 'VirtualMachine', value: moref });

/**
 * Writes the keys in one ReconfigVM_Task and returns what they held before, for the undo. A key
 * that already holds the value written counts as absent before: after a crash between the write
 * and the step's commit, the re-run must not take this run's own values for the VM's old ones.
 */
export async function injectGuestInfo(e: EnrollmentService, siteId: number, moref: string, entries: readonly ExtraConfigEntry[]): Promise<ExtraConfigEntry[]> {
  const session = await e.session(siteId);
  const now = new Map((await readExtraConfig(session, vmRef(moref))).map((x) => [x.key, x.value]));
  const previous = entries.flatMap((x) => {
    const old = now.get(x.key);
    return old !== undefined && old !== x.value ? [{ key: x.key, value: old }] : [];
  });
  if (entries.some((x) => now.get(x.key) !== x.value)) await writeExtraConfig(session, vmRef(moref), entries);
  return previous;
}

/**
 * Takes enrollment's keys off the VM: each back to what it held before enrollment (`previous`), or
 * removed. Only keys that still hold what enrollment wrote (`written`): an operator's later value is
 * left alone. Idempotent. Returns the keys changed.
 */
export async function clearGuestInfo(e: EnrollmentService, siteId: number, moref: string, written: readonly ExtraConfigEntry[], previous: readonly ExtraConfigEntry[] = []): Promise<string[]> {
  const session = await e.session(siteId);
  const now = new Map((await readExtraConfig(session, vmRef(moref))).map((x) => [x.key, x.value]));
  const changes = written.filter((x) => now.get(x.key) === x.value).map((x) => ({ key: x.key, value: previous.find((p) => p.key === x.key)?.value ?? '' }));
  if (changes.length > 0) await writeExtraConfig(session, vmRef(moref), changes);
  return changes.map((c) => c.key);
}
