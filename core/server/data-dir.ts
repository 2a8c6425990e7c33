import { homedir } from 'node:os';
import { join } from 'node:path';

export const APP_NAME = 'Outpost';
export const DB_FILE = 'outpost.db';

/**
 * The same folder Electron's app.getPath('userData') gives for this app, so the CLI and the
 * desktop app share one store. OUTPOST_DATA_DIR overrides it (tests, portable installs).
 */
export function defaultDataDir(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string {
  if (env.OUTPOST_DATA_DIR) return env.OUTPOST_DATA_DIR;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), APP_NAME);
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', APP_NAME);
  return join(env.XDG_CONFIG_HOME ?? join(homedir(), '.config'), APP_NAME);
}
