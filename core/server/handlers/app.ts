import type { appCommands } from '../../contract/app.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** This Outpost's version, data location and status counts. */
export function appHandlers(s: Services): DomainHandlers<typeof appCommands> {
  return {
    'app.info': () => s.info(),
    'status.get': () => s.status(),
  };
}
