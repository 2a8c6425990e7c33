import { z } from 'zod';
import { labelText } from './names.js';
import type { CommandSpec } from './command-spec.js';

/** Operator settings, persisted in the store; every key has a default so a new install works. */
export const themeSchema = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof themeSchema>;

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
