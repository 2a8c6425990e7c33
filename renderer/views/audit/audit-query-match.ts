import type { AuditEntry } from '../../../core/contract';

/**
 * Whether a live entry belongs in the list the operator is looking at. Mirrors audit.list's
 * rule (case-insensitive substring over actor, action and target) so live rows and paged rows
 * never disagree.
 */
export function matchesAuditQuery(entry: AuditEntry, query: string): boolean {
  const q = query.trim().toLowerCase();
  if (q === '') return true;
  return [entry.actor, entry.action, entry.target ?? ''].some((field) => field.toLowerCase().includes(q));
}

/** Details are free-form JSON; one line is enough in a table cell, the tooltip has the rest. */
export function summariseDetails(details: unknown): string {
  if (details === null || details === undefined) return '';
  const text = typeof details === 'string' ? details : JSON.stringify(details);
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
