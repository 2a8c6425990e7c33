import { z } from 'zod';
import { credentialName, firewallName, poolName, siteName } from './names.js';
import type { CommandSpec } from './command-spec.js';

/**
 * Guest OS enrollment (GOSS, seed 000), offboarding and the CMDB.
 *
 * Flow the UI follows:
 *  1. `enrollment.rules` — the OS rules (supported families/versions, min free disk, required
 *     services) to show next to the VM picker.
 *  2. `enrollment.check` — per VM, every requirement with pass/fail/warn before anything changes
 *     (inventory eligibility always; guest login, OS version, disk and services when `guest` is on).
 *  3. `enrollment.start` — one durable procedure (kind `enroll-vm`) per VM, run with bounded
 *     concurrency; progress arrives as the existing `procedure.updated` / `procedure.log` events,
 *     details through `procedures.get`. One VM's failure never stops the others.
 *  4. `cmdb.list` / `cmdb.exportCsv` — what is enrolled (and was), live through `cmdb.changed`.
 *  5. `enrollment.offboard` — one procedure (kind `offboard-vm`) per enrolled VM that reverses every step.
 *
 * A VM is referred to as in `vm.power`: its name, moref, BIOS uuid or instance uuid within the site.
 */

const vmRef = z.string().trim().min(1).max(500);
const vmRefs = z.array(vmRef).min(1, 'pick at least one VM').max(500, 'at most 500 VMs per batch');
/** A credential profile name (`credentials.list`), as in remote.ts. */
const accountName = z.string().trim().regex(/^[a-z_][a-z0-9_-]{0,31}$/, 'a lower-case account name (letters, digits, _ and -; up to 32)');
const errorSchema = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });

export const osFamilySchema = z.enum(['linux', 'windows']);
export type OsFamily = z.infer<typeof osFamilySchema>;

/** One supported OS from `resources/enrollment/os-requirements.json`. */
export const osRuleSchema = z.object({
  /** Stable id, e.g. "debian", "ubuntu", "rhel", "windows-server". */
  id: z.string(),
  label: z.string(),
  family: osFamilySchema,
  /** Regular expressions (case-insensitive) a VM's guestId / guestFullName must match (either). */
  guestIdPattern: z.string().nullable(),
  guestFullNamePattern: z.string().nullable(),
  /** What the guest itself reports: os-release ID on Linux (debian, ubuntu, rhel, ...), "windows" on Windows. */
  guestOsIds: z.array(z.string()),
  /** Lowest major version accepted, read in the guest (os-release VERSION_ID / Windows build); null: any. */
  minVersion: z.string().nullable(),
  /** Free space needed on the root (Linux) or system (Windows) volume. */
  minFreeDiskMB: z.number().int(),
  /** Services that must exist in the guest; enrollment enables (and starts) them. */
  requiredServices: z.array(z.string()),
  /** How Outpost reaches the guest over the network. */
  access: z.enum(['ssh', 'winrm']),
});
export type OsRule = z.infer<typeof osRuleSchema>;

export const enrollmentRulesSchema = z.object({
  /** Where the rules were read from (the operator edits that file). */
  source: z.string(),
  rules: z.array(osRuleSchema),
  /** Whether `ansible-playbook` is on PATH: OS actions then run `resources/enrollment/enroll.yml`. */
  ansibleAvailable: z.boolean(),
});
export type EnrollmentRules = z.infer<typeof enrollmentRulesSchema>;

/**
 * Ids of the requirement checks, in the order they run:
 * inventory: `found`, `powered-on`, `tools-running`, `not-enrolled`, `private-ip`, `os-rule`;
 * guest (when `guest: true`): `credentials`, `identity` (the machine at the address is this VM: its
 * SMBIOS UUID is the VM's BIOS UUID), `os-version`, `free-disk`, `services`;
 * targets: `firewall`, `pool`.
 */
export const requirementIdSchema = z.enum([
  'found',
  'powered-on',
  'tools-running',
  'not-enrolled',
  'private-ip',
  'os-rule',
  'credentials',
  'identity',
  'os-version',
  'free-disk',
  'services',
  'firewall',
  'pool',
]);
export type RequirementId = z.infer<typeof requirementIdSchema>;

