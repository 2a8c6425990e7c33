import type { Certificate, Session } from 'electron';
import type { OutpostTrust } from '../core/trust/chromium-verdict.js';
import { chromiumVerdict } from '../core/trust/chromium-verdict.js';

/** The chain Chromium hands over, leaf first, as PEM (Electron links each certificate to its issuer). */
export function chainOf(certificate: Certificate): string[] {
  const chain: string[] = [];
  let current: Certificate | undefined = certificate;
  while (current && chain.length < 10) {
    chain.push(current.data);
    // A self-signed certificate is its own issuer: stop instead of looping.
    current = current.issuerCert && current.issuerCert.data !== current.data ? current.issuerCert : undefined;
  }
  return chain;
}

/**
 * Outpost's TLS trust in the renderer's Chromium session: a chain Chromium could not verify is
 * accepted when it ends in a CA imported into Outpost or is the certificate pinned for that host
 * (core/trust/chromium-verdict.ts decides; this only wires it).
 */
export function trustOutpostCertificates(session: Session, trust: () => Promise<OutpostTrust>): void {
  session.setCertificateVerifyProc((request, callback) => {
    // The trust (imported CAs, pins) is read from the store; an unreadable store rejects.
    trust().then(
      (t) => {
        try {
          callback(chromiumVerdict({ hostname: request.hostname, verificationResult: request.verificationResult, chain: chainOf(request.certificate) }, t));
        } catch {
          callback(-2);
        }
      },
      () => callback(-2),
    );
  });
}
