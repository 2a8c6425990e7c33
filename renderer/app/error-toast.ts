import { errorCodeSchema, OutpostError } from '../../core/contract';
import type { Toast } from './shell-store';

/**
 * Turns a failed call into a toast. Contract errors keep their code; anything else (a bug in
 * the renderer) is shown as INTERNAL rather than swallowed.
 */
export function errorToast(title: string, err: unknown): Omit<Toast, 'id'> {
  if (err instanceof OutpostError) return { tone: 'error', code: err.code, title, message: err.message };
  const code = typeof err === 'object' && err !== null ? errorCodeSchema.safeParse((err as { code?: unknown }).code) : null;
  const message = err instanceof Error ? err.message : String(err);
  return { tone: 'error', code: code?.success ? code.data : 'INTERNAL', title, message };
}