export const requirementResultSchema = z.object({
  id: requirementIdSchema,
  label: z.string(),
  /** `skipped`: not run because an earlier check failed or `guest` was off. */
  status: z.enum(['pass', 'fail', 'warn', 'skipped']),
  /** What was found, or what the operator can do about a failure. */
  message: z.string(),
  /** The error code when status is fail (e.g. SSH_AUTH, ENROLL_INELIGIBLE, OS_UNSUPPORTED). */
  code: z.string().nullable(),
});
export type RequirementResult = z.infer<typeof requirementResultSchema>;

/** How the guest credentials were validated. */
export const credentialMethodSchema = z.enum(['guest-api', 'ssh', 'winrm']);
export type CredentialMethod = z.infer<typeof credentialMethodSchema>;

export const vmEligibilitySchema = z.object({
  /** The reference as given. */
  vm: z.string(),
  /** Resolved from the inventory; null when not found. */
  name: z.string().nullable(),
  moref: z.string().nullable(),
  instanceUuid: z.string().nullable(),
  guestFullName: z.string().nullable(),
  privateIp: z.string().nullable(),
  /** The matching OS rule id, or null. */
  osRule: z.string().nullable(),
  credentialMethod: credentialMethodSchema.nullable(),
  /** True when no check failed (warnings allowed). */
  eligible: z.boolean(),
  checks: z.array(requirementResultSchema),
});
export type VmEligibility = z.infer<typeof vmEligibilitySchema>;

const enrollTargets = {
  site: siteName,
  vms: vmRefs,
  /** Guest credential profile (password or private key) used for the first login and the OS actions. */
  credential: credentialName,
  /** Firewall that gets the 1:1 NAT (`firewalls.list`). */
  firewall: firewallName,
  /** Public pool the address is allocated from (`ipam.pools.list`, kind public). */
  pool: poolName,
};

export const enrollmentCheckInputSchema = z
  .object({
    ...enrollTargets,
    /** Also log in to each guest and run the OS checks (slower; inventory checks only when false). */
    guest: z.boolean().default(true),
  })
  .strict();

export const enrollmentCheckSchema = z.object({
  site: z.string(),
  vms: z.array(vmEligibilitySchema),
  /** Firewall and pool checks, shared by every VM. */
  targets: z.array(requirementResultSchema),
  /** Free addresses left in the pool (as a decimal string: IPv6 pools are huge). */
  poolFree: z.string().nullable(),
});
export type EnrollmentCheck = z.infer<typeof enrollmentCheckSchema>;

export const enrollmentStartInputSchema = z
  .object({
    ...enrollTargets,
    /** How many VMs run at the same time; the others wait their turn. */
    concurrency: z.number().int().min(1).max(32).default(4),
    /** The service account created in each guest. */
    serviceAccount: accountName.default('outpost'),
    /**
     * Private-key credential profile whose public key is installed for the service account and used
     * to verify access through the public IP. Omitted: Outpost's own profile `outpost-enrollment`
     * (an ed25519 key generated once and sealed in the vault).
     */
    serviceCredential: credentialName.optional(),
    /** Set the guest host name to the VM name (lower-cased, invalid characters replaced by -). */
    setHostname: z.boolean().default(true),
    /** OS actions: `auto` runs the Ansible playbook when ansible-playbook is on PATH, else the built-in steps. */
    osActions: z.enum(['auto', 'builtin', 'ansible']).default('auto'),
  })
  .strict();

/** One VM of a batch: a procedure id, or why it could not start (e.g. NOT_FOUND). */
export const batchItemSchema = z.object({
  vm: z.string(),
  name: z.string().nullable(),
  procedureId: z.string().nullable(),
  error: errorSchema.nullable(),
});
export type BatchItem = z.infer<typeof batchItemSchema>;

export const batchStartedSchema = z.object({
  /** Shared by every procedure of the batch (in their context as `batchId`). */
  batchId: z.string(),
  concurrency: z.number().int(),
  items: z.array(batchItemSchema),
});
export type BatchStarted = z.infer<typeof batchStartedSchema>;

export const enrollmentOffboardInputSchema = z
  .object({
    site: siteName,
    vms: vmRefs,
    concurrency: z.number().int().min(1).max(32).default(4),
    /** Also delete the service account in the guest (needs the guest reachable). */
    removeAccount: z.boolean().default(true),
  })
  .strict();

