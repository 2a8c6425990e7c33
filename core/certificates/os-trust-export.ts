import { existsSync, readFileSync, writeFileSync, appendFileSync } from 'node:fs';
import { X509Certificate } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Appends CA certificates to a PEM bundle (seed 004 appends a CA to ca-certificates.crt), skipping
 * any already in it by fingerprint, so running it twice adds nothing. Returns how many were added.
 */
export function appendToBundle(bundlePath: string, certs: X509Certificate[]): number {
  const existing = existsSync(bundlePath) ? readFileSync(bundlePath, 'utf8') : '';
  const present = new Set<string>();
  for (const m of existing.matchAll(PEM_CERT)) {
    try {
      present.add(new X509Certificate(m[0]).fingerprint256);
    } catch {
      // a broken block in someone else's bundle is not ours to judge
    }
  }
  const toAdd = certs.filter((c) => !present.has(c.fingerprint256));
  if (toAdd.length === 0) return 0;
  if (!existsSync(bundlePath)) writeFileSync(bundlePath, '');
  const sep = existing.length === 0 || existing.endsWith('\n') ? '' : '\n';
  appendFileSync(bundlePath, sep + toAdd.map((c) => `# ${c.subject.split('\n').join(', ')} (added by Outpost)\n${c.toString().trim()}\n`).join(''));
  return toAdd.length;
}

/** A file name for a CA in /usr/local/share/ca-certificates (must end in .crt for update-ca-certificates). */
export function systemCertificateName(cert: X509Certificate): string {
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? 'ca';
  const safe = cn.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'ca';
  return `outpost-${safe}-${cert.fingerprint256.replace(/:/g, '').slice(0, 12).toLowerCase()}.crt`;
}

/** The commands for each OS's trust store (Linux is also done by Outpost itself, with root or pkexec). */
export function osTrustCommands(file: string, cert: X509Certificate): { linux: string[][]; windows: string; macos: string } {
  const name = systemCertificateName(cert);
  if (!/^[\w./-]+$/.test(file)) throw new OutpostError('VALIDATION', `Use a plain path for the certificate file (got ${file}).`);
  return {
    linux: [
      ['install', '-m', '0644', file, `/usr/local/share/ca-certificates/${name}`],
      ['update-ca-certificates'],
    ],
    windows: `certutil -addstore -f Root "${file}"`,
    macos: `sudo security add-trusted-cert -d -r trustRoot -k /Library/Keychains/System.keychain "${file}"`,
  };
}
