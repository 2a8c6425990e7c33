import type { OsFamily } from '../contract/enrollment.js';

/**
 * Guest identity: is the machine answering at a VM's Tools-reported address really that VM?
 * vCenter knows the VM's BIOS UUID (`config.uuid`); the guest's firmware shows the same value as
 * its SMBIOS system UUID. A stale Tools address, an IP conflict or a cloned VM makes another
 * machine answer there, and enrollment must not hand that machine credentials or a public NAT.
 */

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A UUID in its canonical lower-case 8-4-4-4-12 form, or null. Accepts what vCenter and guests print:
 * upper or lower case, surrounding space, braces, and VMware's serial-number spelling
 * ("42 1a 2b 3c ... 4d-5e ...", 16 hex byte pairs). Placeholders firmware shows when it has no UUID
 * (all zeros, all ones) are null: they identify nothing.
 */
export function canonicalUuid(text: string | null | undefined): string | null {
  if (!text) return null;
  const hex = text.trim().replace(/^\{|\}$/g, '').replace(/^VMware-/i, '').replace(/[\s-]/g, '').toLowerCase();
  if (!/^[0-9a-f]{32}$/.test(hex) || /^0+$/.test(hex) || /^f+$/.test(hex)) return null;
  const u = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  return UUID_RE.test(u) ? u : null;
}

const reverseBytes = (hex: string): string => hex.match(/../g)!.reverse().join('');

/** The same UUID with its first three fields byte-swapped (little-endian as SMBIOS 2.6+ stores them). */
export function byteSwappedUuid(uuid: string): string {
  const [a, b, c, ...rest] = uuid.split('-');
  return [reverseBytes(a!), reverseBytes(b!), reverseBytes(c!), ...rest].join('-');
}

export type UuidMatch = 'same' | 'byte-swapped' | 'different';

/**
 * Compares the VM's BIOS UUID (vCenter's config.uuid) with the UUID the guest reads from its
 * SMBIOS table. VMware's quirk: on older virtual hardware versions the guest's SMBIOS UUID shows
 * the first three fields (time_low, time_mid, time_hi) byte-swapped relative to config.uuid (the
 * firmware and the guest disagree on the SMBIOS 2.6 byte order); newer versions match exactly.
 * Both forms are the same machine, so both are accepted; anything else is another machine.
 */
export function compareUuids(vmBiosUuid: string, guestUuid: string): UuidMatch {
  const vm = canonicalUuid(vmBiosUuid);
  const guest = canonicalUuid(guestUuid);
  if (!vm || !guest) return 'different';
  if (vm === guest) return 'same';
  return byteSwappedUuid(vm) === guest ? 'byte-swapped' : 'different';
}

/**
 * Linux: the product UUID from sysfs (root only: 0400), through `sudo -n` when the credential is not
 * root (never a password: -n fails instead of asking), else dmidecode. Prints `uuid=` (empty when the
 * guest cannot tell) and where it came from.
 */
export const LINUX_IDENTITY = `
F=/sys/class/dmi/id/product_uuid
U=; S=
if [ -r "$F" ]; then U=$(cat "$F" 2>/dev/null) && S=sysfs; fi
if [ -z "$U" ] && [ -e "$F" ] && [ "$(id -u)" != 0 ] && command -v sudo >/dev/null 2>&1; then U=$(sudo -n cat "$F" 2>/dev/null) && S=sysfs-sudo; fi
if [ -z "$U" ] && command -v dmidecode >/dev/null 2>&1; then
  U=$(dmidecode -s system-uuid 2>/dev/null | tail -n 1) && S=dmidecode
  if [ -z "$U" ] && [ "$(id -u)" != 0 ]; then U=$(sudo -n dmidecode -s system-uuid 2>/dev/null | tail -n 1) && S=dmidecode-sudo; fi
fi
[ -n "$U" ] || S=
echo "uuid=$U"
echo "source=$S"
echo "uid=$(id -u)"
`;

/** Windows: the SMBIOS system UUID as CIM reports it. */
export const WINDOWS_IDENTITY = `
try { $p = Get-CimInstance -ClassName Win32_ComputerSystemProduct -ErrorAction Stop; "uuid=$($p.UUID)"; "source=Win32_ComputerSystemProduct" } catch { "uuid="; "source=" }
`;

export function identityScript(family: OsFamily): string {
  return family === 'windows' ? WINDOWS_IDENTITY : LINUX_IDENTITY;
}