export const cmdbRecordSchema = z.object({
  id: z.number().int(),
  site: z.string(),
  vmMoref: z.string(),
  /** vCenter's instance uuid of the VM (stable across renames), as the inventory stores it. */
  instanceUuid: z.string().nullable(),
  vmName: z.string(),
  /** Guest OS as vCenter reports it, and the OS rule it matched. */
  os: z.string().nullable(),
  osRule: z.string().nullable(),
  privateIp: z.string(),
  publicIp: z.string().nullable(),
  natRecordId: z.number().int().nullable(),
  firewall: z.string(),
  credential: z.string(),
  serviceAccount: z.string(),
  credentialMethod: credentialMethodSchema.nullable(),
  enrolledAt: z.string(),
  enrolledBy: z.string(),
  offboardedAt: z.string().nullable(),
  offboardedBy: z.string().nullable(),
  enrollProcedureId: z.string().nullable(),
  offboardProcedureId: z.string().nullable(),
  /** active: enrolled now; offboarded: history. */
  status: z.enum(['active', 'offboarded']),
  /** When the watcher saw vCenter delete the VM of an active record: its NAT and addresses are orphans. */
  vcenterDeletedAt: z.string().nullable(),
  /** NAT drift: the guest reports this IP, not privateIp (the NAT points at nothing); null when in line. */
  guestIpSeen: z.string().nullable(),
  guestIpSeenAt: z.string().nullable(),
});
export type CmdbRecord = z.infer<typeof cmdbRecordSchema>;

/** An active record whose VM vCenter deleted, with what it still holds. */
export const cmdbOrphanSchema = z.object({
  record: cmdbRecordSchema,
  nat: z.object({ id: z.number().int(), firewall: z.string(), publicIp: z.string(), privateIp: z.string(), state: z.string() }).nullable(),
  /** IPAM allocations the enrollment made for the VM (public and private). */
  addresses: z.array(z.object({ pool: z.string(), address: z.string(), purpose: z.string() })),
});
export type CmdbOrphan = z.infer<typeof cmdbOrphanSchema>;

export const cmdbAttentionSchema = z.object({
  orphans: z.array(cmdbOrphanSchema),
  /** Active records whose guest IP no longer matches their NAT's private IP. */
  drift: z.array(cmdbRecordSchema),
});
export type CmdbAttention = z.infer<typeof cmdbAttentionSchema>;

export const cmdbListInputSchema = z
  .object({
    site: siteName.optional(),
    /** Substring over VM name, OS, private and public IP. */
    query: z.string().max(200).optional(),
    firewall: firewallName.optional(),
    /** Active rows only unless `offboarded` or `all`. */
    status: z.enum(['active', 'offboarded', 'all']).default('active'),
    limit: z.number().int().min(1).max(10_000).default(1000),
  })
  .strict();

/** Enrollment, offboarding and the CMDB. Spread into `commands` (commands.ts). */
export const enrollmentCommands = {
  'enrollment.rules': {
    summary: 'The OS requirement rules enrollment checks against, and whether Ansible is available',
    input: z.object({}).strict(),
    output: enrollmentRulesSchema,
  },
  'enrollment.check': {
    summary: 'Per-VM eligibility and requirement results before enrolling (changes nothing in the guests; a guest seen for the first time has its SSH host key recorded)',
    input: enrollmentCheckInputSchema,
    output: enrollmentCheckSchema,
  },
  'enrollment.start': {
    summary: 'Enroll VMs: one enroll-vm procedure per VM, bounded concurrency; returns the procedure ids',
    input: enrollmentStartInputSchema,
    output: batchStartedSchema,
  },
  'enrollment.offboard': {
    summary: 'Offboard enrolled VMs: one offboard-vm procedure per VM that reverses every enrollment step',
    input: enrollmentOffboardInputSchema,
    output: batchStartedSchema,
  },
  'cmdb.list': {
    summary: 'CMDB records of enrolled (and, on request, offboarded) VMs, newest first',
    input: cmdbListInputSchema,
    output: z.array(cmdbRecordSchema),
  },
  'cmdb.orphans': {
    summary: 'What needs the operator: records of VMs deleted in vCenter (their NAT and addresses are orphans: offboard them) and NAT drift (guest IP changed)',
    input: z.object({ site: siteName.optional() }).strict(),
    output: cmdbAttentionSchema,
  },
  'cmdb.exportCsv': {
    summary: 'The CMDB records the same filters select, as CSV text (RFC 4180, header row)',
    input: cmdbListInputSchema,
    output: z.object({ filename: z.string(), csv: z.string(), rows: z.number().int() }),
  },
} as const satisfies Record<string, CommandSpec>;
