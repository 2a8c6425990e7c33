import { useEffect, useState } from 'react';
import { subPathFromHash } from './hash-route';
import type { ViewId } from './views';

/** The place inside a view (#/procedures/<id> -> "<id>"), kept in step with the URL fragment. */
export function useHashSubPath(view: ViewId): string | null {
  const [sub, setSub] = useState(() => subPathFromHash(window.location.hash, view));
  useEffect(() => {
    const onHashChange = (): void => setSub(subPathFromHash(window.location.hash, view));
    onHashChange();
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [view]);
  return sub;
}
