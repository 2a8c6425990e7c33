import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The environment variable the CLI and the headless host read the vault passphrase from. */
export const PASSPHRASE_ENV = 'OUTPOST_VAULT_PASSPHRASE';

/**
 * Reads the vault passphrase from the environment and removes it there: once read it lives only
 * in the caller's variable, so no later child process (an inherited environment), crash report
 * or dump of process.env carries it. Empty counts as none.
 */
export function takeEnvPassphrase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const value = env[PASSPHRASE_ENV];
  delete env[PASSPHRASE_ENV];
  return value ? value : undefined;
}

/** The systemd credential (LoadCredentialEncrypted=) `outpost serve` reads the passphrase from. */
export const PASSPHRASE_CREDENTIAL = 'outpost-vault-passphrase';

/**
 * The vault passphrase from the environment, else from the systemd credential folder (a private
 * in-memory folder systemd fills with the decrypted credential for this service only). One
 * trailing newline is not part of the passphrase.
 */
export function takePassphrase(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = takeEnvPassphrase(env);
  if (fromEnv || !env.CREDENTIALS_DIRECTORY) return fromEnv;
  try {
    const value = readFileSync(join(env.CREDENTIALS_DIRECTORY, PASSPHRASE_CREDENTIAL), 'utf8').replace(/\r?\n$/, '');
    return value ? value : undefined;
  } catch {
    return undefined; // no such credential: the vault stays locked and the index says VAULT_LOCKED
  }
}
