import type { CommandName, CommandOutput, CommandParsedInput, Transport } from '../contract/commands.js';
import type { Services } from './services.js';

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

export function createHandlers(s: Services): Handlers {
  return {
    'app.info': () => s.info(),
    'status.get': () => s.status(),
    'settings.get': () => s.settings.get(),
    'settings.update': (patch, caller) => s.settings.update(patch, caller.actor),
    'audit.list': (query) => s.audit.list(query),
    'sites.list': () => s.sites.list(),
    'procedures.list': (query) => s.procedures.list(query),
    'vault.status': () => s.vault.state(),
    'vault.unlock': ({ passphrase }, caller) => {
      const wasInitialised = s.vault.state().initialised;
      try {
        const state = s.vault.unlock(passphrase);
        s.audit.append({ actor: caller.actor, action: wasInitialised ? 'vault.unlock' : 'vault.create' });
        s.emitStatus();
        return state;
      } catch (err) {
        s.audit.append({ actor: caller.actor, action: 'vault.unlock', outcome: 'failed' });
        throw err;
      }
    },
  };
}
