import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import type { OutpostClient } from '../../core/contract';
import { errorToast } from '../app/error-toast';
import { useClient, useShell, useShellStore } from '../app/shell-context';

export interface QueryState<T> {
  data: T | null;
  loading: boolean;
  failed: boolean;
  reload(): void;
}

/**
 * Runs one contract read for a view: on mount, on every (re)connection, on reload() and when
 * `key` changes (the reader's parameters, e.g. a filter). A failure becomes a toast with its
 * code; answers that arrive after unmount, or for an older key, are dropped.
 */
export function useContractQuery<T>(title: string, read: (client: OutpostClient) => Promise<T>, key = ''): QueryState<T> {
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [data, setData] = useState<T | null>(null);
  const [loading, setLoading] = useState(true);
  const [failed, setFailed] = useState(false);
  const [generation, setGeneration] = useState(0);
  // The reader is usually an inline arrow; keep the latest without refetching on every render.
  const readRef = useRef(read);
  useLayoutEffect(() => {
    readRef.current = read;
  });

  useEffect(() => {
    if (!connected) return undefined;
    let alive = true;
    setLoading(true);
    readRef.current(client).then(
      (value) => {
        if (!alive) return;
        setData(value);
        setFailed(false);
        setLoading(false);
      },
      (err: unknown) => {
        if (!alive) return;
        setFailed(true);
        setLoading(false);
        store.getState().pushToast(errorToast(title, err));
      },
    );
    return () => {
      alive = false;
    };
  }, [client, store, title, connected, generation, key]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { data, loading, failed, reload };
}
