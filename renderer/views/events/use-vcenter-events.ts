import { useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { EventFilter, VcenterEvent } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';

/** The most events a list keeps in memory: live arrivals push the oldest out (load older pages back on demand). */
export const MAX_EVENTS_SHOWN = 1000;

type Cursor = { createdAt: string; id: number };

/** Whether a live event matches the filter the list shows (the same rules as events.list). */
export function matchesEventFilter(e: VcenterEvent, f: EventFilter): boolean {
  const has = (value: string | null, part: string): boolean => value !== null && value.toLowerCase().includes(part.toLowerCase());
  if (f.site && e.site !== f.site) return false;
  if (f.type && (f.type.endsWith('*') ? !e.type.startsWith(f.type.slice(0, -1)) : e.type !== f.type)) return false;
  if (f.user && e.userName !== f.user) return false;
  if (f.vm && e.vmMoref !== f.vm && !has(e.vmName, f.vm)) return false;
  if (f.host && e.hostMoref !== f.host && !has(e.hostName, f.host)) return false;
  if (f.since && Date.parse(e.createdAt) < Date.parse(f.since)) return false;
  if (f.until && Date.parse(e.createdAt) > Date.parse(f.until)) return false;
  return true;
}

/**
 * vCenter events for a filter: the newest page from events.list, older pages on demand, and events
 * the index stores from now on (inventory.events) put on top. Bounded: at most MAX_EVENTS_SHOWN.
 */
export function useVcenterEvents(filter: EventFilter, pageSize: number): {
  events: VcenterEvent[];
  loading: boolean;
  more: boolean;
  loadOlder(): void;
} {
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [events, setEvents] = useState<VcenterEvent[]>([]);
  const [next, setNext] = useState<Cursor | null>(null);
  const [loading, setLoading] = useState(true);
  const request = useRef(0);
  const key = JSON.stringify(filter);
  const filterRef = useRef(filter);
  useLayoutEffect(() => {
    filterRef.current = filter;
  });

  useEffect(() => {
    if (!connected) return undefined;
    const mine = ++request.current;
    setLoading(true);
    client.invoke('events.list', { ...(JSON.parse(key) as EventFilter), limit: pageSize }).then(
      (page) => {
        if (mine !== request.current) return;
        setEvents(page.events);
        setNext(page.next);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== request.current) return;
        setLoading(false);
        store.getState().pushToast(errorToast('Could not read vCenter events', err));
      },
    );
    return () => {
      request.current += 1;
    };
  }, [client, store, key, pageSize, connected]);

  useEffect(
    () =>
      client.on('inventory.events', (message) => {
        const fresh = message.events.filter((e) => matchesEventFilter(e, filterRef.current));
        if (fresh.length === 0) return;
        setEvents((list) => {
          const known = new Set(list.map((e) => e.id));
          const add = fresh.filter((e) => !known.has(e.id)).reverse();
          return add.length ? [...add, ...list].slice(0, MAX_EVENTS_SHOWN) : list;
        });
      }),
    [client],
  );

  const loadOlder = (): void => {
    if (!next) return;
    const mine = ++request.current;
    setLoading(true);
    client.invoke('events.list', { ...filterRef.current, limit: pageSize, before: next }).then(
      (page) => {
        if (mine !== request.current) return;
        setEvents((list) => {
          const known = new Set(list.map((e) => e.id));
          // Paging back drops the newest beyond the bound: the list stays a window, never unbounded.
          return [...list, ...page.events.filter((e) => !known.has(e.id))].slice(-MAX_EVENTS_SHOWN);
        });
        setNext(page.next);
        setLoading(false);
      },
      (err: unknown) => {
        if (mine !== request.current) return;
        setLoading(false);
        store.getState().pushToast(errorToast('Could not load older events', err));
      },
    );
  };

  return { events, loading, more: next !== null, loadOlder };
}

/** What an event says happened, for a row: vCenter's message, else its type in words. */
export function eventText(e: VcenterEvent): string {
  if (e.message) return e.message;
  return e.type.replace(/Event$/, '').replace(/([a-z])([A-Z])/g, '$1 $2');
}
