import type { Handlers } from './index.js';
import type { Services } from '../services.js';

type EnrollmentCommand = 'enrollment.rules' | 'enrollment.check' | 'enrollment.start' | 'enrollment.offboard' | 'cmdb.list' | 'cmdb.orphans' | 'cmdb.exportCsv';

/** Enrollment (GOSS), offboarding and the CMDB. */
export function createEnrollmentHandlers(s: Services): Pick<Handlers, EnrollmentCommand> {
  const e = s.enrollment;
  return {
    'enrollment.rules': () => e.rules(),
    'enrollment.check': (input) => e.check(input),
    'enrollment.start': (input, caller) => e.start(input, caller.actor),
    'enrollment.offboard': (input, caller) => e.offboard(input, caller.actor),
    'cmdb.list': (q) => e.list(q),
    'cmdb.orphans': (q) => e.orphans(q),
    'cmdb.exportCsv': (q) => e.exportCsv(q),
  };
}
