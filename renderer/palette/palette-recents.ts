import { isPaletteItem, type PaletteItem } from './palette-items';

const KEY = 'outpost.palette.recent';
export const MAX_RECENTS = 8;

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

/** Entries run from the palette before, newest first (what was stored by another version is dropped). */
export function paletteRecents(): PaletteItem[] {
  try {
    const parsed: unknown = JSON.parse(storage()?.getItem(KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter(isPaletteItem) : [];
  } catch {
    return [];
  }
}

export function rememberPaletteItem(item: PaletteItem): void {
  const next = [item, ...paletteRecents().filter((r) => r.id !== item.id)].slice(0, MAX_RECENTS);
  try {
    storage()?.setItem(KEY, JSON.stringify(next));
  } catch {
    // storage full or disabled: recents are a convenience
  }
}
