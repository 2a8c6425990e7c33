import type { CommandInput } from '../../../core/contract';
import type { BatchStarted, CmdbRecord } from '../../../core/contract/enrollment';

export interface CmdbFilter {
  query: string;
  site: string;
  firewall: string;
  status: 'active' | 'offboarded' | 'all';
}

export const initialCmdbFilter: CmdbFilter = { query: '', site: '', firewall: '', status: 'active' };

/** The one input both the table (cmdb.list) and the export (cmdb.exportCsv) send: the file is what is shown. */
export function cmdbInput(f: CmdbFilter, limit = 1000): CommandInput<'cmdb.list'> {
  const query = f.query.trim();
  return {
    ...(f.site ? { site: f.site } : {}),
    ...(f.firewall ? { firewall: f.firewall } : {}),
    ...(query ? { query } : {}),
    status: f.status,
    limit,
  };
}

/** Active records by site: what the wizard marks "already enrolled". */
export function enrolledBySite(records: readonly CmdbRecord[]): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of records) {
    if (r.status !== 'active') continue;
    const set = out.get(r.site) ?? new Set<string>();
    set.add(r.vmMoref);
    out.set(r.site, set);
  }
  return out;
}

/** What offboarding one record undoes, in the order it happens, for the confirmation. */
export function offboardEffects(r: CmdbRecord, removeAccount: boolean): string[] {
  const effects: string[] = [];
  if (removeAccount) effects.push(`delete the service account ${r.serviceAccount} (and its key) in the guest`);
  if (r.publicIp) effects.push(`remove the NAT ${r.publicIp} → ${r.privateIp} on ${r.firewall}${r.natRecordId !== null ? ` (record ${r.natRecordId})` : ''}`);
  else effects.push(`remove any NAT to ${r.privateIp} on ${r.firewall}`);
  if (r.publicIp) effects.push(`release ${r.publicIp} back to its pool`);
  effects.push(`release the private address record ${r.privateIp}`);
  effects.push('mark the CMDB record offboarded (kept as history)');
  return effects;
}

/** Offboarding takes one site per call: the picked records, grouped. */
export function offboardGroups(records: readonly CmdbRecord[]): { site: string; vms: string[] }[] {
  const by = new Map<string, string[]>();
  for (const r of records) by.set(r.site, [...(by.get(r.site) ?? []), r.vmMoref]);
  return [...by].map(([site, vms]) => ({ site, vms }));
}

/** Several per-site batches shown as one progress list. */
export function joinBatches(batches: readonly BatchStarted[]): BatchStarted | null {
  const [first] = batches;
  if (!first) return null;
  return { batchId: first.batchId, concurrency: first.concurrency, items: batches.flatMap((b) => b.items) };
}
