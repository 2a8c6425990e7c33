import { z } from 'zod';
import { credentialName, siteName } from './names.js';
import type { CommandSpec } from './command-spec.js';
import { parseHostPort } from './fanout.js';

const objectName = z.string().trim().min(1).max(253);
const build = z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'a build such as 24022510');
const absolutePath = z.string().trim().min(1).max(4096).regex(/^\//, 'an absolute path');
const planId = z.string().uuid();
const mac = z.string().trim().regex(/^([0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}$/, 'a MAC address such as 00:50:56:ab:cd:ef');

export const playbookRunId = z.string().regex(/^pb-[a-z0-9]{6,40}$/, 'a playbook run id (pb-…)');

/** One target's outcome, from the play recap: unreachable > failed > changed > ok; not-run when the recap does not name it. */
export const playbookHostResultSchema = z.object({
  /** Its name in the run's inventory. */
  name: z.string(),
  /** site/VM or host:port, as picked. */
  target: z.string(),
  status: z.enum(['pending', 'ok', 'changed', 'failed', 'unreachable', 'not-run']),
  ok: z.number().int(),
  changed: z.number().int(),
  failed: z.number().int(),
  unreachable: z.number().int(),
});
export type PlaybookHostResult = z.infer<typeof playbookHostResultSchema>;

export const playbookRunSchema = z.object({
  id: z.string(),
  playbook: z.string(),
  credential: z.string(),
  state: z.enum(['running', 'done', 'failed', 'cancelled']),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  startedBy: z.string(),
  exitCode: z.number().int().nullable(),
  /** Why the run as a whole failed (ansible-playbook could not start, a playbook syntax error, ...), or null. */
  error: z.string().nullable(),
  hosts: z.array(playbookHostResultSchema),
});
export type PlaybookRun = z.infer<typeof playbookRunSchema>;

/** Which hosts a plan covers: a whole cluster, or named hosts (of one site). */
const selection = {
  site: siteName,
  cluster: objectName.optional(),
  hosts: z.array(objectName).min(1).max(500).optional(),
  targetBuild: build,
  targetVersion: z.string().trim().min(1).max(64).optional(),
};

/** How a host is reached over SSH for the backup, configuration and soak probes. */
export const upgradeSshSchema = z
  .object({
    credential: credentialName,
    user: z.string().trim().min(1).max(64).optional(),
    port: z.number().int().min(1).max(65535).default(22),
  })
  .strict();

/** An SSH server that keeps the hosts' backups off the hosts (host key trusted in Outpost's known hosts). */
export const backupTargetSchema = z
  .object({
    host: z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9.:_-]+$/, 'a host name or address'),
    port: z.number().int().min(1).max(65535).default(22),
    user: z.string().trim().min(1).max(64).regex(/^[A-Za-z0-9._-]+$/, 'a user name').optional(),
    credential: credentialName,
    path: absolutePath,
  })
  .strict();
export type BackupTarget = z.output<typeof backupTargetSchema>;

/** Per-host reinstall: generated PXE artefacts (seed 001), or the operator boots the ISO by hand. */
export const reinstallSchema = z.discriminatedUnion('mode', [
  z.object({ mode: z.literal('manual') }).strict(),
  z
    .object({
      mode: z.literal('pxe'),
      isoDir: absolutePath,
      outDir: absolutePath,
      httpBase: z.string().trim().url(),
      tftpServer: z.string().trim().min(1).max(253),
      label: z.string().trim().regex(/^[a-z0-9.-]{1,64}$/, 'lower-case letters, digits, dots and dashes').optional(),
    })
    .strict(),
]);

