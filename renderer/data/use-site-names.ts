import { useEffect, useState } from 'react';
import { useClient } from '../app/shell-context';

/**
 * The vCenter sites' names, read once (`loaded` once answered or failed), and the chosen one (the first site unless the caller set
 * one). A failure leaves the list empty: the picker then says there is no site yet.
 */
export function useSiteNames(initial = ''): { sites: string[]; loaded: boolean; site: string; setSite(name: string): void } {
  const client = useClient();
  const [sites, setSites] = useState<string[]>([]);
  const [site, setSite] = useState(initial);
  const [loaded, setLoaded] = useState(false);
  useEffect(() => {
    let live = true;
    client.invoke('sites.list', {}).then(
      (list) => {
        if (!live) return;
        setLoaded(true);
        setSites(list.map((s) => s.name));
        setSite((s) => s || list[0]?.name || '');
      },
      () => live && setLoaded(true),
    );
    return () => {
      live = false;
    };
  }, [client]);
  return { sites, loaded, site, setSite };
}
