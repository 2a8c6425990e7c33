import { X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import { OutpostError } from '../contract/errors.js';

export interface FetchedChain {
  host: string;
  port: number;
  /** Leaf first, as the server sent it (issuers it did not send are not invented). */
  certificates: X509Certificate[];
  /** Whether the chain verified against this machine's CAs (for information: nothing is trusted here). */
  authorized: boolean;
  authorizationError: string | null;
}

/**
 * Reads a server's certificate chain with a TLS handshake and no request: the operator inspects it
 * and may choose to trust its CA. Verification is deliberately off for this read only.
 */
export function fetchChain(host: string, port: number, timeoutMs = 5000): Promise<FetchedChain> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port, servername: /^[\d.]+$|:/.test(host) ? undefined : host, rejectUnauthorized: false, timeout: timeoutMs });
    const fail = (err: OutpostError): void => {
      socket.destroy();
      reject(err);
    };
    socket.once('timeout', () => fail(new OutpostError('TIMEOUT', `${host}:${port} did not complete a TLS handshake within ${timeoutMs} ms.`)));
    socket.once('error', (err: NodeJS.ErrnoException) => fail(new OutpostError('UNREACHABLE', `Cannot read the certificate of ${host}:${port}: ${err.code ?? err.message}`)));
    socket.once('secureConnect', () => {
      const chain: X509Certificate[] = [];
      const seen = new Set<string>();
      let cert: PeerCertificate | DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
      while (cert && cert.raw && !seen.has(cert.fingerprint256)) {
        seen.add(cert.fingerprint256);
        chain.push(new X509Certificate(cert.raw));
        cert = 'issuerCertificate' in cert ? cert.issuerCertificate : undefined;
      }
      const authorizationError = socket.authorizationError ? String(socket.authorizationError) : null;
      socket.end();
      if (chain.length === 0) reject(new OutpostError('CERT_INVALID', `${host}:${port} sent no certificate.`));
      else resolve({ host, port, certificates: chain, authorized: socket.authorized, authorizationError });
    });
  });
}
