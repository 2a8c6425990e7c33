import { z } from 'zod';
import { siteName } from './names.js';
import type { CommandSpec } from './command-spec.js';

// Per-VM tools beside power: the console (webmks ticket or VMware Remote Console) and guestinfo.* keys.
const vmRef = z.string().trim().min(1).max(500);

/** guestinfo.* keys as VMware Tools reads them (`vmtoolsd --cmd "info-get guestinfo.x"`). */
export const GUEST_INFO_KEY = /^guestinfo\.[A-Za-z0-9_][A-Za-z0-9_.-]{0,118}$/;
export const guestInfoKeySchema = z
  .string()
  .trim()
  .regex(GUEST_INFO_KEY, 'a key "guestinfo." followed by letters, digits, ".", "_" or "-" (at most 128 characters)');

export const guestInfoEntrySchema = z.object({
  key: guestInfoKeySchema,
  // XML cannot carry most control characters; tabs and newlines are fine.
  value: z
    .string()
    .max(16_384, 'at most 16 KiB per value')
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    .regex(/^[^\u0000-\u0008\u000B\u000C\u000E-\u001F]*$/, 'a value without control characters (tabs and newlines are fine)'),
});

export const guestInfoSchema = z.object({
  site: z.string(),
  vm: z.string(),
  moref: z.string(),
  entries: z.array(z.object({ key: z.string(), value: z.string() })),
});
export type GuestInfo = z.infer<typeof guestInfoSchema>;

export const vmAccessCommands = {
  'vm.console.open': {
    summary:
      "A VM's console: kind window, a one-time window of this app on the webmks ticket (host build only); kind vmrc, a vmrc://clone:TICKET@host link for VMware Remote Console carrying a one-time clone of the vCenter session (never stored, logged or audited)",
    input: z
      .object({
        site: siteName,
        vm: vmRef,
        /** Default: window on the headless host, vmrc elsewhere. */
        kind: z.enum(['window', 'vmrc']).optional(),
      })
      .strict(),
    output: z.object({
      vm: z.string(),
      moref: z.string(),
      kind: z.enum(['window', 'vmrc']),
      /** The console window's path on the headless host (served once), or null for a vmrc link. */
      windowPath: z.string().nullable(),
      /** The origin the console window may connect to (its CSP allows exactly this). */
      origin: z.string().nullable(),
      /**
       * VMware Remote Console link `vmrc://clone:TICKET@host/?moid=...`, or null for a window. The
       * ticket is a secret valid once: open the link, never keep or show it.
       */
      vmrcUrl: z.string().nullable(),
      expiresAt: z.string().nullable(),
    }),
  },
  'vm.guestinfo.get': {
    summary: "A VM's guestinfo.* extra-config keys and values (read live from vCenter)",
    input: z.object({ site: siteName, vm: vmRef }).strict(),
    output: guestInfoSchema,
  },
  'vm.guestinfo.set': {
    summary: 'Set (and optionally remove) guestinfo.* keys on a VM (ReconfigVM_Task extraConfig); audited',
    input: z
      .object({
        site: siteName,
        vm: vmRef,
        set: z.array(guestInfoEntrySchema).max(64).default([]),
        remove: z.array(guestInfoKeySchema).max(64).default([]),
      })
      .strict()
      .refine((v) => v.set.length + v.remove.length > 0, { message: 'give at least one key to set or remove', path: ['set'] })
      .refine((v) => new Set([...v.set.map((e) => e.key), ...v.remove]).size === v.set.length + v.remove.length, {
        message: 'each key may appear once',
        path: ['set'],
      }),
    output: guestInfoSchema,
  },
} as const satisfies Record<string, CommandSpec>;
