import { OutpostError } from '../../core/contract';

/**
 * The fields a contract VALIDATION error names, keyed by their dotted path
 * ("cidr", "reserved.0.start"), with the first message for each. Anything else gives {}: the
 * toast carries it, and no field is marked on a guess.
 */
export function validationFieldErrors(err: unknown): Record<string, string> {
  if (!(err instanceof OutpostError) || err.code !== 'VALIDATION') return {};
  const issues = (err.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return {};
  const fields: Record<string, string> = {};
  for (const issue of issues as { path?: unknown; message?: unknown }[]) {
    if (!Array.isArray(issue.path) || issue.path.length === 0) continue;
    const key = (issue.path as unknown[]).map(String).join('.');
    fields[key] ??= typeof issue.message === 'string' ? issue.message : 'Invalid value';
  }
  return fields;
}
