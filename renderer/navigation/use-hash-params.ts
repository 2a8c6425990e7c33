import { useCallback, useEffect, useState } from 'react';
import { hashWithParams, paramsFromHash } from './hash-route';

// pushState/replaceState fire no event: this one tells every useHashParams that the address moved.
const PARAMS_CHANGED = 'outpost:hash-params';

/**
 * A view's state in the address (#/view?key=value): read on every change (Back/Forward, a link,
 * a reload), written with `replace` while typing (one history entry per search, not per key) or
 * `push` for a step the operator may want to go back from (a selection, a filter).
 */
export function useHashParams(): [URLSearchParams, (update: (params: URLSearchParams) => void, mode: 'push' | 'replace') => void] {
  const [hash, setHash] = useState(() => window.location.hash);
  useEffect(() => {
    const read = (): void => setHash(window.location.hash);
    window.addEventListener('hashchange', read);
    window.addEventListener('popstate', read);
    window.addEventListener(PARAMS_CHANGED, read);
    read();
    return () => {
      window.removeEventListener('hashchange', read);
      window.removeEventListener('popstate', read);
      window.removeEventListener(PARAMS_CHANGED, read);
    };
  }, []);
  const write = useCallback((update: (params: URLSearchParams) => void, mode: 'push' | 'replace'): void => {
    const params = paramsFromHash(window.location.hash);
    update(params);
    const next = hashWithParams(window.location.hash, params);
    if (next === window.location.hash) return;
    if (mode === 'push') window.history.pushState(window.history.state, '', next);
    else window.history.replaceState(window.history.state, '', next);
    window.dispatchEvent(new Event(PARAMS_CHANGED));
  }, []);
  return [paramsFromHash(hash), write];
}
