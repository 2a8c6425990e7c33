import { createCipheriv, createDecipheriv, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';
import type { SecretCipher } from './cipher.js';

/** scrypt cost: ~0.1 s and 32 MiB on a small machine, so guessing passphrases is slow. */
export interface KdfParams {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keyLength: 32;
}
export const defaultKdf: KdfParams = { algorithm: 'scrypt', N: 2 ** 15, r: 8, p: 1, keyLength: 32 };

const FORMAT_VERSION = 1;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const VERIFIER_PLAINTEXT = Buffer.from('outpost-vault-verifier-v1');

export function deriveKey(passphrase: string, salt: Buffer, kdf: KdfParams): Buffer {
  return scryptSync(passphrase.normalize('NFKC'), salt, kdf.keyLength, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r,
  });
}

/** AES-256-GCM: version byte | 12-byte IV | 16-byte tag | ciphertext. */
export function sealWithKey(key: Buffer, plain: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([FORMAT_VERSION]), iv, cipher.getAuthTag(), body]);
}

export function openWithKey(key: Buffer, sealed: Buffer): Buffer {
  if (sealed.length < 1 + IV_BYTES + TAG_BYTES || sealed[0] !== FORMAT_VERSION) {
    throw new OutpostError('VAULT_CORRUPT', 'A stored secret has an unknown format; it cannot be opened.');
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const body = sealed.subarray(1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new OutpostError(
      'VAULT_CORRUPT',
      'A stored secret failed its integrity check (wrong key or tampered data).',
    );
  }
}

export interface PassphraseSetup {
  kdf: KdfParams;
  salt: Buffer;
  verifier: Buffer;
}

/** AES-256-GCM with a key derived by scrypt from the operator's passphrase (CLI and headless host). */
export class PassphraseCipher implements SecretCipher {
  readonly kind = 'passphrase' as const;
  private key: Buffer | null = null;

  /** Creates the salt and verifier for a new vault and unlocks it. */
  static create(passphrase: string, kdf: KdfParams = defaultKdf): { cipher: PassphraseCipher; setup: PassphraseSetup } {
    const salt = randomBytes(16);
    const key = deriveKey(passphrase, salt, kdf);
    const cipher = new PassphraseCipher();
    cipher.key = key;
    return { cipher, setup: { kdf, salt, verifier: sealWithKey(key, VERIFIER_PLAINTEXT) } };
  }

  /** Unlocks with an existing setup; a wrong passphrase is VAULT_PASSPHRASE, never a garbage key. */
  static unlock(passphrase: string, setup: PassphraseSetup): PassphraseCipher {
    const key = deriveKey(passphrase, setup.salt, setup.kdf);
    let opened: Buffer;
    try {
      opened = openWithKey(key, setup.verifier);
    } catch {
      throw new OutpostError('VAULT_PASSPHRASE', 'The vault passphrase is wrong.');
    }
    if (opened.length !== VERIFIER_PLAINTEXT.length || !timingSafeEqual(opened, VERIFIER_PLAINTEXT)) {
      throw new OutpostError('VAULT_PASSPHRASE', 'The vault passphrase is wrong.');
    }
    const cipher = new PassphraseCipher();
    cipher.key = key;
    return cipher;
  }

  isUnlocked(): boolean {
    return this.key !== null;
  }

  lock(): void {
    this.key?.fill(0);
    this.key = null;
  }

  seal(plain: Buffer): Buffer {
    return sealWithKey(this.requireKey(), plain);
  }

  open(sealed: Buffer): Buffer {
    return openWithKey(this.requireKey(), sealed);
  }

  private requireKey(): Buffer {
    if (!this.key) throw new OutpostError('VAULT_LOCKED', 'The vault is locked: unlock it with the passphrase first.');
    return this.key;
  }
}
