/** Hosts this console connected to, newest first: names and ports only (never a secret), kept in the browser's storage. */
export interface RecentHost {
  host: string;
  port: number;
  user: string | null;
  credential: string;
}

const KEY = 'outpost.terminals.recent';
const MAX = 12;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function recentHosts(): RecentHost[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(KEY) ?? '[]');
    if (!Array.isArray(parsed)) return [];
    return parsed.filter(
      (h): h is RecentHost =>
        typeof h === 'object' && h !== null && typeof (h as RecentHost).host === 'string' && typeof (h as RecentHost).port === 'number' && typeof (h as RecentHost).credential === 'string',
    );
  } catch {
    return [];
  }
}

export function rememberHost(entry: RecentHost): void {
  const same = (h: RecentHost): boolean => h.host === entry.host && h.port === entry.port && h.user === entry.user && h.credential === entry.credential;
  const next = [entry, ...recentHosts().filter((h) => !same(h))].slice(0, MAX);
  try {
    storage()?.setItem(KEY, JSON.stringify(next));
  } catch {
    // storage full or disabled: recents are a convenience
  }
}
