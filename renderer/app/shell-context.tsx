import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { OutpostClient } from '../../core/contract';
import type { ConnectedBridge } from '../transport/connection-state';
import type { ShellState, ShellStore } from './shell-store';

interface ShellContextValue {
  client: OutpostClient;
  bridge: ConnectedBridge;
  store: ShellStore;
}

const ShellContext = createContext<ShellContextValue | null>(null);

export function ShellProvider(props: ShellContextValue & { children: ReactNode }) {
  const { client, bridge, store, children } = props;
  return <ShellContext.Provider value={{ client, bridge, store }}>{children}</ShellContext.Provider>;
}

function useShellContext(): ShellContextValue {
  const value = useContext(ShellContext);
  if (!value) throw new Error('ShellProvider is missing above this component');
  return value;
}

/** The typed contract client: the only way views reach the core. */
export function useClient(): OutpostClient {
  return useShellContext().client;
}

export function useBridge(): ConnectedBridge {
  return useShellContext().bridge;
}

export function useShellStore(): ShellStore {
  return useShellContext().store;
}

export function useShell<T>(selector: (state: ShellState) => T): T {
  return useStore(useShellContext().store, selector);
}
