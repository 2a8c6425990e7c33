import { useEffect } from 'react';
import { errorToast } from './error-toast';
import { RECENT_TASKS } from './shell-store';
import { useBridge, useClient, useShellStore } from './shell-context';

/**
 * Keeps the shell's metadata (app info, settings, status, connection) in the store. Events keep
 * it current while connected; every (re)connection refetches, since events sent while the socket
 * was down are lost. Every subscription is disposed on unmount.
 */
export function useShellData(): void {
  const client = useClient();
  const bridge = useBridge();
  const store = useShellStore();

  useEffect(() => {
    let alive = true;
    const { setInfo, setSettings, setStatus, setConnection, setTasks, upsertTask, pushToast } = store.getState();

    const refresh = (): void => {
      const load = <T,>(title: string, call: Promise<T>, apply: (value: T) => void): void => {
        call.then(
          (value) => alive && apply(value),
          (err: unknown) => alive && pushToast(errorToast(title, err)),
        );
      };
      load('Could not read app info', client.invoke('app.info', {}), setInfo);
      load('Could not read settings', client.invoke('settings.get', {}), setSettings);
      load('Could not read status', client.invoke('status.get', {}), setStatus);
      load('Could not read recent tasks', client.invoke('tasks.list', { limit: RECENT_TASKS }), (r) => setTasks(r.tasks));
    };

    const disposers = [
      client.on('settings.changed', (settings) => setSettings(settings)),
      client.on('status.changed', (status) => setStatus(status)),
      client.on('task.updated', (task) => upsertTask(task)),
      bridge.connection.subscribe((state) => {
        const wasConnected = store.getState().connection.phase === 'connected';
        setConnection(state);
        if (state.phase === 'connected' && !wasConnected) refresh();
      }),
    ];
    setConnection(bridge.connection.get());
    if (bridge.connection.get().phase === 'connected') refresh();

    return () => {
      alive = false;
      for (const dispose of disposers) dispose();
    };
  }, [client, bridge, store]);
}
