import { useEffect } from 'react';
import { useShell, useShellStore } from '../app/shell-context';
import { resolveTheme, type ResolvedTheme } from './resolve-theme';

const DARK_QUERY = '(prefers-color-scheme: dark)';

export function useResolvedTheme(): ResolvedTheme {
  const setting = useShell((s) => s.settings?.theme);
  const systemPrefersDark = useShell((s) => s.systemPrefersDark);
  return resolveTheme(setting, systemPrefersDark);
}

/**
 * Follows the OS colour scheme live and puts the resolved theme on <html data-theme> where the
 * stylesheet picks it up (a class on the root, not injected styles: the CSP forbids those).
 */
export function useAppliedTheme(): void {
  const store = useShellStore();
  const theme = useResolvedTheme();

  useEffect(() => {
    // jsdom and some embedded views have no matchMedia: then 'system' means light.
    const query = typeof window.matchMedia === 'function' ? window.matchMedia(DARK_QUERY) : null;
    if (!query) return undefined;
    const apply = (): void => store.getState().setSystemPrefersDark(query.matches);
    apply();
    query.addEventListener('change', apply);
    return () => query.removeEventListener('change', apply);
  }, [store]);

  useEffect(() => {
    const root = document.documentElement;
    root.dataset.theme = theme;
  }, [theme]);
}
