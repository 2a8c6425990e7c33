import { WIRE_PATH } from '../../core/contract';

// Kept per tab so a reload still connects after the token left the visible URL.
const STORAGE_KEY = 'outpost.hostToken';

function readStorage(storage: Storage | null): string | null {
  try {
    return storage?.getItem(STORAGE_KEY) ?? null;
  } catch {
    return null; // storage can be disabled; the hash token still works for this page load
  }
}

function writeStorage(storage: Storage | null, token: string): void {
  try {
    storage?.setItem(STORAGE_KEY, token);
  } catch {
    // Without storage a reload needs the host's URL again; nothing else to do.
  }
}

/**
 * Takes the host's per-run token from `#token=...` (the fragment never reaches a server or a
 * Referer), remembers it for reloads and removes it from the address bar so it does not end up
 * in screenshots or bookmarks. A token in the URL wins over a remembered one: a restarted host
 * prints a new URL with a new token.
 */
export function takeHostToken(location: Location, history: History, storage: Storage | null): string | null {
  const fromHash = new URLSearchParams(location.hash.replace(/^#/, '')).get('token');
  if (fromHash) {
    writeStorage(storage, fromHash);
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
    return fromHash;
  }
  return readStorage(storage);
}

/** The host serves the socket on the page's own origin (its CSP allows nothing else). */
export function hostSocketUrl(location: Location, token: string): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${WIRE_PATH}?token=${encodeURIComponent(token)}`;
}
