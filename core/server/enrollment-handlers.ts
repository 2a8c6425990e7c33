import { OutpostError } from '../contract/errors.js';
import type { Handlers } from './handlers.js';
import type { Services } from './services.js';

type EnrollmentCommand = 'enrollment.rules' | 'enrollment.check' | 'enrollment.start' | 'enrollment.offboard' | 'cmdb.list' | 'cmdb.exportCsv';

/** Enrollment, offboarding and the CMDB (contract only in this commit: the service lands next). */
export function createEnrollmentHandlers(_s: Services): Pick<Handlers, EnrollmentCommand> {
  const pending = (): never => {
    throw new OutpostError('INTERNAL', 'Enrollment is not available in this build yet.');
  };
  return {
    'enrollment.rules': pending,
    'enrollment.check': pending,
    'enrollment.start': pending,
    'enrollment.offboard': pending,
    'cmdb.list': pending,
    'cmdb.exportCsv': pending,
  };
}
