import type { z } from 'zod';
import type { CommandSpec } from './command-spec.js';
import { appCommands } from './app.js';
import { auditCommands } from './audit.js';
import { certificateCommands } from './certificates.js';
import { enrollmentCommands } from './enrollment.js';
import { fanoutCommands } from './fanout.js';
import { firewallPolicyCommands } from './firewall-policy.js';
import { helperCommands } from './helpers.js';
import { inventoryCommands } from './inventory.js';
import { inventoryViewCommands } from './inventory-views.js';
import { ipamCommands } from './ipam.js';
import { metricsCommands } from './metrics.js';
import { natCommands } from './nat.js';
import { networkingCommands } from './networking.js';
import { procedureCommands } from './procedures.js';
import { remoteCommands } from './remote.js';
import { settingsCommands } from './settings.js';
import { taskCommands } from './tasks.js';
import { teamCommands } from './team.js';
import { recordingCommands } from './recordings.js';
import { terminalCommands } from './terminal.js';
import { sftpCommands } from './sftp.js';
import { upgradeCommands } from './upgrades.js';
import { vaultCommands } from './vault.js';
import { vmAccessCommands } from './vm-access.js';

export type { CommandSpec } from './command-spec.js';
// The shapes that used to live here, for the code that imports them from this file.
export { transportSchema, statusSchema, type Transport, type Status } from './app.js';
export { vaultStateSchema, type VaultState } from './vault.js';
export { siteSummarySchema, type SiteSummary } from './inventory.js';
export {
  procedureStateSchema,
  procedureSummarySchema,
  stepStateSchema,
  procedureDetailSchema,
  type ProcedureState,
  type ProcedureSummary,
  type ProcedureDetail,
} from './procedures.js';

/**
 * THE command list: each domain keeps its commands in `core/contract/<domain>.ts` (handled in
 * `core/server/handlers/<domain>.ts`, test/contract-domains.test.ts checks the pairing) and is
 * spread in here with one line. Every transport (Electron IPC, the headless host's WebSocket, the
 * CLI, tests) dispatches through it; renaming a key breaks compilation wherever it is used.
 */
export const commands = {
  ...appCommands,
  ...settingsCommands,
  ...auditCommands,
  ...procedureCommands,
  ...ipamCommands,
  ...natCommands,
  ...firewallPolicyCommands,
  ...vaultCommands,
  ...helperCommands,
  ...certificateCommands,
  ...remoteCommands,
  ...terminalCommands,
  ...sftpCommands,
  ...recordingCommands,
  ...inventoryCommands,
  ...inventoryViewCommands,
  ...networkingCommands,
  ...vmAccessCommands,
  ...upgradeCommands,
  ...enrollmentCommands,
  ...fanoutCommands,
  ...taskCommands,
  ...metricsCommands,
  ...teamCommands,
} as const satisfies Record<string, CommandSpec>;

export type Commands = typeof commands;
export type CommandName = keyof Commands;
/** What a caller passes (defaults may be omitted). */
export type CommandInput<N extends CommandName> = z.input<Commands[N]['input']>;
/** What a handler receives after validation (defaults filled in). */
export type CommandParsedInput<N extends CommandName> = z.output<Commands[N]['input']>;
export type CommandOutput<N extends CommandName> = z.output<Commands[N]['output']>;

export const commandNames = Object.keys(commands) as CommandName[];

export function isCommandName(name: unknown): name is CommandName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(commands, name);
}
