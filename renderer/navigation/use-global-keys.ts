import { useEffect } from 'react';
import { useShellStore } from '../app/shell-context';
import { viewForKey } from './views';

// Long enough to type "g" then a letter without hurrying, short enough not to surprise later.
const SEQUENCE_TIMEOUT_MS = 1500;

/** Inside a terminal (xterm's helper textarea): Ctrl+K and the like belong to the shell. */
function inTerminal(target: EventTarget | null): boolean {
  return target instanceof Element && target.closest('.xterm') !== null;
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement;
}

/**
 * Console-wide keys: Ctrl/Cmd+K toggles the palette (except inside a terminal, where the shell
 * gets it); Ctrl/Cmd+Shift+P opens it from anywhere, a terminal included (the terminal lets that
 * one through, see TerminalPane); "g" then a view's key (shown in the navigation) jumps there and
 * moves focus to the view. Letters typed into fields and terminals are left alone.
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
      if ((event.ctrlKey || event.metaKey) && !event.altKey && event.shiftKey && event.code === 'KeyP') {
        event.preventDefault();
        resetSequence();
        state.setPaletteOpen(true);
        return;
      }
      if ((event.ctrlKey || event.metaKey) && !event.altKey && !event.shiftKey && event.key.toLowerCase() === 'k' && !inTerminal(event.target)) {
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
