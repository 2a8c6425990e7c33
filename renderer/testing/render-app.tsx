import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { createClient } from '../../core/contract';
import { App } from '../app/App';
import { createShellStore, type ShellStore } from '../app/shell-store';
import type { ViewId } from '../navigation/views';
import type { FakeBridge } from './fake-bridge';

// Tell React this is a test environment so act() flushes effects and updates.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

const mounted = new Set<{ root: Root; container: HTMLElement }>();

export interface RenderedApp {
  store: ShellStore;
  unmount(): void;
}

/**
 * Renders the whole shell over a fake bridge into document.body (so Testing Library's `screen`
 * finds it) and lets the first loads settle. Call unmountAll() after each test.
 */
export async function renderApp(bridge: FakeBridge, view: ViewId = 'inventory'): Promise<RenderedApp> {
  window.history.replaceState(null, '', `/#/${view}`);
  const store = createShellStore({ view, connection: bridge.connection.get() });
  const container = document.body.appendChild(document.createElement('div'));
  const root = createRoot(container);
  const entry = { root, container };
  mounted.add(entry);
  await act(async () => {
    root.render(<App client={createClient(bridge)} bridge={bridge} initialView={view} store={store} />);
  });
  return {
    store,
    unmount: () => {
      act(() => root.unmount());
      container.remove();
      mounted.delete(entry);
    },
  };
}

export function unmountAll(): void {
  for (const { root, container } of mounted) {
    act(() => root.unmount());
    container.remove();
  }
  mounted.clear();
}
