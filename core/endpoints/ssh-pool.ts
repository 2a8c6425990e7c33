// Kept apart from endpoints.ts so `outpost exec` (which loads as little as it can) imports only this.
import { SshConnectionPool, type PoolOptions } from '../ssh/ssh-connection-pool.js';

/**
 * The one place an SSH connection pool is made outside core/ssh. Callers that settle host keys their
 * own way (the CLI's --trust fingerprints, enrollment's first contact, a firewall's pinned key) pass
 * that policy; everyone else uses Endpoints.pool, checked against the known-hosts store.
 */
export function sshPool(options: PoolOptions): SshConnectionPool {
  return new SshConnectionPool(options);
}
