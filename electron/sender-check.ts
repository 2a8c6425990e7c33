import { isAppUrl } from './app-origin.js';

/** What the registrar knows about whoever sent an IPC message, taken from the Electron event. */
export interface SenderInfo {
  /** The sending WebContents' id. */
  webContentsId: number;
  /** Ids of the WebContents of our own windows (from createWindow). */
  ourWebContentsIds: ReadonlySet<number>;
  /** The frame that sent the message is its WebContents' top frame (not an iframe). */
  isMainFrame: boolean;
  /** The sending frame's URL; undefined when the frame is already gone. */
  frameUrl: string | undefined;
}

export type SenderVerdict = { trusted: true } | { trusted: false; reason: string };

/**
 * Only the top frame of one of our windows, showing one of our app:// pages, may call the
 * core. A page that somehow navigated elsewhere, an iframe, or any other WebContents
 * (DevTools extensions, a future helper window) is refused.
 */
export function checkSender(info: SenderInfo): SenderVerdict {
  if (!info.ourWebContentsIds.has(info.webContentsId)) return { trusted: false, reason: 'sender is not an Outpost window' };
  if (!info.isMainFrame) return { trusted: false, reason: 'sender is not the main frame' };
  if (!isAppUrl(info.frameUrl)) return { trusted: false, reason: 'sender frame is not on the app origin' };
  return { trusted: true };
}

export function isTrustedSender(info: SenderInfo): boolean {
  return checkSender(info).trusted;
}
