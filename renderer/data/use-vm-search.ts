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
  /** The store's filters, applied with the search ('' or absent: any). */
  powerState?: CommandInput<'vms.list'>['powerState'] | '';
  toolsStatus?: CommandInput<'vms.list'>['toolsStatus'] | '';
  limit: number;
  /** Wait this long after the last keystroke (ms; 0: ask at once). */
  debounceMs?: number;
  /** Ask again when the inventory of the searched site changes (a picker stays current; the palette does not need it). */
  live?: boolean;
}

export interface VmSearchResult {
  rows: VmSummary[];
  /** The query `rows` answer (a newer keystroke may be on its way); null before the first answer. */
  answered: string | null;
  /** The answer hit the limit: more VMs match than are shown. */
  capped: boolean;
}

/** The vms.list input of a search: only what is set. */
export function vmSearchInput({ site, query, limit, powerState, toolsStatus }: VmSearch): CommandInput<'vms.list'> {
  const q = query.trim();
  return { ...(site ? { site } : {}), ...(q ? { query: q } : {}), ...(powerState ? { powerState } : {}), ...(toolsStatus ? { toolsStatus } : {}), limit };
}

/**
 * The one way a view searches the inventory's VMs (vms.list) as the operator types: debounced,
 * answers for an older query or after unmount are dropped, a failure is an empty list. With `live`,
 * an `inventory.changed` batch for VMs of the searched site asks again (the subscription is
 * disposed with the view). The VM table's full list (inventory/use-vm-rows) loads every row once
 * and filters in the page instead.
 */
export function useVmSearch(search: VmSearch): VmSearchResult {
  const client = useClient();
  const [result, setResult] = useState<VmSearchResult>({ rows: [], answered: null, capped: false });
  const [changes, setChanges] = useState(0);
  const { site, query, limit, powerState = '', toolsStatus = '', enabled = true, debounceMs = 150, live = false } = search;

  useEffect(() => {
    if (!enabled || !live) return undefined;
    return client.on('inventory.changed', (batch) => {
      if (site && batch.site !== site) return;
      if (batch.truncated || batch.changes.some((c) => c.type === 'VirtualMachine')) setChanges((n) => n + 1);
    });
  }, [client, enabled, live, site]);

  useEffect(() => {
    if (!enabled) return undefined;
    let alive = true;
    const input = vmSearchInput({ site, query, limit, powerState, toolsStatus });
    const ask = (): void => {
      client.invoke('vms.list', input).then(
        (rows) => alive && setResult({ rows, answered: query, capped: rows.length >= limit }),
        () => alive && setResult({ rows: [], answered: query, capped: false }),
      );
    };
    const timer = debounceMs > 0 ? setTimeout(ask, debounceMs) : null;
    if (!timer) ask();
    return () => {
      alive = false;
      if (timer) clearTimeout(timer);
    };
  }, [client, enabled, site, query, limit, powerState, toolsStatus, debounceMs, changes]);
  return result;
}
