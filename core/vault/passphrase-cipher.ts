import { createCipheriv, createDecipheriv, createHash, randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import type { SecretCipher } from './cipher.js';

/**
 * scrypt cost. N=2^17, r=8, p=1 is OWASP's minimum for scrypt (128 MiB, ~0.3-0.5 s here), so
 * guessing passphrases from a stolen store is slow. Vaults made with a lower cost are re-derived
 * at this one on their next unlock.
 */
export interface KdfParams {
  algorithm: 'scrypt';
  N: number;
  r: number;
  p: number;
  keyLength: 32;
}
export const defaultKdf: KdfParams = { algorithm: 'scrypt', N: 2 ** 17, r: 8, p: 1, keyLength: 32 };

/**
 * What a store may ask of scrypt. The parameters are read from the store, so a hostile or damaged
 * one must not make unlock allocate gigabytes (memory is 128·N·r bytes) or run for minutes (work
 * grows with N·r·p). 2^10 is the floor tests use for speed; the ceilings allow 4x today's cost.
 */
export const KDF_LIMITS = { minN: 2 ** 10, maxMemoryBytes: 256 * 2 ** 20, maxWork: 2 ** 22 } as const;

const kdfSchema = z
  .object({
    algorithm: z.literal('scrypt'),
    N: z
      .number()
      .int()
      .min(KDF_LIMITS.minN)
      .max(2 ** 20)
      .refine((n) => (n & (n - 1)) === 0, 'N must be a power of two'),
    r: z.number().int().min(1).max(32),
    p: z.number().int().min(1).max(16),
    keyLength: z.literal(32),
  })
  .strict()
  .refine((k) => 128 * k.N * k.r <= KDF_LIMITS.maxMemoryBytes, `scrypt memory (128·N·r) must be at most ${KDF_LIMITS.maxMemoryBytes / 2 ** 20} MiB`)
  .refine((k) => k.N * k.r * k.p <= KDF_LIMITS.maxWork, `scrypt work (N·r·p) must be at most 2^${Math.log2(KDF_LIMITS.maxWork)}`);

/** Decodes and bounds KDF parameters from the store; anything else is VAULT_CORRUPT, scrypt never runs. */
export function parseKdf(text: string): KdfParams {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new OutpostError('VAULT_CORRUPT', 'The vault settings in the store are damaged (key-derivation parameters are not JSON). Restore the store from a backup.');
  }
  const parsed = kdfSchema.safeParse(raw);
  if (!parsed.success) {
    throw new OutpostError(
      'VAULT_CORRUPT',
      `The vault settings in the store are out of range (${parsed.error.issues.map((i) => `${i.path.join('.') || 'kdf'}: ${i.message}`).join('; ')}); Outpost will not run scrypt with them. The store is damaged or was tampered with: restore it from a backup.`,
      { kdf: raw },
    );
  }
  return parsed.data;
}

/** Whether a vault derived with `stored` should be re-derived at `target` (it is cheaper). */
export function kdfWeakerThan(stored: KdfParams, target: KdfParams): boolean {
  return stored.N < target.N || stored.N * stored.r * stored.p < target.N * target.r * target.p;
}

/** Version 1: no associated data (records are not bound to their row). Read only to migrate. */
export const FORMAT_UNBOUND = 1;
/** Version 2: AES-GCM with associated data binding the ciphertext to where it is stored. */
export const FORMAT_BOUND = 2;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CHECK_BYTES = 32;
const VERIFIER_PLAINTEXT = Buffer.from('outpost-vault-verifier-v1');
const VERIFIER_AAD = Buffer.from('outpost-vault-verifier');

export function deriveKey(passphrase: string, salt: Buffer, kdf: KdfParams): Buffer {
  const checked = kdfSchema.parse(kdf); // callers pass stored params through parseKdf; this is a backstop
  return scryptSync(passphrase.normalize('NFKC'), salt, checked.keyLength, {
    N: checked.N,
    r: checked.r,
    p: checked.p,
    maxmem: 256 * checked.N * checked.r,
  });
}

/** AES-256-GCM: version byte | 12-byte IV | 16-byte tag | ciphertext; with `aad`, version 2. */
export function sealWithKey(key: Buffer, plain: Buffer, aad?: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad) cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return Buffer.concat([Buffer.from([aad ? FORMAT_BOUND : FORMAT_UNBOUND]), iv, cipher.getAuthTag(), body]);
}

export function sealedFormat(sealed: Buffer): number {
  return sealed.length >= 1 + IV_BYTES + TAG_BYTES ? (sealed[0] ?? 0) : 0;
}

/**
 * Opens a sealed value. With `aad` only the bound format is accepted: an unbound (version 1)
 * ciphertext could have been copied in from any row. Without `aad` only version 1 (migration).
 */
