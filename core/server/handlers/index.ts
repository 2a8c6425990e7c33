import type { CommandName, CommandOutput, CommandParsedInput, Transport } from '../../contract/commands.js';
import type { Services } from '../services.js';
import { appHandlers } from './app.js';
import { auditHandlers } from './audit.js';
import { certificateHandlers } from './certificates.js';
import { createEnrollmentHandlers } from './enrollment.js';
import { createFanoutHandlers } from './fanout.js';
import { helperHandlers } from './helpers.js';
import { inventoryHandlers } from './inventory.js';
import { inventoryViewHandlers } from './inventory-views.js';
import { ipamHandlers } from './ipam.js';
import { metricsHandlers } from './metrics.js';
import { natHandlers } from './nat.js';
import { firewallPolicyHandlers } from './firewall-policy.js';
import { networkingHandlers } from './networking.js';
import { procedureHandlers } from './procedures.js';
import { createRemoteHandlers } from './remote.js';
import { settingsHandlers } from './settings.js';
import { taskHandlers } from './tasks.js';
import { teamHandlers } from './team.js';
import { createTerminalHandlers } from './terminal.js';
import { createSftpHandlers } from './sftp.js';
import { createRecordingHandlers } from './recordings.js';
import { upgradeHandlers } from './upgrades.js';
import { vaultHandlers } from './vault.js';
import { vmAccessHandlers } from './vm-access.js';

/** Who is calling: the transport and the actor recorded in the audit log. */
export interface Caller {
  transport: Transport;
  actor: string;
}

export type Handler<N extends CommandName> = (
  input: CommandParsedInput<N>,
  caller: Caller,
) => CommandOutput<N> | Promise<CommandOutput<N>>;

/** One handler per command; the mapped type makes a missing or misnamed handler a compile error. */
export type Handlers = { [N in CommandName]: Handler<N> };

/** The handlers of one contract domain file (`core/contract/<domain>.ts` -> `./<domain>.ts`). */
export type DomainHandlers<C> = { [N in keyof C & CommandName]: Handler<N> };

/**
 * Every command's handler, one file per contract domain (test/contract-domains.test.ts checks
 * that each contract command is handled exactly once, in the file of its domain).
 */
export function createHandlers(s: Services): Handlers {
  return {
    ...appHandlers(s),
    ...settingsHandlers(s),
    ...auditHandlers(s),
    ...procedureHandlers(s),
    ...ipamHandlers(s),
    ...natHandlers(s),
    ...firewallPolicyHandlers(s),
    ...vaultHandlers(s),
    ...helperHandlers(s),
    ...certificateHandlers(s),
    ...createRemoteHandlers(s),
    ...createFanoutHandlers(s),
    ...createTerminalHandlers(s),
    ...createSftpHandlers(s),
    ...createRecordingHandlers(s),
    ...inventoryHandlers(s),
    ...metricsHandlers(s),
    ...inventoryViewHandlers(s),
    ...networkingHandlers(s),
    ...vmAccessHandlers(s),
    ...upgradeHandlers(s),
    ...createEnrollmentHandlers(s),
    ...taskHandlers(s),
    ...teamHandlers(s),
  };
}
