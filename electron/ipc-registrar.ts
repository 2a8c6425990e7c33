import { ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { fail, type Result } from '../core/contract/errors.js';
import type { OutpostCore } from '../core/server/core.js';
import { isAppUrl } from './app-origin.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './ipc-channels.js';
import { checkSender } from './sender-check.js';

export interface IpcRegistrar {
  /** Lets this window call the core and receive events until it is destroyed. */
  attachWindow(window: BrowserWindow): void;
  dispose(): void;
}

function isMainFrame(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  const main = event.sender.mainFrame;
  return frame !== null && frame.parent === null && frame.processId === main.processId && frame.routingId === main.routingId;
}

/**
 * THE registrar: one channel in, one channel out. Every call is checked for sender and frame
 * here; the core then zod-validates the command name and input before any service runs.
 */
export function registerIpc(core: Pick<OutpostCore, 'dispatch' | 'onEvent'>): IpcRegistrar {
  const ourWebContents = new Set<number>();
  const unsubscribers = new Map<number, () => void>();

  ipcMain.handle(INVOKE_CHANNEL, async (event, command: unknown, input: unknown): Promise<Result<unknown>> => {
    const verdict = checkSender({
      webContentsId: event.sender.id,
      ourWebContentsIds: ourWebContents,
      isMainFrame: isMainFrame(event),
      frameUrl: event.senderFrame?.url,
    });
    if (!verdict.trusted) {
      console.warn(`outpost: refused an IPC call (${verdict.reason})`);
      return fail({ code: 'UNAUTHORIZED', message: 'This page may not call Outpost. Reload the window; if it persists, restart the app.' });
    }
    return core.dispatch(command, input, { transport: 'electron' });
  });

  function detach(id: number): void {
    unsubscribers.get(id)?.();
    unsubscribers.delete(id);
    ourWebContents.delete(id);
  }

  return {
    attachWindow(window) {
      const contents = window.webContents;
      const id = contents.id;
      ourWebContents.add(id);
      unsubscribers.set(
        id,
        core.onEvent((name, payload) => {
          if (contents.isDestroyed()) return;
          // Events are for our page only, never for whatever a (blocked) navigation left behind.
          if (!isAppUrl(contents.getURL())) return;
          contents.send(EVENT_CHANNEL, name, payload);
        }),
      );
      contents.once('destroyed', () => detach(id));
    },
    dispose() {
      ipcMain.removeHandler(INVOKE_CHANNEL);
      for (const id of [...unsubscribers.keys()]) detach(id);
    },
  };
}
