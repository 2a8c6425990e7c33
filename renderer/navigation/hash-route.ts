import { isViewId, type ViewId } from './views';

// The current view lives in the fragment (#/audit) so a reload keeps it and Back works; a view
// may keep its own place after it (#/procedures/<id>). Fragments never reach the server and never
// trigger Electron's will-navigate.

export function viewFromHash(hash: string): ViewId | null {
  const id = hash.replace(/^#\/?/, '').split('/')[0] ?? '';
  return isViewId(id) ? id : null;
}

/** What follows the view in the fragment (#/procedures/abc -> "abc"), or null. */
export function subPathFromHash(hash: string, view: ViewId): string | null {
  const rest = hash.replace(/^#\/?/, '');
  if (!rest.startsWith(`${view}/`)) return null;
  try {
    const sub = decodeURIComponent(rest.slice(view.length + 1));
    return sub === '' ? null : sub;
  } catch {
    return null; // a malformed escape: treat as the view itself
  }
}

export function hashForView(view: ViewId, subPath?: string): string {
  return subPath ? `#/${view}/${encodeURIComponent(subPath)}` : `#/${view}`;
}
