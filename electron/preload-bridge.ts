import type { RawBridge } from '../core/contract/bridge.js';
import { fail, type Result } from '../core/contract/errors.js';
import { isEventName } from '../core/contract/events.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL, MAX_COMMAND_NAME_LENGTH } from './ipc-channels.js';

/**
 * The slice of ipcRenderer the bridge needs. The preload passes the real one; tests pass a
 * fake. Listeners receive only the arguments, never Electron's IPC event object (it carries
 * `sender`, i.e. ipcRenderer itself).
 */
export interface PreloadIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  subscribe(channel: string, listener: (...args: unknown[]) => void): () => void;
}

/**
 * Builds `window.outpost`: exactly `invoke` and `on`. Arguments are checked here so a page
 * bug fails fast with a contract error; main checks everything again regardless, because
 * a compromised renderer does not go through this code.
 */
export function createPreloadBridge(ipc: PreloadIpc): RawBridge {
  // One IPC listener fans out to the page's listeners, so subscribing N times in the page
  // does not add N listeners to ipcRenderer (and unsubscribing is exact).
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  let unsubscribeIpc: (() => void) | null = null;

  function ensureIpcListener(): void {
    if (unsubscribeIpc) return;
    unsubscribeIpc = ipc.subscribe(EVENT_CHANNEL, (name: unknown, payload: unknown) => {
      if (typeof name !== 'string') return;
      for (const listener of listeners.get(name) ?? []) {
        try {
          listener(payload);
        } catch (err) {
          // One failing view must not starve the others of the event.
          console.error(`outpost: listener for ${name} threw`, err);
        }
      }
    });
  }

  return {
    async invoke(command: string, input: unknown): Promise<Result<unknown>> {
      if (typeof command !== 'string' || command.length === 0 || command.length > MAX_COMMAND_NAME_LENGTH) {
        return fail({ code: 'VALIDATION', message: 'The command name must be a non-empty string.' });
      }
      try {
        return (await ipc.invoke(INVOKE_CHANNEL, command, input)) as Result<unknown>;
      } catch (err) {
        // Structured clone failures (functions, DOM nodes in input) and a closing window land here.
        return fail({ code: 'TRANSPORT', message: `The call to ${command} did not reach the app: ${err instanceof Error ? err.message : String(err)}` });
      }
    },
    on(event: string, listener: (payload: unknown) => void): () => void {
      if (!isEventName(event)) throw new TypeError(`Unknown Outpost event ${JSON.stringify(event)}.`);
      if (typeof listener !== 'function') throw new TypeError('The event listener must be a function.');
      let set = listeners.get(event);
      if (!set) {
        set = new Set();
        listeners.set(event, set);
      }
      // Wrap so the same function subscribed twice gets two independent unsubscribes.
      const entry = (payload: unknown): void => listener(payload);
      set.add(entry);
      ensureIpcListener();
      let active = true;
      return () => {
        if (!active) return;
        active = false;
        set.delete(entry);
        if (set.size === 0) listeners.delete(event);
        if (listeners.size === 0 && unsubscribeIpc) {
          unsubscribeIpc();
          unsubscribeIpc = null;
        }
      };
    },
  };
}
