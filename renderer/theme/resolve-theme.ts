import type { Theme } from '../../core/contract';

export type ResolvedTheme = 'light' | 'dark';

/** The operator's setting wins; 'system' (and "not loaded yet") follows the OS. */
export function resolveTheme(setting: Theme | undefined, systemPrefersDark: boolean): ResolvedTheme {
  if (setting === 'light' || setting === 'dark') return setting;
  return systemPrefersDark ? 'dark' : 'light';
}

/** What "Toggle theme" switches to: the opposite of what is on screen now, as an explicit choice. */
export function toggledTheme(current: ResolvedTheme): Theme {
  return current === 'dark' ? 'light' : 'dark';
}
