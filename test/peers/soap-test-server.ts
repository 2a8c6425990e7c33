// A loopback HTTPS server that misbehaves on purpose, for what vcsim will not do: cut a response
// short, send half an envelope, or just record what a client sent. Its certificate is a fresh
// EC key made with the openssl CLI for each server.
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type Misbehaviour = 'truncated-body' | 'truncated-envelope' | 'html-page';

export interface SoapTestServer {
  url: string;
  fingerprint: string;
  certPem: string;
  /** Bytes of every request body and header the server received. */
  receivedBytes(): number;
  stop(): Promise<void>;
}

export function makeCertificate(dir: string, cn = '127.0.0.1'): { cert: string; key: string } {
  const key = join(dir, 'key.pem');
  const cert = join(dir, 'cert.pem');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/CN=${cn}`, '-addext', `subjectAltName=IP:${cn}`], { stdio: 'ignore' });
  return { cert, key };
}

export async function startSoapTestServer(mode: Misbehaviour): Promise<SoapTestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'outpost-soap-'));
  const files = makeCertificate(dir);
  const certPem = readFileSync(files.cert, 'utf8');
  let received = 0;
  const server: Server = createServer({ cert: certPem, key: readFileSync(files.key) }, (req, res) => {
    req.resume(); // bytes are counted on the TLS socket, headers included
    req.on('end', () => {
      const envelope =
        '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><RetrieveServiceContentResponse xmlns="urn:vim25"><returnval><rootFolder type="Folder">group-d1</rootFolder>';
      if (mode === 'truncated-body') {
        res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': envelope.length + 5000 });
        res.write(envelope);
        setTimeout(() => res.socket?.destroy(), 50);
      } else if (mode === 'truncated-envelope') {
        res.writeHead(200, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(envelope) });
        res.end(envelope);
      } else {
        res.writeHead(404, { 'Content-Type': 'text/html' });
        res.end('<html><body>Not here</body></html>');
      }
    });
  });
  server.on('secureConnection', (socket) => socket.on('data', (c: Buffer) => (received += c.length)));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `https://127.0.0.1:${port}/sdk`,
    fingerprint: new X509Certificate(certPem).fingerprint256,
    certPem,
    receivedBytes: () => received,
    stop: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => {
          rmSync(dir, { recursive: true, force: true });
          r();
        });
      }),
  };
}
