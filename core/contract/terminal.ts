import { z } from 'zod';
import { credentialName } from './names.js';
import type { CommandSpec } from './command-spec.js';

const hostName = z.string().trim().min(1).max(253).regex(/^[A-Za-z0-9_.:-]+$/, 'a host name or an IP address');
const user = z.string().trim().min(1).max(64);
const terminalId = z.number().int().min(1).max(0xffffffff);
const cols = z.number().int().min(2).max(1000);
const rows = z.number().int().min(1).max(500);
/** A jump host: where, as whom (default: its credential's user) and which credential profile it authenticates with. */
export const sshHop = z.object({ host: hostName, port: z.number().int().min(1).max(65535).default(22), user: user.optional(), credential: credentialName }).strict();
export type SshHop = z.infer<typeof sshHop>;

/** Where a terminal goes: a saved host over SSH, an inventory VM (by its public NAT or private address, as its site's vmAddress setting says), or a WinRM endpoint. */
export const terminalTargetSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('ssh'),
      host: hostName,
      port: z.number().int().min(1).max(65535).default(22),
      user: user.optional(),
      credential: credentialName,
      jumps: z.array(sshHop).max(8).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('vm'),
      site: z.string().trim().min(1).max(100),
      /** The VM's managed object id (vm-42). */
      vm: z.string().trim().min(1).max(500),
      credential: credentialName,
      user: user.optional(),
      /** auto: WinRM PowerShell for Windows guests, SSH otherwise. */
      protocol: z.enum(['auto', 'ssh', 'winrm']).default('auto'),
      /** Default 22 for SSH, 5985 for WinRM. */
      port: z.number().int().min(1).max(65535).optional(),
      /** SSH: jump hosts to reach the VM through, first hop first (as for host targets). */
      jumps: z.array(sshHop).max(8).default([]),
    })
    .strict(),
  z
    .object({
      type: z.literal('winrm'),
      url: z.string().url().regex(/^https?:\/\//, 'http:// or https://'),
      credential: credentialName,
      auth: z.enum(['basic', 'ntlm']).default('ntlm'),
    })
    .strict(),
]);
export type TerminalTarget = z.infer<typeof terminalTargetSchema>;

export const terminalInfoSchema = z.object({
  id: z.number().int(),
  /** user@host:port, or the WinRM endpoint. */
  title: z.string(),
  kind: z.enum(['ssh', 'winrm']),
  state: z.enum(['connecting', 'open', 'closed']),
  cols: z.number().int(),
  rows: z.number().int(),
  openedAt: z.string(),
  closedAt: z.string().nullable(),
  exit: z.object({ exitCode: z.number().int().nullable(), signal: z.string().nullable() }).nullable(),
  /** Times the connection was re-established (automatically after a drop, or by terminal.reconnect). */
  reconnects: z.number().int(),
  /** The session log file while logging is on. */
  logPath: z.string().nullable(),
  /** What stopped a (re)connect, when it failed. */
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** The session's recording (recording.get), when it is recorded. */
  recordingId: z.number().int().nullable().default(null),
});
export type TerminalInfo = z.infer<typeof terminalInfoSchema>;

const idOnly = z.object({ id: terminalId }).strict();

/** What `protocol: 'auto'` treats as a Windows guest (PowerShell over WinRM, RDP) from VMware Tools' guest id/name. */
export const isWindowsGuest = (vm: { guestId: string | null; guestFullName: string | null }): boolean =>
  /^win/i.test(vm.guestId ?? '') || /windows/i.test(vm.guestFullName ?? '');

/** Embedded terminals: their bytes travel on the terminal stream (terminal-wire.ts), these commands manage them. */
export const terminalCommands = {
  'terminal.open': {
    summary: 'Open a terminal: SSH to a host or an inventory VM, or a PowerShell console over WinRM (host key must be trusted)',
    input: z
      .object({
        target: terminalTargetSchema,
        cols: cols.default(80),
        rows: rows.default(24),
        /** Start a session log file at once. */
        log: z.boolean().default(false),
        /** Record the session when the setting for this target is "ask" (always/off settle it otherwise). */
        record: z.boolean().default(false),
      })
      .strict(),
    output: terminalInfoSchema,
  },
  'terminal.list': {
    summary: 'Open (and recently closed) terminals of this process',
    input: z.object({}).strict(),
    output: z.array(terminalInfoSchema),
  },
  'terminal.resize': {
    summary: "Resize a terminal's pty (window change)",
    input: z.object({ id: terminalId, cols, rows }).strict(),
    output: terminalInfoSchema,
  },
  'terminal.write': {
    summary: 'Type into a terminal (the terminal stream does this without JSON; this is for scripts)',
    input: z.object({ id: terminalId, data: z.string().min(1).max(65_536) }).strict(),
    output: z.object({ written: z.number().int() }),
  },
  'terminal.close': {
    summary: 'End a terminal session',
    input: idOnly,
    output: terminalInfoSchema,
  },
  'terminal.reconnect': {
    summary: 'Open a new connection and shell for a terminal (same tab, same size); the host key is checked again',
    input: idOnly,
    output: terminalInfoSchema,
  },
  'terminal.log': {
    summary: "Start or stop writing a terminal's output to a session log file",
    input: z.object({ id: terminalId, enabled: z.boolean() }).strict(),
    output: terminalInfoSchema,
  },
  'terminal.rdp': {
    summary:
      "Start the system's RDP client for a Windows VM. With a credential: FreeRDP logs in with the password on its stdin (never argv or a file), through an SSH tunnel when jump hosts are given; `check` only authenticates. Without one: a .rdp file opened by the client",
    input: z
      .object({
        site: z.string().trim().min(1).max(100),
        vm: z.string().trim().min(1).max(500),
        username: z.string().trim().min(1).max(256).optional(),
        port: z.number().int().min(1).max(65535).default(3389),
        /** false: only write the file. */
        launch: z.boolean().default(true),
        /** A user + password credential profile: the client logs in with it (no prompt). */
        credential: credentialName.optional(),
        /** Jump hosts (first hop first): RDP goes through an SSH local forward on 127.0.0.1. Needs `credential`. */
        jumps: z.array(sshHop).max(8).default([]),
        /** Only prove the login (NLA, +auth-only) and report; no window. Needs `credential`. */
        check: z.boolean().default(false),
      })
      .strict()
      .refine((v) => v.credential || (v.jumps.length === 0 && !v.check), { message: 'jumps and check need a credential', path: ['credential'] }),
    output: z.object({
      /** The .rdp file written (no credential given), else null. */
      path: z.string().nullable(),
      address: z.string(),
      /** The program started with its argv (never a password), or null when none was started. */
      launched: z.object({ program: z.string(), args: z.array(z.string()) }).nullable(),
      /** The running client's pid. */
      pid: z.number().int().nullable().default(null),
      /** 127.0.0.1:PORT of the SSH tunnel carrying the session. */
      tunnel: z.string().nullable().default(null),
      message: z.string(),
    }),
  },
} as const satisfies Record<string, CommandSpec>;
