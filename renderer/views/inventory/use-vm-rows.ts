import { useCallback, useEffect, useRef, useState } from 'react';
import { VMS_LIST_MAX, type CommandInput, type VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';

/** The table's filters: the store applies site, power, Tools and enrolled; the search is applied to those rows in the renderer (vm-search-filter.ts). */
export interface VmQuery {
  site: string;
  powerState: '' | 'poweredOn' | 'poweredOff' | 'suspended';
  toolsStatus: '' | 'guestToolsRunning' | 'guestToolsNotRunning' | 'guestToolsExecutingScripts' | 'unknown';
  enrolled: '' | 'yes' | 'no';
  query: string;
}

export const emptyVmQuery: VmQuery = { site: '', powerState: '', toolsStatus: '', enrolled: '', query: '' };

/** The table holds every VM of its filter (up to the contract's ceiling); a search narrows those rows without asking again. */
export const ALL_ROWS_LIMIT = VMS_LIST_MAX;

/** The filter as vms.count takes it (vms.list adds its limit). */
export function vmFilterInput(q: VmQuery): CommandInput<'vms.count'> {
  const query = q.query.trim();
  return {
    ...(q.site ? { site: q.site } : {}),
    ...(q.powerState ? { powerState: q.powerState } : {}),
    ...(q.toolsStatus ? { toolsStatus: q.toolsStatus } : {}),
    ...(q.enrolled ? { enrolled: q.enrolled === 'yes' } : {}),
    ...(query ? { query } : {}),
    includeRemoved: false,
  };
}

export function vmListInput(q: VmQuery, limit = ALL_ROWS_LIMIT): CommandInput<'vms.list'> & { limit: number } {
  return { ...vmFilterInput(q), limit };
}

/** The rows a table asks the store for: its filters without the search. */
const storeQuery = (q: VmQuery): VmQuery => (q.query ? { ...q, query: '' } : q);

/** How long typing must pause before the total of a capped answer is counted. */
export const COUNT_DELAY_MS = 250;

const keyOf = (q: VmQuery): string => JSON.stringify(vmListInput(q));

export interface VmRows {
  /** Every VM of the filters (not yet narrowed by the search: useVmSearch does that). */
  rows: VmSummary[] | null;
  /** The filters the rows answer, search left out (differs from the asked ones while an answer is on its way). */
  shownFor: VmQuery | null;
  /** The answer hit the limit: more VMs match than are shown. */
  capped: boolean;
  /** Every VM the shown rows' filter matches (counted once typing pauses), or null while unknown. */
  total: number | null;
  loading: boolean;
  reload(): void;
}

/**
 * Every VM of the table's filters (the search is left out: typing never asks the store, see
 * useVmSearch). A filter change asks at once, and while an answer is on its way only the latest
 * filter waits (each answer is followed by at most one more request, for whatever was chosen
 * meanwhile). Answers for an older filter are dropped. `inventory.changed` for VMs (or a truncated batch) refetches what is
 * shown the same way: live, never polled. When an answer is cut by its limit, the total is asked
 * (vms.count) only once typing has paused for COUNT_DELAY_MS, so counting never delays the rows
 * of the next keystroke; an answer below its limit is its own total.
 */
export function useVmRows(asked: VmQuery): VmRows {
  const q = storeQuery(asked);
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [state, setState] = useState<{ rows: VmSummary[] | null; shownFor: VmQuery | null; capped: boolean; total: number | null }>({ rows: null, shownFor: null, capped: false, total: null });
  const [loading, setLoading] = useState(true);
  const wanted = useRef(q);
  const inFlight = useRef<string | null>(null);
  const again = useRef(false);
  const alive = useRef(true);
  const countTimer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const countLater = useCallback(
    (asked: VmQuery, key: string): void => {
      if (countTimer.current) clearTimeout(countTimer.current);
      countTimer.current = setTimeout(() => {
        countTimer.current = null;
        if (!alive.current || keyOf(wanted.current) !== key || inFlight.current !== null) return;
        client.invoke('vms.count', vmFilterInput(asked)).then(
          ({ total }) => {
            if (alive.current && keyOf(wanted.current) === key) setState((s) => (s.shownFor && keyOf(s.shownFor) === key ? { ...s, total } : s));
          },
          () => undefined, // the rows are what matters; the count line says "more than N"
        );
      }, COUNT_DELAY_MS);
    },
    [client],
  );

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
        const capped = rows.length >= input.limit;
        if (current) setState((s) => ({ rows, shownFor: asked, capped, total: capped ? (s.shownFor && keyOf(s.shownFor) === key ? s.total : null) : rows.length }));
        if (!current || again.current) fetchLatest();
        else {
          setLoading(false);
          if (capped) countLater(asked, key);
        }
      },
      (err: unknown) => {
        inFlight.current = null;
        if (!alive.current) return;
        setLoading(false);
        store.getState().pushToast(errorToast('Could not list VMs', err));
        if (keyOf(wanted.current) !== key) fetchLatest();
      },
    );
  }, [client, store, countLater]);

  useEffect(() => {
    alive.current = true;
    return () => {
      alive.current = false;
      if (countTimer.current) clearTimeout(countTimer.current);
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
