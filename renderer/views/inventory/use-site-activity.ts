import { useCallback, useEffect, useRef, useState } from 'react';
import type { SyncProgress, SyncResult, WatchStatusSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';

export interface SyncState {
  running: boolean;
  startedAt: number;
  /** The latest inventory.sync.progress of the running sync (pages stored, counts so far). */
  progress: SyncProgress | null;
  result: SyncResult | null;
  error: { code: string; message: string } | null;
}

export interface SiteActivity {
  syncs: Record<string, SyncState>;
  watches: Record<string, WatchStatusSummary>;
  sync(site: string): void;
  watch(site: string, on: boolean): void;
  /** A site just added: sync it, then keep it current (no more clicks). */
  syncThenWatch(site: string): void;
}

const errorOf = (err: unknown): { code: string; message: string } => {
  const e = err as { code?: unknown; message?: unknown };
  return { code: typeof e.code === 'string' ? e.code : 'INTERNAL', message: typeof e.message === 'string' ? e.message : String(err) };
};

type Watches = Record<string, WatchStatusSummary>;

/** `all` with `w` in it unless it already holds a newer status of that site (a command's answer can arrive after a later event). */
export function withNewerWatch(all: Watches, w: WatchStatusSummary): Watches {
  const held = all[w.site];
  return held && held.version > w.version ? all : { ...all, [w.site]: w };
}

/**
 * The watcher list the host answered, except where an event that came while it was asked for
 * (`heard`) is newer. A site neither listed nor heard of is dropped (its watcher stopped, or the
 * host restarted).
 */
export function mergeWatchList(list: readonly WatchStatusSummary[], heard: Watches): Watches {
  let all: Watches = Object.fromEntries(list.map((w) => [w.site, w]));
  for (const w of Object.values(heard)) all = withNewerWatch(all, w);
  return all;
}

/**
 * Per-site sync runs started here and the watchers the host runs (inventory.watch events keep
 * them current). `onSynced` runs after each finished sync (the sites list shows the new time).
 */
export function useSiteActivity(onSynced: () => void): SiteActivity {
  const client = useClient();
  const store = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const [syncs, setSyncs] = useState<Record<string, SyncState>>({});
  const [watches, setWatches] = useState<Watches>({});
  /** Sites whose sync this window started (their end is the command's answer). */
  const ownSyncs = useRef(new Set<string>());
  const onSyncedRef = useRef(onSynced);
  onSyncedRef.current = onSynced;

  useEffect(() => {
    if (!connected) return undefined;
    let alive = true;
    let heard: Watches = {};
    const off = client.on('inventory.watch', (w) => {
      heard = withNewerWatch(heard, w);
      setWatches((all) => withNewerWatch(all, w));
    });
    client.invoke('inventory.watch.status', {}).then(
      (list) => alive && setWatches(mergeWatchList(list, heard)),
      (err: unknown) => alive && store.getState().pushToast(errorToast('Could not read the watchers', err)),
    );
    // Progress of any sync this host runs: started here, or by another window on the same host
    // (that one's end is its 'done' event; ours is the command's answer, which carries more).
    const offProgress = client.on('inventory.sync.progress', (p) => {
      if (p.phase === 'done' && !ownSyncs.current.has(p.site)) {
        setSyncs((all) => {
          const { [p.site]: _ended, ...rest } = all;
          return rest;
        });
        onSyncedRef.current();
        return;
      }
      setSyncs((all) => {
        const was = all[p.site];
        return { ...all, [p.site]: { running: true, startedAt: was?.running ? was.startedAt : Date.now() - p.elapsedMs, progress: p, result: was?.result ?? null, error: null } };
      });
    });
    return () => {
      alive = false;
      off();
      offProgress();
    };
  }, [client, store, connected]);

  const runSync = useCallback(
    (site: string): Promise<boolean> => {
      setSyncs((all) => ({ ...all, [site]: { running: true, startedAt: Date.now(), progress: null, result: all[site]?.result ?? null, error: null } }));
      ownSyncs.current.add(site);
      return client.invoke('inventory.sync', { site }).then(
        (result) => {
          ownSyncs.current.delete(site);
          setSyncs((all) => ({ ...all, [site]: { running: false, startedAt: all[site]?.startedAt ?? Date.now(), progress: null, result, error: null } }));
          onSynced();
          return true;
        },
        (err: unknown) => {
          ownSyncs.current.delete(site);
          setSyncs((all) => ({ ...all, [site]: { running: false, startedAt: all[site]?.startedAt ?? Date.now(), progress: null, result: null, error: errorOf(err) } }));
          store.getState().pushToast(errorToast(`Sync of ${site} failed`, err));
          return false;
        },
      );
    },
    [client, store, onSynced],
  );
  const sync = useCallback((site: string): void => void runSync(site), [runSync]);

  const watch = useCallback(
    (site: string, on: boolean): void => {
      client.invoke(on ? 'inventory.watch.start' : 'inventory.watch.stop', { site }).then(
        (w) => {
          setWatches((all) => withNewerWatch(all, w));
          onSynced();
        },
        (err: unknown) => store.getState().pushToast(errorToast(on ? `Could not watch ${site}` : `Could not stop watching ${site}`, err)),
      );
    },
    [client, store, onSynced],
  );

  // The watcher takes its own snapshot: it starts once the first sync has filled the store (and the operator saw its progress).
  const syncThenWatch = useCallback((site: string): void => void runSync(site).then((ok) => ok && watch(site, true)), [runSync, watch]);

  return { syncs, watches, sync, watch, syncThenWatch };
}