/** The per-host steps' options; every host of a plan gets the same. */
export const upgradeOptionsSchema = z
  .object({
    ssh: upgradeSshSchema,
    /** An operator command that backs the host's data store up and leaves `artefactPath` behind (its sha256 is recorded). */
    backup: z
      .object({
        command: z.string().min(1).max(8192),
        artefactPath: absolutePath,
        /**
         * Where the backup is copied (and its SHA-256 checked) before the host is reinstalled: a folder on an SSH
         * server; without it, the workstation's data folder (upgrade-backups/). The reinstall waits for a verified copy.
         */
        copyTo: backupTargetSchema.optional(),
      })
      .strict()
      .nullable()
      .default(null),
    /** Move powered-off/suspended VMs off the host as it enters maintenance mode. */
    evacuate: z.boolean().default(true),
    reinstall: reinstallSchema.default({ mode: 'manual' }),
    /** How long the host may take to come back at the target build after the reinstall. */
    reconnectTimeoutMinutes: z.number().min(1).max(24 * 60).default(120),
    /** How often vCenter is asked whether the host is back. */
    reconnectPollSeconds: z.number().min(0.2).max(600).default(15),
    /** Re-run configuration: an Ansible playbook with the inventory kept before the upgrade (when ansible-playbook is installed), else these commands over SSH. */
    configure: z
      .object({
        playbook: absolutePath.optional(),
        commands: z.array(z.string().min(1).max(8192)).max(100).default([]),
      })
      .strict()
      .default({ commands: [] }),
    /** The soak: N minutes of health probes after the upgrade (seed 002 says 30). */
    soakMinutes: z.number().min(0).max(7 * 24 * 60).default(30),
    probeIntervalSeconds: z.number().min(0.2).max(3600).default(60),
    /** A log on the host scanned during the soak for lines matching any of these (extended) regular expressions. */
    logScan: z
      .object({ path: absolutePath, errorPatterns: z.array(z.string().min(1).max(500)).min(1).max(50) })
      .strict()
      .nullable()
      .default(null),
  })
  .strict();
export type UpgradeOptions = z.output<typeof upgradeOptionsSchema>;

/** What differs per host: where SSH reaches it and its boot NIC (for PXE). */
export const upgradeHostSettingSchema = z
  .object({
    name: objectName,
    sshAddress: z.string().trim().min(1).max(253).optional(),
    sshPort: z.number().int().min(1).max(65535).optional(),
    mac: mac.optional(),
    ip: z.string().trim().min(1).max(64).optional(),
  })
  .strict();
export type UpgradeHostSetting = z.output<typeof upgradeHostSettingSchema>;

export const planHostSchema = z.object({
  name: z.string(),
  moref: z.string(),
  cluster: z.string(),
  build: z.string().nullable(),
  version: z.string().nullable(),
  connectionState: z.string(),
  inMaintenance: z.boolean(),
  memoryMB: z.number(),
  vmMemoryMB: z.number(),
  vmCount: z.number().int(),
});

export const planPreviewSchema = z.object({
  site: z.string(),
  cluster: z.string().nullable(),
  targetBuild: z.string(),
  targetVersion: z.string().nullable(),
  /** Hosts in upgrade order (one at a time). */
  order: z.array(z.string()),
  upToDate: z.array(z.string()),
  blocked: z.array(z.object({ name: z.string(), reason: z.string() })),
  /** Per cluster: how many hosts it could lose at once and keep its running VMs. */
  maxParallel: z.record(z.string(), z.number().int()),
  hosts: z.array(planHostSchema),
});
export type PlanPreview = z.infer<typeof planPreviewSchema>;

export const upgradePlanStateSchema = z.enum(['draft', 'running', 'paused', 'succeeded', 'failed', 'aborted']);
export type UpgradePlanState = z.infer<typeof upgradePlanStateSchema>;
export const upgradeHostStateSchema = z.enum(['pending', 'running', 'succeeded', 'failed', 'aborted']);

const errorShape = z.object({ code: z.string(), message: z.string() });

export const probeResultSchema = z.object({ round: z.number().int(), probe: z.string(), ok: z.boolean(), detail: z.string(), at: z.string() });
export type ProbeResult = z.infer<typeof probeResultSchema>;

