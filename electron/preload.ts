import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { TERMINAL_PORT_CHANNEL } from './ipc-channels.js';
import { createPreloadBridge } from './preload-bridge.js';

// Sandboxed preload: runs with contextIsolation, so the page sees only what is exposed here.
// The page gets `window.outpost` with `invoke` and `on`; never ipcRenderer, never an event.
const bridge = createPreloadBridge({
  invoke: (channel, ...args) => ipcRenderer.invoke(channel, ...args),
  subscribe(channel, listener) {
    const handler = (_event: IpcRendererEvent, ...args: unknown[]): void => listener(...args);
    ipcRenderer.on(channel, handler);
    return () => {
      ipcRenderer.removeListener(channel, handler);
    };
  },
});

contextBridge.exposeInMainWorld('outpost', {
  invoke: (command: string, input: unknown) => bridge.invoke(command, input),
  on: (event: string, listener: (payload: unknown) => void) => bridge.on(event, listener),
});

// Terminal bytes: a MessagePort cannot cross contextBridge, so it is handed to the page with
// postMessage (same window). The page only ever receives a port, never ipcRenderer.
ipcRenderer.on(TERMINAL_PORT_CHANNEL, (event: IpcRendererEvent) => {
  if (event.ports.length === 1) window.postMessage({ type: TERMINAL_PORT_CHANNEL }, '*', [...event.ports]);
});
