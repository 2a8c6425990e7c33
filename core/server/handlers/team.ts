import type { teamCommands } from '../../contract/team.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Team mode: join or leave the team database, and its state. */
export function teamHandlers(s: Services): DomainHandlers<typeof teamCommands> {
  return {
    'team.status': () => s.team.status(),
    'team.connect': (input, caller) => s.team.connect(input, caller.actor),
    'team.import': (_input, caller) => s.team.import(caller.actor),
    'team.disconnect': (_input, caller) => s.team.disconnect(caller.actor),
  };
}
