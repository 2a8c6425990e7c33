import { createTerminalStreams, type TerminalStreams } from './terminal-streams';

/** The preload posts the port with this message type (electron/ipc-channels.ts TERMINAL_PORT_CHANNEL). */
const PORT_MESSAGE = 'outpost:terminal-port';

/**
 * Terminal streams over the MessagePort the Electron main process hands each page load. Only a
 * message from this very window (the preload) with exactly one port is taken.
 */
export function createElectronTerminalStreams(win: Window): TerminalStreams {
  let port: MessagePort | null = null;
  const streams = createTerminalStreams((frame) => {
    if (!port) return false;
    port.postMessage(frame);
    return true;
  });
  win.addEventListener('message', (event: MessageEvent) => {
    if (event.source !== win || event.ports.length !== 1) return;
    if ((event.data as { type?: unknown } | null)?.type !== PORT_MESSAGE) return;
    port?.close();
    port = event.ports[0]!;
    port.onmessage = (m: MessageEvent) => {
      const data: unknown = m.data;
      if (data instanceof Uint8Array) streams.receive(data);
      else if (data instanceof ArrayBuffer) streams.receive(new Uint8Array(data));
    };
    port.start();
    streams.reattach();
  });
  return streams;
}
