import { X509Certificate } from 'node:crypto';
import { connect, type PeerCertificate, type DetailedPeerCertificate } from 'node:tls';
import { OutpostError } from '../contract/errors.js';
import { isNotTlsAnswer } from '../trust/not-tls.js';

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
    socket.once('error', (err: NodeJS.ErrnoException) => fail(connectionError(err, host, port)));
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

/** One line that says what went wrong; OpenSSL's own message spans lines of file names and internals. */
function connectionError(err: NodeJS.ErrnoException, host: string, port: number): OutpostError {
  const where = `${host}:${port}`;
  const details = { host, port, cause: err.code ?? null };
  if (isNotTlsAnswer(err.code)) {
    return new OutpostError('UNREACHABLE', `${where} does not answer with TLS (plain HTTP or another service?): give the port of a TLS service, e.g. 443 for HTTPS.`, details);
  }
  if (err.code === 'ECONNREFUSED') return new OutpostError('UNREACHABLE', `Nothing accepts connections at ${where}. Check the host and port.`, details);
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return new OutpostError('UNREACHABLE', `The host name ${host} does not resolve.`, details);
  const reason = 'reason' in err && typeof err.reason === 'string' ? err.reason : (err.code ?? err.message.split('\n')[0]!);
  return new OutpostError('UNREACHABLE', `Cannot read the certificate of ${where}: the TLS connection failed (${reason}).`, details);
}
