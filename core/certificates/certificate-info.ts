import type { X509Certificate } from 'node:crypto';

export type CertificateWarning = 'expired' | 'not-yet-valid' | 'not-a-ca' | 'expires-soon';

export interface CertificateInfo {
  subject: string;
  issuer: string;
  serialNumber: string;
  /** SHA-256 as colon hex, the form `openssl x509 -noout -fingerprint -sha256` prints. */
  fingerprint256: string;
  validFrom: string;
  validTo: string;
  subjectAltNames: string[];
  keyUsage: string[];
  isCA: boolean;
  selfSigned: boolean;
  warnings: CertificateWarning[];
  pem: string;
}

const oneLine = (dn: string): string => dn.split('\n').filter(Boolean).join(', ');

export function describeCertificate(cert: X509Certificate, now = new Date()): CertificateInfo {
  const from = new Date(cert.validFrom);
  const to = new Date(cert.validTo);
  const warnings: CertificateWarning[] = [];
  if (to < now) warnings.push('expired');
  else if (to.getTime() - now.getTime() < 30 * 86_400_000) warnings.push('expires-soon');
  if (from > now) warnings.push('not-yet-valid');
  if (!cert.ca) warnings.push('not-a-ca');
  return {
    subject: oneLine(cert.subject),
    issuer: oneLine(cert.issuer),
    serialNumber: cert.serialNumber,
    fingerprint256: cert.fingerprint256,
    validFrom: from.toISOString(),
    validTo: to.toISOString(),
    subjectAltNames: (cert.subjectAltName ?? '').split(/,\s*/).filter(Boolean),
    keyUsage: cert.keyUsage ?? [],
    isCA: cert.ca,
    selfSigned: cert.subject === cert.issuer && cert.checkIssued(cert),
    warnings,
    pem: cert.toString(),
  };
}

/**
 * Orders certificates leaf first, each followed by its issuer when present; unrelated ones keep
 * their order at the end. A chain read from a server or a bundle is shown this way.
 */
export function orderChain(certs: X509Certificate[]): X509Certificate[] {
  const remaining = [...certs];
  // The leaf is the certificate no other one in the set was issued by.
  // (x.checkIssued(y): y issued x.)
  const leaf = remaining.find((c) => !remaining.some((o) => o !== c && o.checkIssued(c))) ?? remaining[0];
  const ordered: X509Certificate[] = [];
  let current = leaf;
  while (current && remaining.includes(current)) {
    ordered.push(current);
    remaining.splice(remaining.indexOf(current), 1);
    const c = current;
    current = remaining.find((o) => c.checkIssued(o));
  }
  return [...ordered, ...remaining];
}
