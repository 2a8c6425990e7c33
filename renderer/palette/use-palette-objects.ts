import { useEffect, useState } from 'react';
import type { OutpostClient } from '../../core/contract';
import { useDebouncedValue } from '../data/use-debounced-value';
import { useVmSearch } from '../data/use-vm-search';
import { recentHosts } from '../views/terminals/recent-hosts';
import { hostItems, objectQuery, procedureItems, savedHostItems, siteItems, vmItems, type PaletteItem } from './palette-items';

/** Typing pauses this long before the server's VM search runs (one query per pause, not per key). */
export const VM_SEARCH_DEBOUNCE_MS = 120;
/** VMs asked of the server per search: the palette shows the best few, never the whole estate. */
export const VM_SEARCH_LIMIT = 12;

/**
 * The objects the palette can find: sites, hosts, procedure runs and saved hosts (small lists,
 * read once when it opens) and VMs (the server's search, debounced; never all of them).
 */
export function usePaletteObjects(client: OutpostClient, query: string): { items: PaletteItem[]; searching: boolean } {
  const [fixed, setFixed] = useState<PaletteItem[]>([]);
  const search = useDebouncedValue(objectQuery(query), VM_SEARCH_DEBOUNCE_MS);

  useEffect(() => {
    let live = true;
    const lists: Promise<PaletteItem[]>[] = [
      client.invoke('sites.list', {}).then((sites) => sites.flatMap(siteItems)),
      // Waiting runs first: approving is the action most often looked for.
      client.invoke('procedures.list', { limit: 50 }).then((runs) => [...runs].sort((a, b) => Number(b.state === 'waiting') - Number(a.state === 'waiting')).flatMap(procedureItems)),
      client.invoke('upgrade.hosts', {}).then((hosts) => hosts.flatMap(hostItems)),
      Promise.resolve(recentHosts().flatMap(savedHostItems)),
    ];
    // A list that cannot be read (no vCenter yet, host down) leaves the others usable.
    void Promise.all(lists.map((p) => p.catch(() => [] as PaletteItem[]))).then((all) => live && setFixed(all.flat()));
    return () => {
      live = false;
    };
  }, [client]);

  // The debounce is the palette's own (above), so the search runs as soon as `search` settles.
  const vms = useVmSearch({ query: search, limit: VM_SEARCH_LIMIT, enabled: search.length >= 2, debounceMs: 0 });

  const current = objectQuery(query);
  const vmRows = current.length >= 2 && vms.answered === search ? vms.rows : [];
  return { items: [...fixed, ...vmRows.flatMap(vmItems)], searching: current.length >= 2 && (search !== current || vms.answered !== search) };
}
