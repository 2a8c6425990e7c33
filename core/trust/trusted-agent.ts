import { Agent, type AgentOptions, type RequestOptions } from 'node:https';
import { isIP } from 'node:net';
import type { Duplex } from 'node:stream';
import { connect, createSecureContext, rootCertificates, type SecureContext, type TLSSocket } from 'node:tls';
import { OutpostError } from '../contract/errors.js';
import { judgeCertificate, type TrustPolicy } from './certificate-verdict.js';
import { isNotTlsAnswer } from './not-tls.js';

/** Node calls back with an error alone when the connection fails. */
type ConnectCallback = (err: Error | null, socket?: Duplex) => void;

/**
 * An HTTPS agent (keep-alive) whose connections are judged by Outpost's trust rules. Node's HTTP
 * agent accepts an asynchronous `createConnection(options, callback)`: the socket is handed to
 * the request only after the certificate was judged, so no request byte reaches an untrusted peer.
 */
export class TrustedAgent extends Agent {
  /** Built once: parsing ~140 system roots per connection costs tens of ms. */
  private secureContext: SecureContext | null = null;

  constructor(
    private readonly policy: TrustPolicy,
    private readonly connectTimeoutMs = 10_000,
    options: AgentOptions = {},
  ) {
    super({ keepAlive: true, keepAliveMsecs: 15_000, maxSockets: 8, ...options });
  }

  override createConnection(options: RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): undefined {
    const done = callback as ConnectCallback | undefined;
    const host = options.host ?? options.hostname ?? 'localhost';
    const port = Number(options.port ?? 443);
    let settled = false;
    const settle = (err: Error | null, socket?: TLSSocket): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      done?.(err, socket);
    };
    const socket = connect({
      host,
      port,
      ...(isIP(host) ? {} : { servername: host }),
      secureContext: (this.secureContext ??= createSecureContext({ ca: [...rootCertificates, ...this.policy.trustedCas] })),
      // Verification is done by judgeCertificate on 'secureConnect' (chain result + pins).
      rejectUnauthorized: false,
      ALPNProtocols: ['http/1.1'],
    });
    const timer = setTimeout(() => {
      socket.destroy();
      settle(new OutpostError('TIMEOUT', `No TLS connection to ${host}:${port} within ${this.connectTimeoutMs} ms. Check the address and that vCenter is up.`, { host, port }));
    }, this.connectTimeoutMs);
    socket.once('secureConnect', () => {
      const verdict = judgeCertificate(socket, host, this.policy);
      if (verdict) {
        socket.destroy();
        settle(verdict);
      } else {
        settle(null, socket);
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => settle(connectionError(err, host, port)));
    return undefined;
  }
}

function connectionError(err: NodeJS.ErrnoException, host: string, port: number): OutpostError {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'ECONNREFUSED':
      return new OutpostError('UNREACHABLE', `Nothing accepts connections at ${where}. Check the URL's host and port, and that vCenter is running.`, { host, port, cause: err.code });
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new OutpostError('UNREACHABLE', `The host name ${host} does not resolve. Check the URL.`, { host, port, cause: err.code });
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ECONNRESET':
      return new OutpostError('UNREACHABLE', `${where} cannot be reached (${err.code}). Check the network path to vCenter.`, { host, port, cause: err.code });
    default: {
      if (isNotTlsAnswer(err.code)) {
        return new OutpostError('UNREACHABLE', `${where} does not answer with TLS (plain HTTP or another service?). Give vCenter's HTTPS URL, e.g. https://vcenter.example/sdk on port 443.`, { host, port, cause: err.code });
      }
      // OpenSSL errors carry a one-phrase reason; their message spans lines with file names.
      const reason = 'reason' in err && typeof err.reason === 'string' ? err.reason : err.message.split('\n')[0]!.replace(/^[0-9A-F]+:error:[0-9A-F]+:/, '');
      return new OutpostError('UNREACHABLE', `TLS connection to ${where} failed (${reason}). Is this an HTTPS vCenter endpoint?`, { host, port, cause: err.code ?? null });
    }
  }
}
