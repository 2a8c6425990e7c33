import { OutpostError, type ErrorCode } from '../contract/errors.js';

/** Exit codes: 1 for a failed operation, 2 for bad input (usage, validation, a --db that is no store). */
export function exitCodeFor(code: ErrorCode): number {
  return code === 'VALIDATION' || code === 'UNKNOWN_COMMAND' || code === 'CERT_INVALID' || code === 'DB_NOT_STORE' ? 2 : 1;
}

export class UsageError extends OutpostError {
  constructor(message: string) {
    super('VALIDATION', message);
  }
}
