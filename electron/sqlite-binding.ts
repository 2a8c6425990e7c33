import { join } from 'node:path';

/** Where scripts/electron-native.mjs puts better-sqlite3 built for Electron's ABI. */
export const ELECTRON_NATIVE_DIR = join('.cache', 'electron-native');
export const SQLITE_BINDING_FILE = 'better_sqlite3.node';

export interface SqliteBindingContext {
  isPackaged: boolean;
  /** app.getAppPath(): the repository root in development (`electron .`). */
  appPath: string;
  /** process.resourcesPath: next to app.asar in a packaged app. */
  resourcesPath: string;
  exists(path: string): boolean;
}

/**
 * node_modules holds better-sqlite3 built for Node (tests, CLI); Electron has another ABI.
 * - Development: the copy built by scripts/electron-native.mjs under .cache/, if present.
 * - Packaged: electron-builder.yml ships that same file as an extra resource (`native/`),
 *   outside app.asar because a .node file must be loaded from disk.
 * Undefined means "let better-sqlite3 find its own", which fails with a clear ABI error
 * when it was built for Node: the message names the script to run.
 */
export function sqliteBindingPath(context: SqliteBindingContext): string | undefined {
  const candidate = context.isPackaged
    ? join(context.resourcesPath, 'native', SQLITE_BINDING_FILE)
    : join(context.appPath, ELECTRON_NATIVE_DIR, SQLITE_BINDING_FILE);
  return context.exists(candidate) ? candidate : undefined;
}
