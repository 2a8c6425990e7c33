import { z } from 'zod';
import { labelText } from './names.js';
import { recordingModeSchema } from './recordings.js';
import type { CommandSpec } from './command-spec.js';

/** Operator settings, persisted in the store; every key has a default so a new install works. */
export const themeSchema = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof themeSchema>;

/**
 * How Outpost reaches a site's enrolled VMs (terminals, fan-out, RDP, checks): by the public address
 * NAT'd to them on the site's firewall, by their private address, or auto = public when this
 * workstation is outside the site (none of its addresses is in the site's private IPAM pools, and the
 * VM is not on one of its own networks), private otherwise. A VM that is not enrolled has only its private address.
 */
export const vmAddressModeSchema = z.enum(['public', 'private', 'auto']);
export type VmAddressMode = z.infer<typeof vmAddressModeSchema>;
const siteVmAddress = z.record(z.string().trim().min(1).max(100), vmAddressModeSchema);

export const settingsSchema = z.object({
  theme: themeSchema.default('system'),
  /** Name recorded in the audit log as the actor for actions taken from this console. */
  operatorName: z.string().trim().max(64).default(''),
  /** How many audit rows a page of the audit log shows. */
  auditPageSize: z.number().int().min(10).max(1000).default(100),
  /** Ask before destructive actions (power off, NAT removal, offboarding). */
  confirmDestructive: z.boolean().default(true),
  /** Seconds between background checks of every firewall against the store (drift); 0 turns the reconciler off. */
  natReconcileSeconds: z.number().int().min(0).max(86_400).default(300),
  /**
   * Four-eyes: procedure kinds (e.g. 'nat.add', 'host.upgrade') whose approval gates must be
   * approved by another operator than the one who started the run.
   */
  fourEyesKinds: z.array(z.string().max(64)).max(100).default([]),
  /** host:port of a statsd server the long-running processes push their metrics to (UDP, every 10 s); '' = off. */
  metricsStatsd: z.string().default(''),
  /** Per site (by name): how its VMs are reached; a site not listed is `auto`. */
  vmAddress: siteVmAddress.default({}),
  /** Record terminal sessions (asciicast, output only): always, ask (the open dialog decides) or off. */
  recordTerminals: recordingModeSchema.default('ask'),
  /** The same for enrolled VMs (those with a CMDB record). */
  recordEnrolledTerminals: recordingModeSchema.default('always'),
  /** A recording that cannot be written (disk full, folder unwritable): the session goes on unrecorded, or stops. */
  recordingOnFailure: z.enum(['continue', 'stop']).default('continue'),
  /** Keep recordings within this many MB in total, oldest deleted first (0: no limit). */
  recordingMaxTotalMB: z.number().int().min(0).max(10_000_000).default(2048),
  /** Delete recordings older than this many days (0: keep them). */
  recordingMaxDays: z.number().int().min(0).max(36_500).default(90),
});
export type Settings = z.infer<typeof settingsSchema>;

/** A partial update: unknown keys are rejected so a typo never silently does nothing. */
export const settingsPatchSchema = z
  .object({
    theme: themeSchema,
    // Recorded as the actor in every audit row, and shown in tables: no control characters.
    operatorName: labelText(64),
    auditPageSize: z.number().int().min(10).max(1000),
    confirmDestructive: z.boolean(),
    natReconcileSeconds: z.number().int().min(0, 'seconds, 0 = off').max(86_400, 'at most a day (86400)'),
    fourEyesKinds: z.array(z.string().trim().regex(/^[a-z0-9][a-z0-9.-]{0,63}$/, 'a procedure kind, e.g. nat.add')).max(100),
    metricsStatsd: z
      .string()
      .trim()
      .max(260)
      .regex(/^$|^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*):\d{1,5}$/, 'host:port of the statsd server (e.g. 127.0.0.1:8125), or empty to turn it off'),
    vmAddress: siteVmAddress,
    recordTerminals: recordingModeSchema,
    recordEnrolledTerminals: recordingModeSchema,
    recordingOnFailure: z.enum(['continue', 'stop']),
    recordingMaxTotalMB: z.number().int().min(0, 'MB, 0 = no limit').max(10_000_000),
    recordingMaxDays: z.number().int().min(0, 'days, 0 = keep').max(36_500),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

export const defaultSettings: Settings = settingsSchema.parse({});

const empty = z.object({}).strict();

/** Operator settings. */
export const settingsCommands = {
  'settings.get': {
    summary: 'All operator settings',
    input: empty,
    output: settingsSchema,
  },
  'settings.update': {
    summary: 'Change some settings; returns all of them',
    input: settingsPatchSchema,
    output: settingsSchema,
  },
} as const satisfies Record<string, CommandSpec>;
