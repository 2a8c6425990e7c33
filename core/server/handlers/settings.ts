import { OutpostError } from '../../contract/errors.js';
import type { settingsCommands } from '../../contract/settings.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Operator settings. */
export function settingsHandlers(s: Services): DomainHandlers<typeof settingsCommands> {
  return {
    'settings.get': () => s.settings.get(),
    'settings.update': (patch, caller) => {
      // A misspelt kind would silently leave its gates without four-eyes: refuse it.
      const unknown = (patch.fourEyesKinds ?? []).filter((kind) => s.engine.definition(kind) === null);
      if (unknown.length > 0) {
        throw new OutpostError('VALIDATION', `No procedure kind ${unknown.join(', ')}; four-eyes can be set for: ${s.engine.kinds().join(', ')}.`, {
          issues: [{ path: ['fourEyesKinds'], message: `unknown procedure kind ${unknown.join(', ')}` }],
        });
      }
      return s.settings.update(patch, caller.actor);
    },
  };
}
