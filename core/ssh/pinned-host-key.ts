import { OutpostError } from '../contract/errors.js';
import type { PresentedHostKey } from './known-hosts-store.js';
import type { HostKeyPolicy } from './ssh-connection.js';

/** A policy that accepts exactly one fingerprint (a firewall record pins its host's key). */
export function pinnedHostKey(fingerprint: string): HostKeyPolicy {
  return {
    async verify(key: PresentedHostKey) {
      if (key.fingerprint === fingerprint) return;
      throw new OutpostError(
        'HOST_KEY_CHANGED',
        `WARNING: ${key.host}:${key.port} presented ${key.keyType ?? 'a key'} ${key.fingerprint}, not the pinned ${fingerprint}. Nothing was sent. ` +
          'Confirm the new key with the host\'s owner before changing the pinned fingerprint.',
        { host: key.host, port: key.port, fingerprint: key.fingerprint, trusted: [fingerprint] },
      );
    },
    preferredKeyTypes: async () => Promise.resolve([]),
  };
}
