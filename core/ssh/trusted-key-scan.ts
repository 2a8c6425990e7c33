import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { childEnv } from '../exec/child-env.js';

/** "SHA256:..." of a host key blob (base64), as ssh-keygen -lf prints it. */
export const keyFingerprint = (base64: string): string => `SHA256:${createHash('sha256').update(Buffer.from(base64, 'base64')).digest('base64').replace(/=+$/, '')}`;

/**
 * known_hosts lines for what the host presents now (ssh-keyscan), keeping only keys whose fingerprint
 * is in `trusted`: OpenSSH programs Outpost starts (ansible-playbook's ssh) then check strictly against
 * exactly the keys Outpost's store trusts. [] when it cannot be reached or presents none of them.
 */
export function trustedKnownHostsLines(host: string, port: number, trusted: ReadonlySet<string>, timeoutSeconds = 5): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('ssh-keyscan', ['-T', String(timeoutSeconds), '-p', String(port), host], { env: childEnv(), timeout: (timeoutSeconds + 10) * 1000 }, (_err, stdout) => {
      resolve(
        String(stdout ?? '')
          .split('\n')
          .filter((l) => l && !l.startsWith('#'))
          .filter((l) => trusted.has(keyFingerprint(l.split(' ')[2] ?? ''))),
      );
    });
  });
}