export function openWithKey(key: Buffer, sealed: Buffer, aad?: Buffer): Buffer {
  if (sealedFormat(sealed) !== (aad ? FORMAT_BOUND : FORMAT_UNBOUND)) {
    throw new OutpostError('VAULT_CORRUPT', 'A stored secret has an unknown format; it cannot be opened.');
  }
  const iv = sealed.subarray(1, 1 + IV_BYTES);
  const tag = sealed.subarray(1 + IV_BYTES, 1 + IV_BYTES + TAG_BYTES);
  const body = sealed.subarray(1 + IV_BYTES + TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', key, iv);
  decipher.setAuthTag(tag);
  if (aad) decipher.setAAD(aad);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    throw new OutpostError('VAULT_CORRUPT', 'A stored secret failed its integrity check (damaged, or copied from another record).');
  }
}

export interface PassphraseSetup {
  kdf: KdfParams;
  /** The kdf column exactly as stored: the check value covers these bytes. */
  kdfText: string;
  salt: Buffer;
  verifier: Buffer;
}

/**
 * The check value: a plain SHA-256 over the KDF parameters, the salt and the sealed verifier,
 * kept after the verifier. It needs no key, so a damaged vault row (VAULT_CORRUPT) is told apart
 * from a verifier that is intact but does not open with the key derived from what was typed
 * (VAULT_PASSPHRASE). It is not a secret and proves nothing about who wrote the row.
 */
function checkValue(kdfText: string, salt: Buffer, sealedVerifier: Buffer): Buffer {
  return createHash('sha256').update(kdfText).update('\0').update(salt).update('\0').update(sealedVerifier).digest();
}

/** Builds the vault row's verifier column: the bound, sealed constant followed by its check value. */
function makeVerifier(key: Buffer, kdfText: string, salt: Buffer): Buffer {
  const sealed = sealWithKey(key, VERIFIER_PLAINTEXT, VERIFIER_AAD);
  return Buffer.concat([sealed, checkValue(kdfText, salt, sealed)]);
}

/** Whether a vault row predates the check value (sealed version 1 verifier, nothing after it). */
export function isLegacyVerifier(verifier: Buffer): boolean {
  return sealedFormat(verifier) === FORMAT_UNBOUND;
}

const damagedVault = (why: string): OutpostError =>
  new OutpostError('VAULT_CORRUPT', `The vault in this store is damaged (${why}), so no passphrase can open it. Restore the store from a backup.`);

/** AES-256-GCM with a key derived by scrypt from the operator's passphrase (CLI and headless host). */
export class PassphraseCipher implements SecretCipher {
  readonly kind = 'passphrase' as const;
  private key: Buffer | null = null;

  /** Creates the salt and verifier for a new vault (or a re-keyed one) and unlocks it. */
  static create(passphrase: string, kdf: KdfParams = defaultKdf): { cipher: PassphraseCipher; setup: PassphraseSetup } {
    const salt = randomBytes(16);
    const key = deriveKey(passphrase, salt, kdf);
    const kdfText = JSON.stringify(kdf);
    const cipher = new PassphraseCipher();
    cipher.key = key;
    return { cipher, setup: { kdf, kdfText, salt, verifier: makeVerifier(key, kdfText, salt) } };
  }

  /**
   * Unlocks with an existing setup. A damaged vault row is VAULT_CORRUPT (checked before scrypt
   * runs); an intact one that does not open is a wrong passphrase, VAULT_PASSPHRASE.
   */
  static unlock(passphrase: string, setup: PassphraseSetup): PassphraseCipher {
    const legacy = isLegacyVerifier(setup.verifier);
    let sealed: Buffer;
    if (legacy) {
      // Older vaults have no check value: only the shape can be checked.
      if (setup.verifier.length !== 1 + IV_BYTES + TAG_BYTES + VERIFIER_PLAINTEXT.length) throw damagedVault('the verifier has the wrong length');
      sealed = setup.verifier;
    } else {
      if (sealedFormat(setup.verifier) !== FORMAT_BOUND || setup.verifier.length !== 1 + IV_BYTES + TAG_BYTES + VERIFIER_PLAINTEXT.length + CHECK_BYTES) {
        throw damagedVault('the verifier has an unknown format');
      }
      sealed = setup.verifier.subarray(0, setup.verifier.length - CHECK_BYTES);
      const check = setup.verifier.subarray(setup.verifier.length - CHECK_BYTES);
      if (!timingSafeEqual(check, checkValue(setup.kdfText, setup.salt, sealed))) throw damagedVault('its check value does not match');
    }
    const key = deriveKey(passphrase, setup.salt, setup.kdf);
    let opened: Buffer;
    try {
      opened = openWithKey(key, sealed, legacy ? undefined : VERIFIER_AAD);
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

  seal(plain: Buffer, aad: Buffer): Buffer {
    return sealWithKey(this.requireKey(), plain, aad);
  }

  open(sealed: Buffer, aad: Buffer): Buffer {
    return openWithKey(this.requireKey(), sealed, aad);
  }

  openForMigration(sealed: Buffer, aad: Buffer): { plain: Buffer; bound: boolean } {
    if (sealedFormat(sealed) === FORMAT_UNBOUND) return { plain: openWithKey(this.requireKey(), sealed), bound: false };
    return { plain: openWithKey(this.requireKey(), sealed, aad), bound: true };
  }

  private requireKey(): Buffer {
    if (!this.key) throw new OutpostError('VAULT_LOCKED', 'The vault is locked: unlock it with the passphrase first.');
    return this.key;
  }
}
