import { createHash, X509Certificate } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';

/**
 * SHA-256 of a certificate's DER bytes as upper-case colon hex: the form
 * `openssl x509 -noout -fingerprint -sha256` prints, so operators can compare it by eye.
 */
export function fingerprintOf(der: Buffer): string {
  return colonHex(createHash('sha256').update(der).digest());
}

export function colonHex(bytes: Buffer): string {
  return bytes.toString('hex').toUpperCase().replace(/(..)(?!$)/g, '$1:');
}

/** Accepts a SHA-256 fingerprint with or without colons, any case; returns the canonical form. */
export function normalizeFingerprint(input: string): string {
  const hex = input.trim().replace(/^sha256\s*fingerprint=/i, '').replace(/[:\s]/g, '');
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new OutpostError(
      'VALIDATION',
      'A certificate fingerprint is the SHA-256 as 32 colon-separated hex bytes (openssl x509 -noout -fingerprint -sha256 prints it).',
      { fingerprint: input },
    );
  }
  return colonHex(Buffer.from(hex, 'hex'));
}

/** The SHA-256 fingerprint of a PEM certificate (imported CAs are listed by it). */
export function fingerprintOfPem(pem: string): string {
  return fingerprintOf(new X509Certificate(pem).raw);
}
