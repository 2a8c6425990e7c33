import { chmodSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { OutpostError } from '../contract/errors.js';

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

/**
 * The data folder holds the store (inventory, audit, sealed secrets) and keys: only its owner may
 * list or enter it. Created 0700, and an existing folder (made by an older Outpost as 0755) is
 * tightened at start. chmod rather than mkdir's mode alone, which the umask can loosen or not
 * apply to a folder that already exists. Only called for Outpost's own data folder, never for the
 * folder of a `--db` path the operator chose (that could be /tmp).
 */
export function secureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (process.platform === 'win32') return; // NTFS ACLs of the profile folder already apply
  try {
    chmodSync(dir, 0o700);
  } catch (err) {
    throw new OutpostError(
      'VALIDATION',
      `Cannot make the data folder ${dir} private (0700): ${(err as Error).message}. Use a folder you own (OUTPOST_DATA_DIR or --data-dir).`,
      { path: dir },
    );
  }
}
