import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:tls';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { readCertificateFile } from './certificate-file.js';
import { describeCertificate, orderChain } from './certificate-info.js';
import { fetchChain } from './chain-fetch.js';
import { appendToBundle, osTrustCommands, systemCertificateName } from './os-trust-export.js';

/** Real certificates made by the openssl CLI: an EC CA and an RSA server certificate it signed. */
const dir = tempDir('outpost-certs-');
const f = (name: string): string => join(dir.path, name);
const openssl = (...args: string[]): void => {
  execFileSync('openssl', args, { stdio: 'pipe' });
};

beforeAll(() => {
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', '3650', '-subj', '/O=Outpost Test/CN=Outpost Test Root CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', f('leaf.key'), '-out', f('leaf.csr'), '-subj', '/CN=vc.lab.test');
  writeFileSync(f('leaf.ext'), 'subjectAltName=DNS:vc.lab.test,IP:127.0.0.1\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', f('leaf.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('leaf.pem'), '-days', '365', '-extfile', f('leaf.ext'));
  writeFileSync(f('chain.pem'), readFileSync(f('leaf.pem'), 'utf8') + readFileSync(f('ca.pem'), 'utf8'));
  openssl('x509', '-in', f('ca.pem'), '-outform', 'der', '-out', f('ca.der'));
  openssl('crl2pkcs7', '-nocrl', '-certfile', f('chain.pem'), '-out', f('chain.p7b'));
  openssl('crl2pkcs7', '-nocrl', '-certfile', f('chain.pem'), '-outform', 'DER', '-out', f('chain.p7b.der'));
  openssl('pkcs12', '-export', '-in', f('leaf.pem'), '-inkey', f('leaf.key'), '-certfile', f('ca.pem'), '-passout', 'pass:s3cret-p12', '-out', f('bundle.p12'));
});
afterAll(() => dir.remove());

describe('certificate files (openssl-made PEM, DER, PKCS#7, PKCS#12)', () => {
  it('reads PEM chains, DER, and PKCS#7 in PEM and DER form, including EC keys', () => {
    const ca = new X509Certificate(readFileSync(f('ca.pem')));
    expect(readCertificateFile(readFileSync(f('chain.pem')))).toMatchObject({ format: 'pem', certificates: [expect.anything(), expect.anything()] });
    expect(readCertificateFile(readFileSync(f('ca.der'))).certificates[0]!.fingerprint256).toBe(ca.fingerprint256);
    for (const file of ['chain.p7b', 'chain.p7b.der']) {
      const read = readCertificateFile(readFileSync(f(file)));
      expect(read.format, file).toBe('pkcs7');
      expect(read.certificates.map((c) => c.fingerprint256)).toContain(ca.fingerprint256);
    }
  });

  it('reads PKCS#12 with its passphrase, ignores the private key, and says when the passphrase is wrong', () => {
    const p12 = readFileSync(f('bundle.p12'));
    const read = readCertificateFile(p12, 's3cret-p12');
    expect(read.format).toBe('pkcs12');
    expect(read.privateKeysIgnored).toBe(1);
    expect(read.certificates.map((c) => c.subject)).toEqual(expect.arrayContaining(['CN=vc.lab.test']));
    expect(() => readCertificateFile(p12, 'wrong')).toThrowError(expect.objectContaining({ code: 'CERT_PASSPHRASE' }));
    expect(() => readCertificateFile(p12)).toThrowError(expect.objectContaining({ code: 'CERT_PASSPHRASE' }));
  });

  it('refuses what is not a certificate with a clear error', () => {
    expect(() => readCertificateFile(readFileSync(f('leaf.key')))).toThrowError(expect.objectContaining({ code: 'CERT_INVALID' }));
    expect(() => readCertificateFile(Buffer.from('hello'))).toThrowError(expect.objectContaining({ code: 'CERT_INVALID' }));
  });

  it('describes subject, issuer, SANs, usage, fingerprint, CA-ness and warnings', () => {
    const [leaf, ca] = orderChain(readCertificateFile(readFileSync(f('chain.pem'))).certificates.reverse());
    const info = describeCertificate(leaf!);
    expect(info).toMatchObject({ subject: 'CN=vc.lab.test', issuer: 'O=Outpost Test, CN=Outpost Test Root CA', isCA: false, selfSigned: false, subjectAltNames: ['DNS:vc.lab.test', 'IP Address:127.0.0.1'], warnings: ['not-a-ca'] });
    const fp = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', f('ca.pem')], { encoding: 'utf8' }).trim().split('=')[1];
    expect(describeCertificate(ca!)).toMatchObject({ isCA: true, selfSigned: true, fingerprint256: fp, warnings: [] });
    expect(describeCertificate(ca!, new Date(Date.now() + 20 * 365 * 86_400_000)).warnings).toContain('expired');
    expect(describeCertificate(ca!, new Date('2001-01-01')).warnings).toContain('not-yet-valid');
  });

  it('appends CAs to a bundle once (seed 004), and names system files and commands safely', () => {
    const bundle = f('ca-certificates.crt');
    writeFileSync(bundle, '# existing bundle\n');
    const ca = new X509Certificate(readFileSync(f('ca.pem')));
    expect(appendToBundle(bundle, [ca])).toBe(1);
    expect(appendToBundle(bundle, [ca])).toBe(0);
    expect(readFileSync(bundle, 'utf8').match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
    expect(systemCertificateName(ca)).toMatch(/^outpost-outpost-test-root-ca-[0-9a-f]{12}\.crt$/);
    expect(osTrustCommands('/tmp/ca.crt', ca).linux[1]).toEqual(['update-ca-certificates']);
    expect(() => osTrustCommands('/tmp/ca.crt; rm -rf /', ca)).toThrow(/plain path/);
  });
});

describe('fetching a chain by TLS handshake (loopback server)', () => {
  let server: Server;
  beforeAll(async () => {
    server = createServer({ key: readFileSync(f('leaf.key')), cert: readFileSync(f('chain.pem')) }, (s) => s.end());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(() => server.close());

  it('returns the chain the server sent, leaf first, without trusting it', async () => {
    const chain = await fetchChain('127.0.0.1', (server.address() as AddressInfo).port);
    expect(chain.certificates.map((c) => c.subject)).toEqual(['CN=vc.lab.test', 'O=Outpost Test\nCN=Outpost Test Root CA']);
    expect(chain.authorized).toBe(false);
  });

  it('says when nothing answers', async () => {
    const probe = createServer({});
    probe.listen(0, '127.0.0.1');
    await once(probe, 'listening');
    const port = (probe.address() as AddressInfo).port;
    probe.close();
    await expect(fetchChain('127.0.0.1', port, 1000)).rejects.toMatchObject({ code: 'UNREACHABLE' });
  });
});
