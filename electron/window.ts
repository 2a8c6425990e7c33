import { BrowserWindow, shell, type WebContents } from 'electron';
import { isVmrcLink } from './external-links.js';

export interface WindowOptions {
  /** dist/electron/preload.cjs: the only code with IPC access in the renderer process. */
  preloadPath: string;
  /** DevTools only in development; a packaged console has no use for them. */
  devTools: boolean;
  /** PNG icon for the window (Linux and Windows take it from here; macOS from the bundle). */
  iconPath?: string;
}

/**
 * Navigation and pop-up rules for any WebContents. The renderer is a single page app whose
 * routes never change the document, so any navigation is a bug or an attack: cancel it.
 * Links never open windows. The one exception goes to the operating system, not a window: a
 * VMware Remote Console link (vmrc://clone:TICKET@host/?moid=...) the renderer got from
 * vm.console.open for the operator's click; the OS hands it to VMRC.
 */
export function guardWebContents(contents: WebContents): void {
  contents.on('will-navigate', (event) => event.preventDefault());
  contents.on('will-frame-navigate', (event) => {
    if (!event.isMainFrame) event.preventDefault();
  });
  contents.on('will-redirect', (event) => event.preventDefault());
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    if (isVmrcLink(url)) void shell.openExternal(url).catch(() => undefined); // no VMRC installed: nothing to do here
    return { action: 'deny' };
  });
}

/** The one place every Outpost window is made; every security setting lives here. */
export function createWindow(options: WindowOptions): BrowserWindow {
  const window = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 960,
    minHeight: 600,
    title: 'Outpost',
    show: false,
    autoHideMenuBar: true,
    ...(options.iconPath ? { icon: options.iconPath } : {}),
    webPreferences: {
      // PRELOAD_JS_CHECK asks for a human review of every preload; it flags the property, not a
      // flaw. Reviewed: preload.ts exposes only invoke/on over two fixed channels
      // (preload-bridge.ts), runs sandboxed with contextIsolation, and never hands out
      // ipcRenderer or an IPC event. Re-review when preload.ts or preload-bridge.ts changes.
      preload: options.preloadPath, // eng-disable PRELOAD_JS_CHECK
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
      safeDialogs: true,
      // Middle-click (auxclick) on a link would ask for a new window; there is none to open.
      disableBlinkFeatures: 'Auxclick',
      devTools: options.devTools,
    },
  });
  guardWebContents(window.webContents);
  window.once('ready-to-show', () => window.show());
  return window;
}
