import { useState } from 'react';
import type { OutpostClient } from '../../core/contract';
import { Shell } from '../shell/Shell';
import type { ConnectedBridge } from '../transport/connection-state';
import { ShellProvider } from './shell-context';
import { createShellStore, type ShellStore } from './shell-store';
import type { ViewId } from '../navigation/views';

interface AppProps {
  client: OutpostClient;
  bridge: ConnectedBridge;
  initialView: ViewId;
  /** Tests pass their own store to inspect it; the app creates one per mount. */
  store?: ShellStore;
}

export function App({ client, bridge, initialView, store: given }: AppProps) {
  const [store] = useState(() => given ?? createShellStore({ view: initialView, connection: bridge.connection.get() }));
  return (
    <ShellProvider client={client} bridge={bridge} store={store}>
      <Shell />
    </ShellProvider>
  );
}
