import { createHash, timingSafeEqual } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';

/**
 * Seals and opens secrets. Implementations: the passphrase cipher here, Electron safeStorage in
 * electron/. Every sealed value is bound to `aad` (where it is stored: the credential's id, kind
 * and name), so a ciphertext copied into another row does not open there.
 */
export interface SecretCipher {
  readonly kind: 'os' | 'passphrase';
  isUnlocked(): boolean;
  seal(plain: Buffer, aad: Buffer): Buffer;
  /** Refuses a value sealed for other `aad`, or sealed before binding existed (VAULT_CORRUPT). */
  open(sealed: Buffer, aad: Buffer): Buffer;
  /** Opens a value bound to `aad` or sealed before binding existed; only the migration calls it. */
  openForMigration(sealed: Buffer, aad: Buffer): { plain: Buffer; bound: boolean };
}

/**
 * For ciphers that take no associated data (the OS keychain): the plaintext carries a marker and
 * a SHA-256 of the binding, checked after decryption.
 */
const BOUND_MARKER = Buffer.from('outpost-bound-v1\0');
const DIGEST_BYTES = 32;

export function bindPlain(plain: Buffer, aad: Buffer): Buffer {
  return Buffer.concat([BOUND_MARKER, createHash('sha256').update(aad).digest(), plain]);
}

export function unbindPlain(payload: Buffer, aad: Buffer): { plain: Buffer; bound: boolean } {
  if (payload.length < BOUND_MARKER.length + DIGEST_BYTES || !payload.subarray(0, BOUND_MARKER.length).equals(BOUND_MARKER)) {
    return { plain: payload, bound: false };
  }
  const digest = payload.subarray(BOUND_MARKER.length, BOUND_MARKER.length + DIGEST_BYTES);
  if (!timingSafeEqual(digest, createHash('sha256').update(aad).digest())) {
    throw new OutpostError('VAULT_CORRUPT', 'A stored secret belongs to another record (it was copied); it cannot be opened here.');
  }
  return { plain: payload.subarray(BOUND_MARKER.length + DIGEST_BYTES), bound: true };
}
