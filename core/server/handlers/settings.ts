import type { settingsCommands } from '../../contract/settings.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Operator settings. */
export function settingsHandlers(s: Services): DomainHandlers<typeof settingsCommands> {
  return {
    'settings.get': () => s.settings.get(),
    'settings.update': (patch, caller) => s.settings.update(patch, caller.actor),
  };
}
