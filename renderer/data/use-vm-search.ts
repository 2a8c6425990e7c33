import { useEffect, useState } from 'react';
import type { CommandInput, VmSummary } from '../../core/contract';
import { useClient } from '../app/shell-context';

export interface VmSearch {
  /** A site's name, or absent for every site. */
  site?: string | undefined;
  /** False: do not search (nothing to search yet, or the list is hidden); the last answer stays. */
  enabled?: boolean;
  /** Name, IP, guest OS...: the host's search (empty: the first VMs). */
  query: string;
  limit: number;
  /** Wait this long after the last keystroke (ms). */
  debounceMs?: number;
}

export interface VmSearchResult {
  rows: VmSummary[];
  /** The query `rows` answer (a newer keystroke may be on its way). */
  answered: string | null;
}

/** The vms.list input of a search: only what is set. */
export function vmSearchInput({ site, query, limit }: VmSearch): CommandInput<'vms.list'> {
  const q = query.trim();
  return { ...(site ? { site } : {}), ...(q ? { query: q } : {}), limit };
}

/**
 * The one way a view searches the inventory's VMs (vms.list) as the operator types: debounced,
 * answers for an older query or after unmount are dropped, a failure is an empty list. The VM
 * table's full list (inventory/use-vm-rows) loads every row once and filters in the page instead.
 */
export function useVmSearch(search: VmSearch): VmSearchResult {
  const client = useClient();
  const [result, setResult] = useState<VmSearchResult>({ rows: [], answered: null });
  const { site, query, limit, enabled = true, debounceMs = 150 } = search;
  useEffect(() => {
    if (!enabled) return undefined;
    let live = true;
    const input = vmSearchInput({ site, query, limit });
    const timer = setTimeout(() => {
      client.invoke('vms.list', input).then(
        (rows) => live && setResult({ rows, answered: query }),
        () => live && setResult({ rows: [], answered: query }),
      );
    }, debounceMs);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, enabled, site, query, limit, debounceMs]);
  return result;
}
