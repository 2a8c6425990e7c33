import { useEffect } from 'react';
import { useShellStore } from '../app/shell-context';
import { hashForView, viewFromHash } from './hash-route';

/** Two-way sync between the store's view and the URL fragment; disposed on unmount. */
export function useHashRoute(): void {
  const store = useShellStore();

  useEffect(() => {
    const onHashChange = (): void => {
      const view = viewFromHash(window.location.hash);
      if (view && view !== store.getState().view) store.getState().navigate(view);
    };
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.view !== previous.view && viewFromHash(window.location.hash) !== state.view) {
        window.location.hash = hashForView(state.view);
      }
    });
    if (viewFromHash(window.location.hash) !== store.getState().view) {
      // The first view replaces the entry instead of adding one to Back.
      window.history.replaceState(window.history.state, '', hashForView(store.getState().view));
    }
    window.addEventListener('hashchange', onHashChange);
    return () => {
      unsubscribe();
      window.removeEventListener('hashchange', onHashChange);
    };
  }, [store]);
}
