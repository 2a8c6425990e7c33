import { z } from 'zod';

/**
 * Stable error codes that cross the contract boundary. Codes are part of the contract:
 * the renderer, the CLI and scripts branch on them, so never rename one; add new ones.
 */
export const errorCodes = [
  'VALIDATION',
  'UNKNOWN_COMMAND',
  'UNAUTHORIZED',
  'NOT_FOUND',
  'CONFLICT',
  'VAULT_LOCKED',
  'VAULT_PASSPHRASE',
  'VAULT_CORRUPT',
  'DB_MIGRATION',
  'TRANSPORT',
  'VERIFY_FAILED',
  'ROLLBACK_FAILED',
  'CANCELLED',
  'IP_CONFLICT',
  'POOL_EXHAUSTED',
  'NAT_CONFLICT',
  'NAT_DRIFT',
  'FIREWALL_COMMAND',
  'UNREACHABLE',
  'CERT_INVALID',
  'CERT_PASSPHRASE',
  'TIMEOUT',
  'HOST_KEY_UNKNOWN',
  'HOST_KEY_CHANGED',
  'SSH_AUTH',
  'WINRM_AUTH',
  'WINRM_FAULT',
  'VCENTER_AUTH',
  'VCENTER_FAULT',
  'VCENTER_PROTOCOL',
  'TLS_UNTRUSTED',
  'TLS_CHANGED',
  'VLAN_CHECK_FAILED',
  'PROBE_FAILED',
  'REMOTE_COMMAND',
  /** Enrollment: the VM is not eligible (powered off, tools not running, already enrolled, no private IP). */
  'ENROLL_INELIGIBLE',
  /** Enrollment: the guest OS fails a requirement (unsupported OS or version, too little disk, missing service). */
  'OS_REQUIREMENT',
  /** Enrollment: the guest refused the credentials (guest API, SSH or WinRM; details.method says which). */
  'GUEST_AUTH',
  /** Enrollment: the machine answering at the VM's reported address is another machine (its SMBIOS UUID is not the VM's BIOS UUID). */
  'GUEST_IDENTITY_MISMATCH',
  /** Enrollment: the guest (or vCenter) did not tell the UUID, so the machine at the address cannot be confirmed as the VM. */
  'GUEST_IDENTITY_UNKNOWN',
  /** A request bigger than a transport carries (the host's 1 MiB message limit, core/contract/wire.ts): refused before it is sent. */
  'TOO_LARGE',
  /** The store file is not an Outpost store (empty, not SQLite, or another program's database); nothing was changed. */
  'DB_NOT_STORE',
  /** The store file is damaged (failed its integrity check); nothing was changed. */
  'DB_CORRUPT',
  /** PostgreSQL refused the login (wrong user or password, SQLSTATE 28P01/28000). */
  'DB_AUTH',
  /** Offline update: the bundle's signature, signing key or checksum does not verify (details.reason says which); nothing was changed. */
  'BUNDLE_UNVERIFIED',
  /** Offline update or rollback: the new version did not start or migrate; the old version keeps running on the untouched store. */
  'UPDATE_FAILED',
  /** Host upgrade: the host's backup has no off-host copy whose SHA-256 matches the host's (copy failed, mismatched or altered); the host is not reinstalled. */
  'BACKUP_NOT_VERIFIED',
  /** Team mode: the team database cannot be reached now; nothing was changed or queued (it reconnects by itself). */
  'TEAM_OFFLINE',
  /** Team mode: the team database refused the user name or password. */
  'TEAM_AUTH',
  /** Team mode: the team database holds another estate (or data without an estate id); nothing was copied. */
  'ESTATE_MISMATCH',
  /** RDP: nothing answers at the address (or through the tunnel); no credential was sent. */
  'RDP_UNREACHABLE',
  /** RDP: the server refused the credential (NLA) or the security negotiation. */
  'RDP_AUTH_FAILED',
  /** Session recording: the recordings folder is not writable or the disk is full. */
  'RECORDING_FAILED',
  /** SFTP: the server refused the path (permission, no such file, not a folder); nothing was left half-written. */
  'SFTP_REFUSED',
  /** Four-eyes: this kind of procedure needs its gate approved by another operator than the one who started the run. */
  'FOUR_EYES_REQUIRED',
  /** Upgrades: the host is in another active plan, or another plan is running (one rollout at a time); details.planId names it when known. Nothing was changed. */
  'UPGRADE_CONFLICT',
  'INTERNAL',
] as const;

export const errorCodeSchema = z.enum(errorCodes);
export type ErrorCode = z.infer<typeof errorCodeSchema>;

/** The only error shape that crosses a transport: never a stack trace. */
export const contractErrorSchema = z.object({
  code: errorCodeSchema,
  message: z.string(),
  details: z.unknown().optional(),
});
export type ContractError = z.infer<typeof contractErrorSchema>;

/** An error with a stable code; core services throw it, transports serialise it. */
export class OutpostError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message: string, details?: unknown) {
    super(message);
    this.name = 'OutpostError';
    this.code = code;
    this.details = details;
  }

  toContract(): ContractError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isOutpostError(value: unknown): value is OutpostError {
  return value instanceof OutpostError;
}

/** Turns anything thrown into a contract error; unknown errors keep only their message. */
export function toContractError(err: unknown): ContractError {
  if (err instanceof OutpostError) return err.toContract();
  const message = err instanceof Error ? err.message : String(err);
  return { code: 'INTERNAL', message };
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ContractError };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: ContractError): Result<never> => ({ ok: false, error });

/**
 * Runs a parse and, when it fails with VALIDATION, names the input field it was about (the same
 * `details.issues` shape zod failures have), so a form can mark the field and not only toast.
 */
/** atField for a check that has to ask the store (an async one). */
export async function atFieldAsync<T>(path: (string | number)[], parse: () => Promise<T>): Promise<T> {
  try {
    return await parse();
  } catch (err) {
    if (err instanceof OutpostError && err.code === 'VALIDATION') {
      throw new OutpostError('VALIDATION', err.message, { issues: [{ path: path.map(String), message: err.message }] });
    }
    throw err;
  }
}

export function atField<T>(path: (string | number)[], parse: () => T): T {
  try {
    return parse();
  } catch (err) {
    if (err instanceof OutpostError && err.code === 'VALIDATION') {
      throw new OutpostError('VALIDATION', err.message, { issues: [{ path: path.map(String), message: err.message }] });
    }
    throw err;
  }
}
