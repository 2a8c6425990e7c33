import { Client } from 'ssh2';
import { OutpostError } from '../contract/errors.js';
import { presentedKey, type PresentedHostKey } from './known-hosts-store.js';

/**
 * Reads the host key an SSH server presents, the way `ssh-keyscan` does: key exchange only. The
 * verifier refuses the key, so the connection ends before authentication and no credential is
 * ever sent. The operator compares the fingerprint with the host's owner before pinning it.
 */
export function probeHostKey(host: string, port: number, timeoutMs = 8000): Promise<PresentedHostKey> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    let seen: PresentedHostKey | null = null;
    let settled = false;
    const finish = (error: OutpostError | null): void => {
      if (settled) return;
      settled = true;
      client.end();
      if (seen) resolve(seen);
      else reject(error ?? new OutpostError('UNREACHABLE', `${host}:${port} closed the connection before presenting a host key.`, { host, port }));
    };
    client.on('error', (err: Error & { level?: string; code?: string }) => {
      if (seen) return finish(null);
      const timedOut = err.level === 'client-timeout' || /Timed out/i.test(err.message);
      finish(
        timedOut
          ? new OutpostError('TIMEOUT', `${host}:${port} did not start an SSH key exchange in time. Check that an SSH server answers on that port.`, { host, port })
          : new OutpostError('UNREACHABLE', `Cannot reach ${host}:${port}${err.code ? ` (${err.code})` : ''}: ${err.message}. Check the address, the port and any firewall between.`, { host, port }),
      );
    });
    client.on('close', () => finish(null));
    client.connect({
      host,
      port,
      username: 'outpost-host-key-probe',
      readyTimeout: timeoutMs,
      hostVerifier: (key: Buffer) => {
        seen = presentedKey(host, port, key);
        return false;
      },
    });
  });
}
