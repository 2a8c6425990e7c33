import { useEffect } from 'react';
import { useShellStore } from '../app/shell-context';
import { viewForKey } from './views';

// Long enough to type "g" then a letter without hurrying, short enough not to surprise later.
const SEQUENCE_TIMEOUT_MS = 1500;

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

/**
 * The palette's keys: Ctrl/Cmd+K, and Ctrl/Cmd+Shift+P as in VS Code (inside a terminal too: the
 * terminal lets these through to the window instead of sending them to the shell).
 */
export function isPaletteKey(event: Pick<KeyboardEvent, 'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey' | 'key'>): boolean {
  if (!(event.ctrlKey || event.metaKey) || event.altKey) return false;
  const key = event.key.toLowerCase();
  return (key === 'k' && !event.shiftKey) || (key === 'p' && event.shiftKey);
}

/**
 * Console-wide keys: Ctrl/Cmd+K (or Ctrl/Cmd+Shift+P) toggles the palette; "g" then a view's key (shown in the
 * navigation) jumps there and moves focus to the view. Letters typed into fields are left alone.
 */
export function useGlobalKeys(): void {
  const store = useShellStore();

  useEffect(() => {
    let awaitingViewKey = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const resetSequence = (): void => {
      awaitingViewKey = false;
      clearTimeout(timer);
    };

    const onKeyDown = (event: KeyboardEvent): void => {
      const state = store.getState();
      if (isPaletteKey(event)) {
        event.preventDefault();
        resetSequence();
        state.setPaletteOpen(!state.paletteOpen);
        return;
      }
      if (state.paletteOpen || event.defaultPrevented) return;
      if (event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) {
        resetSequence();
        return;
      }
      if (awaitingViewKey) {
        resetSequence();
        const target = viewForKey(event.key);
        if (target) {
          event.preventDefault();
          state.navigate(target.id, { focusMain: true });
        }
        return;
      }
      if (event.key === 'g') {
        awaitingViewKey = true;
        timer = setTimeout(resetSequence, SEQUENCE_TIMEOUT_MS);
      }
    };

    window.addEventListener('keydown', onKeyDown);
    return () => {
      window.removeEventListener('keydown', onKeyDown);
      clearTimeout(timer);
    };
  }, [store]);
}
