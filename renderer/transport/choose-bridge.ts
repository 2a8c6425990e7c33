import { createElectronBridge, isRawBridge } from './electron-bridge';
import type { ConnectedBridge } from './connection-state';
import { createElectronTerminalStreams } from './electron-terminal-port';
import { hostSocketUrl, takeHostToken } from './host-token';
import { createUnavailableBridge } from './unavailable-bridge';
import { createWebSocketBridge } from './websocket-bridge';

function sessionStorageOrNull(win: Window): Storage | null {
  try {
    return win.sessionStorage;
  } catch {
    return null;
  }
}

/**
 * Electron's preload exposes `window.outpost`; a plain browser talks to the headless host over
 * its WebSocket. Must run before anything reads `location.hash`: it removes the token from it.
 */
export function chooseBridge(win: Window): ConnectedBridge {
  const preload: unknown = (win as Window & { outpost?: unknown }).outpost;
  if (isRawBridge(preload)) return createElectronBridge(preload, createElectronTerminalStreams(win));
  const token = takeHostToken(win.location, win.history, sessionStorageOrNull(win));
  if (!token) return createUnavailableBridge();
  return createWebSocketBridge({ url: hostSocketUrl(win.location, token) });
}
