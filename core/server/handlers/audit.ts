import type { auditCommands } from '../../contract/audit.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** The audit log. */
export function auditHandlers(s: Services): DomainHandlers<typeof auditCommands> {
  return {
    'audit.list': (query) => s.audit.list(query),
  };
}
