import { useCallback, useEffect, useRef, useState } from 'react';
import type { CommandInput, VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';

/** Everything the table asks vms.list for; power state and site are filtered in the store. */
export interface VmQuery {
  site: string;
  powerState: '' | 'poweredOn' | 'poweredOff' | 'suspended';
  query: string;
}

/** Without a search the table holds every VM (the contract's ceiling); a search shows the first matches by name. */
export const ALL_ROWS_LIMIT = 200_000;
export const SEARCH_LIMIT = 200;

export function vmListInput(q: VmQuery, limit?: number): CommandInput<'vms.list'> & { limit: number } {
  const query = q.query.trim();
  return {
    ...(q.site ? { site: q.site } : {}),
    ...(q.powerState ? { powerState: q.powerState } : {}),
    ...(query ? { query } : {}),
    includeRemoved: false,
    limit: limit ?? (query ? SEARCH_LIMIT : ALL_ROWS_LIMIT),
  };
}

const keyOf = (q: VmQuery): string => JSON.stringify(vmListInput(q));

export interface VmRows {
  rows: VmSummary[] | null;
  /** The query the shown rows answer (differs from the typed one while an answer is on its way). */
  shownFor: VmQuery | null;
  /** The answer hit the limit: more VMs match than are shown. */
  capped: boolean;
  loading: boolean;
  reload(): void;
}

/**
 * VM rows for the table. Search as you type without a fixed debounce: the first keystroke asks
 * at once, and while an answer is on its way only the latest query waits (each answer is
 * followed by at most one more request, for whatever was typed meanwhile). Answers for an
 * older query are dropped. `inventory.changed` for VMs (or a truncated batch) refetches what is
 * shown the same way: live, never polled.
 */
export function useVmRows(q: VmQuery): VmRows {
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [state, setState] = useState<{ rows: VmSummary[] | null; shownFor: VmQuery | null; capped: boolean }>({ rows: null, shownFor: null, capped: false });
  const [loading, setLoading] = useState(true);
  const wanted = useRef(q);
  const inFlight = useRef<string | null>(null);
  const again = useRef(false);
  const alive = useRef(true);

  const fetchLatest = useCallback((): void => {
    if (inFlight.current !== null) {
      again.current = true;
      return;
    }
    const asked = wanted.current;
    const key = keyOf(asked);
    const input = vmListInput(asked);
    inFlight.current = key;
    again.current = false;
    setLoading(true);
    client.invoke('vms.list', input).then(
      (rows) => {
        inFlight.current = null;
        if (!alive.current) return;
        const current = keyOf(wanted.current) === key;
        if (current) setState({ rows, shownFor: asked, capped: rows.length >= input.limit });
        if (!current || again.current) fetchLatest();
        else setLoading(false);
      },
      (err: unknown) => {
        inFlight.current = null;
        if (!alive.current) return;
        setLoading(false);
        store.getState().pushToast(errorToast('Could not list VMs', err));
        if (keyOf(wanted.current) !== key) fetchLatest();
      },
    );
  }, [client, store]);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
    };
  }, []);

  const key = keyOf(q);
  useEffect(() => {
    wanted.current = q;
    if (connected) fetchLatest();
    // q is represented by key
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, connected, fetchLatest]);

  useEffect(
    () =>
      client.on('inventory.changed', (batch) => {
        const site = wanted.current.site;
        if (site && batch.site !== site) return;
        if (batch.truncated || batch.changes.some((c) => c.type === 'VirtualMachine' || c.type === 'HostSystem')) fetchLatest();
      }),
    [client, fetchLatest],
  );

  return { ...state, loading, reload: fetchLatest };
}
