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
