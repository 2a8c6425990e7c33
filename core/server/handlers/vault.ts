import type { vaultCommands } from '../../contract/vault.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** The secrets vault: its state, and unlocking (or first setting up) the passphrase vault. */
export function vaultHandlers(s: Services): DomainHandlers<typeof vaultCommands> {
  return {
    'vault.status': () => s.vault.state(),
    'vault.unlock': async ({ passphrase }, caller) => {
      const wasInitialised = (await s.vault.state()).initialised;
      try {
        const state = await s.vault.unlock(passphrase);
        await s.audit.append({ actor: caller.actor, action: wasInitialised ? 'vault.unlock' : 'vault.create' });
        await s.emitStatus();
        // Watchers waiting out a VAULT_LOCKED backoff can read their passwords now.
        s.inventory.retryNow();
        return state;
      } catch (err) {
        await s.audit.append({ actor: caller.actor, action: 'vault.unlock', outcome: 'failed' });
        throw err;
      }
    },
  };
}
