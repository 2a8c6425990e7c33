import { checkServerIdentity, type DetailedPeerCertificate, type TLSSocket } from 'node:tls';
import { OutpostError } from '../contract/errors.js';
import { fingerprintOf } from './fingerprint.js';

/** What the operator is shown before trusting a certificate. */
export interface CertificateSummary {
  fingerprint: string;
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
}

/** How one site's vCenter certificate is judged. */
export interface TrustPolicy {
  /** The SHA-256 fingerprint the operator trusted for this site, if any (colon hex). */
  pinnedFingerprint: string | null;
  /** PEM CAs imported into Outpost, honoured beside the system's. */
  trustedCas: readonly string[];
}

const dn = (entries: Record<string, string | string[] | undefined> | undefined): string =>
  Object.entries(entries ?? {})
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : (v ?? '')}`)
    .join(', ');

const iso = (date: string): string => {
  const d = new Date(date);
  return Number.isNaN(d.getTime()) ? date : d.toISOString();
};

export function summarize(cert: DetailedPeerCertificate): CertificateSummary {
  return {
    fingerprint: fingerprintOf(cert.raw),
    subject: dn(cert.subject as unknown as Record<string, string>),
    issuer: dn(cert.issuer as unknown as Record<string, string>),
    validFrom: iso(cert.valid_from),
    validTo: iso(cert.valid_to),
  };
}

/**
 * Decides on an established TLS session before any request byte is written. Accepts when the
 * chain verified against the system CAs plus Outpost's imported CAs and the name matches (and a
 * pin, if any, still matches), or when the certificate is exactly the pinned one. A pin that no
 * longer matches is a hard stop even when the new certificate chains to a trusted CA.
 */
export function judgeCertificate(socket: TLSSocket, host: string, policy: TrustPolicy): OutpostError | null {
  const cert = socket.getPeerCertificate(true);
  if (!cert || !cert.raw) {
    return new OutpostError('TLS_UNTRUSTED', `${host} presented no certificate; Outpost cannot talk to it securely.`, { host });
  }
  const summary = summarize(cert);
  if (policy.pinnedFingerprint) {
    if (summary.fingerprint === policy.pinnedFingerprint) return null;
    return new OutpostError(
      'TLS_CHANGED',
      `The certificate of ${host} CHANGED since it was trusted (was ${policy.pinnedFingerprint}, now ${summary.fingerprint}). ` +
        'This can be an attack. Outpost will not connect; if the vCenter certificate was really replaced, verify the new fingerprint with its administrator and trust it again.',
      { host, expected: policy.pinnedFingerprint, ...summary },
    );
  }
  const nameError = checkServerIdentity(host, cert);
  if (socket.authorized && !nameError) return null;
  const reason = !socket.authorized ? String(socket.authorizationError ?? 'unverified chain') : (nameError?.message ?? 'name mismatch');
  return new OutpostError(
    'TLS_UNTRUSTED',
    `The certificate of ${host} is not trusted (${reason}). Check its SHA-256 fingerprint ${summary.fingerprint} with the vCenter administrator, then trust it (--trust) or import its CA.`,
    { host, reason, ...summary },
  );
}
