/**
 * Keys the console keeps for itself while a terminal has focus. Shells and TUIs need Ctrl+letter,
 * Escape and the function keys, so these use modifier combinations they do not (as Tabby does):
 * Ctrl+Shift+P opens the command palette, Ctrl+Tab / Ctrl+Shift+Tab switch terminal tabs and
 * Ctrl+Shift+F6 leaves the terminal for the console (focus moves to the terminal's tab).
 */
export type ConsoleKey = 'palette' | 'next-tab' | 'previous-tab' | 'leave';

export const LEAVE_TERMINAL_KEY = { label: 'Ctrl+Shift+F6', aria: 'Control+Shift+F6' } as const;

type KeyLike = Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'code' | 'key'>;

export function consoleKey(event: KeyLike): ConsoleKey | null {
  if (event.altKey) return null;
  if (event.ctrlKey && event.key === 'Tab') return event.shiftKey ? 'previous-tab' : 'next-tab';
  if (!(event.ctrlKey || event.metaKey) || !event.shiftKey) return null;
  if (event.code === 'KeyP') return 'palette';
  if (event.key === 'F6') return 'leave';
  return null;
}

export function isConsoleKey(event: KeyLike): boolean {
  return consoleKey(event) !== null;
}