export const offHostCopySchema = z.object({
  state: z.enum(['pending', 'verified', 'failed']),
  kind: z.enum(['local', 'ssh']),
  /** The absolute path on this workstation, or user@host:port:path. */
  location: z.string(),
  sha256: z.string().nullable(),
  bytes: z.number().nullable(),
  verifiedAt: z.string().nullable(),
  error: errorShape.nullable(),
});
export type OffHostCopyRow = z.infer<typeof offHostCopySchema>;

export const upgradeHostRowSchema = z.object({
  position: z.number().int(),
  name: z.string(),
  moref: z.string(),
  state: upgradeHostStateSchema,
  procedureId: z.string().nullable(),
  procedureState: z.string().nullable(),
  error: errorShape.nullable(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** The step timeline of the host's procedure run. */
  steps: z.array(z.object({ name: z.string(), title: z.string(), state: z.string(), startedAt: z.string().nullable(), finishedAt: z.string().nullable(), gatePrompt: z.string().nullable() })),
  soak: z
    .object({
      until: z.string().nullable(),
      /** The latest result of each probe. */
      latest: z.array(probeResultSchema),
      rounds: z.number().int(),
    })
    .nullable(),
  backup: z
    .object({
      artefactPath: z.string(),
      sha256: z.string(),
      bytes: z.number(),
      /** The copy off the host: verified (the reinstall may go ahead), failed (it may not), or not made yet. */
      offHost: offHostCopySchema,
    })
    .nullable(),
});
export type UpgradeHostRow = z.infer<typeof upgradeHostRowSchema>;

export const upgradePlanSummarySchema = z.object({
  id: z.string(),
  site: z.string(),
  cluster: z.string().nullable(),
  targetBuild: z.string(),
  targetVersion: z.string().nullable(),
  state: upgradePlanStateSchema,
  reason: z.string().nullable(),
  hostsTotal: z.number().int(),
  hostsDone: z.number().int(),
  createdAt: z.string(),
  createdBy: z.string(),
  updatedAt: z.string(),
});
export type UpgradePlanSummary = z.infer<typeof upgradePlanSummarySchema>;

export const upgradePlanDetailSchema = upgradePlanSummarySchema.extend({
  options: upgradeOptionsSchema,
  hostSettings: z.array(upgradeHostSettingSchema),
  hosts: z.array(upgradeHostRowSchema),
});
export type UpgradePlanDetail = z.infer<typeof upgradePlanDetailSchema>;

export const hostBuildRowSchema = z.object({
  site: z.string(),
  cluster: z.string().nullable(),
  name: z.string(),
  moref: z.string(),
  version: z.string().nullable(),
  build: z.string().nullable(),
  connectionState: z.string().nullable(),
  inMaintenance: z.boolean(),
  desiredBuild: z.string().nullable(),
  desiredVersion: z.string().nullable(),
  /** A desired build is set and the host does not run it. */
  behind: z.boolean(),
});
export type HostBuildRow = z.infer<typeof hostBuildRowSchema>;

const planRef = z.object({ planId }).strict();

export const upgradeCommands = {
  'upgrade.plan': {
    summary: 'Preview a rolling upgrade: host order (one at a time), hosts already at the target, hosts that cannot go now and why',
    input: z.object(selection).strict(),
    output: planPreviewSchema,
  },
  'upgrade.create': {
    summary: 'Save an upgrade plan (hosts in preview order, per-host step options) and record each host’s desired build',
    input: z
      .object({
        ...selection,
        options: upgradeOptionsSchema,
        hostSettings: z.array(upgradeHostSettingSchema).max(500).default([]),
      })
      .strict(),
    output: upgradePlanDetailSchema,
  },
  'upgrade.list': {
    summary: 'Upgrade plans, newest first',
    input: z.object({ site: siteName.optional() }).strict(),
    output: z.array(upgradePlanSummarySchema),
  },
  'upgrade.status': {
    summary: 'A plan with one row per host: its step timeline, soak countdown and probe results',
    input: planRef,
    output: upgradePlanDetailSchema,
  },
  'upgrade.run': {
    summary: 'Start (or continue) a rollout: host by host, stopping at the first failed host',
    input: planRef,
    output: upgradePlanDetailSchema,
  },
  'upgrade.pause': {
    summary: 'Pause a rollout: the host being upgraded finishes, the next one does not start',
    input: planRef,
    output: upgradePlanDetailSchema,
  },
  'upgrade.resume': {
    summary: 'Resume a paused rollout, or retry the failed host of a failed one',
    input: planRef,
    output: upgradePlanDetailSchema,
  },
  'upgrade.abort': {
    summary: 'Abort a rollout: the current host’s run is cancelled (it leaves maintenance mode if it can) and no other host starts',
    input: planRef,
    output: upgradePlanDetailSchema,
  },
  'upgrade.hosts': {
    summary: 'Hosts with their actual and desired build; hosts behind target are flagged',
    input: z.object({ site: siteName.optional(), behindOnly: z.boolean().default(false) }).strict(),
    output: z.array(hostBuildRowSchema),
  },
  'upgrade.backups': {
    summary: 'Where each upgraded host’s backup is: its path on the host, the off-host copy (path or SSH target), size, SHA-256 and when it was verified',
    input: z.object({ planId: planId.optional(), site: siteName.optional() }).strict(),
    output: z.array(
      z.object({
        planId: z.string(),
        site: z.string(),
        host: z.string(),
        procedureId: z.string().nullable(),
        artefactPath: z.string(),
        sha256: z.string(),
        bytes: z.number(),
        offHost: offHostCopySchema,
      }),
    ),
  },
  'playbook.run': {
    summary: 'Run an Ansible playbook against picked inventory VMs and/or hosts with one key credential (pinned host keys, key only in a private ssh-agent); returns the run at once, output and per-host results follow as playbook.output / playbook.done events',
    input: z
      .object({
        /** A playbook file on the machine Outpost runs on. */
        playbook: absolutePath,
        hosts: z.array(z.string().trim().min(1).max(260).refine((t) => parseHostPort(t) !== null, 'host, host:port or [IPv6]:port (port 1-65535)')).max(2000).default([]),
        vms: z.array(z.object({ site: siteName, vm: z.string().trim().min(1).max(500), port: z.number().int().min(1).max(65535).default(22) }).strict()).max(2000).default([]),
        /** VMs by their guest IP (private) or by the NAT'd public IP the CMDB holds for enrolled VMs (public). */
        address: z.enum(['private', 'public']).default('private'),
        credential: credentialName,
        user: z.string().trim().min(1).max(64).optional(),
      })
      .strict()
      .refine((i) => i.hosts.length + i.vms.length > 0, { message: 'Pick at least one VM or host.', path: ['vms'] }),
    output: playbookRunSchema,
  },
  'playbook.get': {
    summary: 'A playbook run with its per-host results and the last lines of its output (for a page opened late)',
    input: z.object({ runId: playbookRunId }).strict(),
    output: playbookRunSchema.extend({ output: z.array(z.string()) }),
  },
  'playbook.list': {
    summary: 'Recent playbook runs of this process, newest first (kept in memory)',
    input: z.object({}).strict(),
    output: z.array(playbookRunSchema),
  },
  'playbook.cancel': {
    summary: 'Stop a running playbook run (ansible-playbook is terminated; hosts it had not finished are reported as not run)',
    input: z.object({ runId: playbookRunId }).strict(),
    output: playbookRunSchema,
  },
  'ansibleInventory.export': {
    summary: 'The inventory (sites, clusters, hosts, enrolled VMs) as an Ansible inventory in INI or YAML',
    input: z.object({ site: siteName.optional(), format: z.enum(['ini', 'yaml']).default('ini') }).strict(),
    output: z.object({ format: z.enum(['ini', 'yaml']), text: z.string(), hosts: z.number().int(), enrolledVms: z.number().int() }),
  },
} satisfies Record<string, CommandSpec>;
