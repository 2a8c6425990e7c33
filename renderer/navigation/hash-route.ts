import { isViewId, type ViewId } from './views';

// The current view lives in the fragment (#/audit) so a reload keeps it and Back works.
// Fragments never reach the server and never trigger Electron's will-navigate.

export function viewFromHash(hash: string): ViewId | null {
  const id = hash.replace(/^#\/?/, '');
  return isViewId(id) ? id : null;
}

export function hashForView(view: ViewId): string {
  return `#/${view}`;
}
