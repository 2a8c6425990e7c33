import { useEffect, useState } from 'react';
import { saveColumnPrefs, type ColumnPrefs } from './column-prefs';

/** A table's column prefs, loaded from and saved to localStorage under `storageKey` (reloaded when the key changes). */
export function useColumnPrefs(storageKey: string, load: () => ColumnPrefs): [ColumnPrefs, (p: ColumnPrefs) => void] {
  const [prefs, setPrefs] = useState<ColumnPrefs>(load);
  // eslint-disable-next-line react-hooks/exhaustive-deps -- `load` is an inline reader for this key
  useEffect(() => setPrefs(load()), [storageKey]);
  const update = (p: ColumnPrefs): void => {
    setPrefs(p);
    saveColumnPrefs(storageKey, p);
  };
  return [prefs, update];
}
