import { isViewId, type ViewId } from './views';

// The current view lives in the fragment (#/audit) so a reload keeps it and Back works; a view
// may keep its own place after it (#/procedures/<id>) and its state in parameters after a "?"
// (#/inventory?q=web&vm=lab%2Fvm-42: search, filters, sort, selection), so an address can be
// shared and Back/Forward step through it. Fragments never reach the server and never trigger
// Electron's will-navigate. Never a secret in them.

/** The fragment without its "#/" and without its parameters. */
function pathOf(hash: string): string {
  return hash.replace(/^#\/?/, '').split('?')[0] ?? '';
}

export function viewFromHash(hash: string): ViewId | null {
  const id = pathOf(hash).split('/')[0] ?? '';
  return isViewId(id) ? id : null;
}

/** What follows the view in the fragment (#/procedures/abc -> "abc"), or null. */
export function subPathFromHash(hash: string, view: ViewId): string | null {
  const rest = pathOf(hash);
  if (!rest.startsWith(`${view}/`)) return null;
  try {
    const sub = decodeURIComponent(rest.slice(view.length + 1));
    return sub === '' ? null : sub;
  } catch {
    return null; // a malformed escape: treat as the view itself
  }
}

/** The parameters after "?" in the fragment (empty when there are none). */
export function paramsFromHash(hash: string): URLSearchParams {
  const at = hash.indexOf('?');
  return new URLSearchParams(at < 0 ? '' : hash.slice(at + 1));
}

export function hashForView(view: ViewId, subPath?: string, params?: URLSearchParams | Record<string, string>): string {
  const path = subPath ? `#/${view}/${encodeURIComponent(subPath)}` : `#/${view}`;
  const search = params ? new URLSearchParams(params).toString() : '';
  return search ? `${path}?${search}` : path;
}

/** The same fragment with other parameters (the view and its place kept). */
export function hashWithParams(hash: string, params: URLSearchParams): string {
  const base = hash.split('?')[0] || '#/';
  const search = params.toString();
  return search ? `${base}?${search}` : base;
}
