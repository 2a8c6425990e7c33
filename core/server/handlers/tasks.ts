import type { taskCommands } from '../../contract/tasks.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** The Recent Tasks feed (site syncs, VM power changes, fan-outs, procedure runs). */
export function taskHandlers(s: Services): DomainHandlers<typeof taskCommands> {
  return {
    'tasks.list': (query) => s.tasks.list(query),
  };
}
