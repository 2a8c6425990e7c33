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

/** The same store filters (the search left out: the table narrows by it itself). */
export const sameFilters = (a: VmQuery, b: VmQuery): boolean => keyOf(storeQuery(a)) === keyOf(storeQuery(b));

/** The first page: more than a screen of rows, so the table paints them before the rest arrives. */
export const FIRST_PAGE = 500;
/** Every later page: big enough that 50,000 VMs take a few answers, small enough that none holds the main thread long. */
export const PAGE = 10_000;
/**
 * While pages arrive, the table is re-rendered with the rows so far once they have doubled since
 * it last was (and at the end): each re-render sorts every row held (a second at 250,000 VMs on a
 * busy machine), so the sorts of a whole load add up to about two of the last one.
 */
const PROGRESS_GROWTH = 2;

const keyOf = (q: VmQuery): string => JSON.stringify(vmFilterInput(q));

export interface VmRows {
  /** The VMs of the filters so far (not yet narrowed by the search: useVmTableFilter does that); every one once `complete`. */
  rows: VmSummary[] | null;
  /** The filters the rows answer, search left out (differs from the asked ones while an answer is on its way). */
  shownFor: VmQuery | null;
  /** More VMs match than one table holds (VMS_LIST_MAX): the rows are the first of `total`. */
  capped: boolean;
  /** Every VM the shown rows' filter matches, or null while unknown. */
  total: number | null;
  /** Every page has arrived (false: `rows` are the first of `total`, the rest on the way). */
  complete: boolean;
  loading: boolean;
  reload(): void;
}

interface Shown {
  rows: VmSummary[] | null;
  shownFor: VmQuery | null;
  capped: boolean;
  total: number | null;
  complete: boolean;
}

/**
 * Every VM of the table's filters (the search is left out: typing never asks the store, see
 * useVmTableFilter), page by page: the first FIRST_PAGE rows (the store's name order, the table's
 * default) with the filter's total (vms.count, asked only when the first page is full), shown at once, then the rest in pages of PAGE
 * in the background (shown each time the rows held have doubled). At 50,000 VMs one answer of every row was
 * 24 MB of JSON that the table waited for (and held, while parsing, on top of the rows).
 *
 * A filter change asks at once; while a load is on its way only the latest filter waits (a load
 * for an older filter stops at its next page). `inventory.changed` for VMs (or a truncated
 * batch) reloads what is shown: live, never polled; a reload keeps the rows shown until every
 * page of the new answer is in, so the table never shrinks back to a first page. A change during
 * a load is followed by one reload once it ends (offset pages may have missed a moved VM).
 */
export function useVmRows(asked: VmQuery): VmRows {
  const q = storeQuery(asked);
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [state, setState] = useState<Shown>({ rows: null, shownFor: null, capped: false, total: null, complete: false });
  const [loading, setLoading] = useState(true);
  const wanted = useRef(q);
  const inFlight = useRef<string | null>(null);
  const again = useRef(false);
  const alive = useRef(true);
  /** The filter whose every page is shown (a reload of it is not progressive). */
  const completeKey = useRef<string | null>(null);

  const fetchLatest = useCallback((): void => {
    if (inFlight.current !== null) {
      again.current = true;
      return;
    }
    const asked = wanted.current;
    const key = keyOf(asked);
    const filter = vmFilterInput(asked);
    const progressive = completeKey.current !== key;
    inFlight.current = key;
    again.current = false;
    setLoading(true);
    const current = (): boolean => alive.current && keyOf(wanted.current) === key;
    const load = async (): Promise<void> => {
      const rows: VmSummary[] = [];
      // Offset pages may repeat a VM that moved between two of them: each is kept once.
      const seen = new Set<string>();
      let page = await client.invoke('vms.list', { ...filter, limit: FIRST_PAGE, offset: 0 });
      // A short first page is every VM; a full one is shown with its total ("Loading VMs: 500 of 50,000").
      const counted = page.length < FIRST_PAGE ? { total: page.length } : await client.invoke('vms.count', filter);
      let limit = FIRST_PAGE;
      let offset = 0;
      let shownLength = 0;
      for (;;) {
        if (!current()) return;
        offset += page.length;
        for (const vm of page) {
          const id = `${vm.site}/${vm.moref}`;
          if (seen.has(id)) continue;
          seen.add(id);
          rows.push(vm);
        }
        const capped = rows.length >= ALL_ROWS_LIMIT;
        const done = page.length < limit || capped;
        if (done || (progressive && rows.length >= shownLength * PROGRESS_GROWTH)) {
          shownLength = rows.length;
          const total = done && !capped ? rows.length : Math.max(counted.total, rows.length);
          setState({ rows: done ? rows : rows.slice(), shownFor: asked, capped, total, complete: done });
          // Part of this filter's rows is shown now: a reload of the one complete before must start over.
          if (!done) completeKey.current = null;
        }
        if (done) {
          completeKey.current = key;
          return;
        }
        limit = Math.min(PAGE, ALL_ROWS_LIMIT - rows.length);
        page = await client.invoke('vms.list', { ...filter, limit, offset });
      }
    };
    load().then(
      () => {
        inFlight.current = null;
        if (!alive.current) return;
        if (keyOf(wanted.current) !== key || again.current) fetchLatest();
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
