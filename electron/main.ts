import { app, BrowserWindow, dialog, safeStorage, session } from 'electron';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createOutpostCore, type OutpostCore } from '../core/server/core.js';
import { APP_NAME, defaultDataDir } from '../core/server/data-dir.js';
import { APP_ENTRY_URL } from './app-origin.js';
import { registerIpc, type IpcRegistrar } from './ipc-registrar.js';
import { registerAppScheme, serveRenderer } from './renderer-protocol.js';
import { chooseOsCipher } from './safe-storage-cipher.js';
import { lockDownSession } from './session-policy.js';
import { trustOutpostCertificates } from './certificate-verify.js';
import { sitePins } from '../core/sites/site-session.js';
import { sqliteBindingPath } from './sqlite-binding.js';
import { attachTerminalPort } from './terminal-port.js';
import { createWindow, guardWebContents } from './window.js';

app.setName(APP_NAME);
// Before anything asks for a path. Electron derives userData from package.json's `name`
// ("outpost") at startup, so set it explicitly to the folder the CLI and the headless host
// use (core/server/data-dir.ts: <appData>/Outpost, or OUTPOST_DATA_DIR for tests and portable
// installs): one store for all of them. Chromium's own profile lives there too.
app.setPath('userData', resolve(defaultDataDir(process.env, process.platform)));
// Every renderer sandboxed, even one a future code path forgets to configure.
app.enableSandbox();
registerAppScheme();

// Defence in depth: whatever WebContents gets created (DevTools aside), it cannot navigate,
// open windows or attach <webview>.
app.on('web-contents-created', (_event, contents) => {
  if (contents.getType() !== 'remote') guardWebContents(contents);
});

let core: OutpostCore | null = null;
let registrar: IpcRegistrar | null = null;
let mainWindow: BrowserWindow | null = null;

function openMainWindow(): void {
  if (!registrar) return;
  const iconPath = join(app.getAppPath(), 'resources', 'icons', 'outpost.png');
  const window = createWindow({
    // main.cjs and preload.cjs are built side by side into dist/electron/.
    preloadPath: join(__dirname, 'preload.cjs'),
    devTools: !app.isPackaged,
    ...(existsSync(iconPath) ? { iconPath } : {}),
  });
  registrar.attachWindow(window);
  if (core) attachTerminalPort(window.webContents, core.services.terminals);
  window.on('closed', () => {
    if (mainWindow === window) mainWindow = null;
  });
  mainWindow = window;
  void window.loadURL(APP_ENTRY_URL);
}

async function openCore(): Promise<OutpostCore> {
  const choice = chooseOsCipher(safeStorage, process.platform);
  console.log(`outpost: ${choice.reason}`);
  const sqliteBinding = sqliteBindingPath({
    isPackaged: app.isPackaged,
    appPath: app.getAppPath(),
    resourcesPath: process.resourcesPath,
    exists: existsSync,
  });
  try {
    return await createOutpostCore({
      dataDir: app.getPath('userData'),
      transport: 'electron',
      osCipher: choice.cipher,
      resumeProcedures: true,
      // Every site indexed from launch (unless an `outpost serve` on this store already does).
      liveIndex: 'prefer',
      ...(sqliteBinding ? { sqliteBinding } : {}),
    });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const hint = sqliteBinding
      ? ''
      : '\n\nIf this is a NODE_MODULE_VERSION error, build SQLite for Electron first: node scripts/electron-native.mjs';
    throw new Error(`${message}${hint}`);
  }
}

async function start(): Promise<void> {
  await app.whenReady();
  try {
    core = await openCore();
  } catch (err) {
    dialog.showErrorBox('Outpost cannot open its data', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }
  lockDownSession(session.defaultSession);
  const trustCore = core;
  trustOutpostCertificates(session.defaultSession, async () => ({ trustedCas: await trustCore.services.trustStore.pems(), pins: await sitePins(trustCore.sql) }));
  serveRenderer(session.defaultSession, join(app.getAppPath(), 'dist', 'renderer'));
  registrar = registerIpc(core);
  openMainWindow();

  // macOS keeps the app running with no window; the dock icon brings one back.
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) openMainWindow();
  });
}

// One console per data folder: two processes writing one SQLite store and one vault would
// race, and an operator double-clicking the icon wants the window they already have.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) {
      openMainWindow();
      return;
    }
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.show();
    mainWindow.focus();
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('will-quit', (event) => {
    registrar?.dispose();
    registrar = null;
    if (!core) return;
    // Closing the store waits for an open transaction: quit again once it is closed.
    const closing = core;
    core = null;
    event.preventDefault();
    void closing.close().finally(() => app.quit());
  });
  start().catch((err: unknown) => {
    console.error('outpost: failed to start', err);
    app.exit(1);
  });
}
