import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { fingerprintOf } from './fingerprint.js';

/** What Chromium asks about a server certificate (Electron's setCertificateVerifyProc request). */
export interface ChromiumCertificateRequest {
  hostname: string;
  /** Chromium's own verdict: 'net::OK' when the chain verified against the OS store. */
  verificationResult: string;
  /** The server's chain as Chromium received it, leaf first (PEM). */
  chain: readonly string[];
}

/** What Outpost trusts beyond the OS: imported CAs and per-host pinned certificates. */
export interface OutpostTrust {
  trustedCas: readonly string[];
  /** A site's pinned SHA-256 (colon hex) counts only for that site's host name. */
  pins: readonly { host: string; fingerprint: string }[];
}

/** Electron's answers: 0 accept, -2 reject, -3 use Chromium's own verdict. */
export type ChromiumVerdict = 0 | -2 | -3;

const MAX_DEPTH = 8;

function parse(pem: string): X509Certificate | null {
  try {
    return new X509Certificate(pem);
  } catch {
    return null;
  }
}

function validNow(cert: X509Certificate, now: Date): boolean {
  return new Date(cert.validFrom) <= now && now <= new Date(cert.validTo);
}

function matchesHost(cert: X509Certificate, hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return isIP(host) ? cert.checkIP(host) !== undefined : cert.checkHost(host) !== undefined;
}

/** `issuer` signed `cert` (names chain and the signature verifies). */
function issued(cert: X509Certificate, issuer: X509Certificate): boolean {
  try {
    return cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
}

/**
 * Decides on a certificate Chromium could not verify (a renderer request to a vCenter or ESXi
 * host, e.g. a console's wss): accept when the leaf is the certificate pinned for exactly this
 * host, or when the chain runs from a leaf valid for this host name through CA certificates to a
 * CA imported into Outpost, each certificate in date and each signature checking out. Anything
 * Chromium verified itself is left to Chromium; anything else is refused.
 */
export function chromiumVerdict(request: ChromiumCertificateRequest, trust: OutpostTrust, now = new Date()): ChromiumVerdict {
  if (request.verificationResult === 'net::OK') return -3;
  const chain = request.chain.map(parse);
  const leaf = chain[0];
  if (!leaf || chain.some((c) => c === null)) return -2;
  const certs = chain as X509Certificate[];
  const host = request.hostname.toLowerCase();

  const leafFingerprint = fingerprintOf(leaf.raw);
  if (trust.pins.some((p) => p.host.toLowerCase() === host && p.fingerprint === leafFingerprint)) return 0;

  if (!matchesHost(leaf, host) || !validNow(leaf, now)) return -2;
  const anchors = trust.trustedCas.map(parse).filter((c): c is X509Certificate => c !== null && c.ca && validNow(c, now));
  if (anchors.length === 0) return -2;
  const anchorPrints = new Set(anchors.map((a) => fingerprintOf(a.raw)));

  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (depth > 0 && anchorPrints.has(fingerprintOf(current.raw))) return 0;
    if (anchors.some((a) => issued(current, a))) return 0;
    const next = certs.find((c) => c !== current && c.ca && validNow(c, now) && issued(current, c));
    if (!next) return -2;
    current = next;
  }
  return -2;
}
