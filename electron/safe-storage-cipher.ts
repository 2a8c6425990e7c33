import { OutpostError } from '../core/contract/errors.js';
import { bindPlain, unbindPlain, type SecretCipher } from '../core/vault/cipher.js';

/**
 * The part of Electron's `safeStorage` this cipher uses. Declared here rather than imported
 * so the selection rules run under plain Node in unit tests; main passes the real object.
 */
export interface SafeStorageApi {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: which secret store Chromium picked (`basic_text` means none). */
  getSelectedStorageBackend?(): string;
}

export type OsCipherChoice = { cipher: SecretCipher; reason: string } | { cipher: null; reason: string };

/**
 * Secrets are bytes; safeStorage only takes strings. Base64 round-trips any bytes, where
 * latin1/utf8 would mangle some.
 */
class SafeStorageCipher implements SecretCipher {
  readonly kind = 'os' as const;

  constructor(private readonly api: SafeStorageApi) {}

  isUnlocked(): boolean {
    return true;
  }

  /** safeStorage takes no associated data: the binding travels inside the plaintext. */
  seal(plain: Buffer, aad: Buffer): Buffer {
    return this.api.encryptString(bindPlain(plain, aad).toString('base64'));
  }

  open(sealed: Buffer, aad: Buffer): Buffer {
    const opened = this.openForMigration(sealed, aad);
    if (!opened.bound) throw new OutpostError('VAULT_CORRUPT', 'A stored secret is not bound to its record; restart Outpost to migrate it.');
    return opened.plain;
  }

  openForMigration(sealed: Buffer, aad: Buffer): { plain: Buffer; bound: boolean } {
    return unbindPlain(Buffer.from(this.api.decryptString(sealed), 'base64'), aad);
  }
}

/**
 * Uses the OS keychain (Keychain, DPAPI, libsecret/kwallet) only when it really protects the
 * secrets. On Linux without a keyring Chromium falls back to `basic_text`, a hard-coded key:
 * that is obfuscation, not encryption, so the passphrase vault is used instead.
 */
export function chooseOsCipher(api: SafeStorageApi, platform: NodeJS.Platform): OsCipherChoice {
  let available: boolean;
  try {
    available = api.isEncryptionAvailable();
  } catch {
    available = false;
  }
  if (!available) return { cipher: null, reason: 'OS encryption is not available: using the passphrase vault' };
  if (platform === 'linux') {
    let backend = 'unknown';
    try {
      backend = api.getSelectedStorageBackend?.() ?? 'unknown';
    } catch {
      backend = 'unknown';
    }
    if (backend === 'basic_text' || backend === 'unknown') {
      return { cipher: null, reason: `OS secret store is "${backend}" (no keyring): using the passphrase vault` };
    }
    return { cipher: new SafeStorageCipher(api), reason: `OS secret store: ${backend}` };
  }
  return { cipher: new SafeStorageCipher(api), reason: 'OS secret store: safeStorage' };
}
