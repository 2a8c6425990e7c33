import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { X509Certificate } from 'node:crypto';
import { tempDir } from '../../test/temp-dir.js';
import { chromiumVerdict, type OutpostTrust } from './chromium-verdict.js';
import { fingerprintOf } from './fingerprint.js';

/** Real certificates from the openssl CLI: root → intermediate → leaf, another root, an expired leaf, a self-signed host. */
describe('chromiumVerdict (the renderer session’s certificate decision)', () => {
  const dir = tempDir();
  const f = (name: string): string => join(dir.path, name);
  const pem = (name: string): string => readFileSync(f(name), 'utf8');
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { stdio: 'pipe' });
  };
  const ca = (name: string, subject: string): void =>
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.pem`), '-days', '30', '-subj', subject, '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  const sign = (name: string, issuer: string, subject: string, ext: string, days = '30'): void => {
    openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f(`${name}.key`), '-out', f(`${name}.csr`), '-subj', subject);
    writeFileSync(f(`${name}.ext`), ext);
    openssl('x509', '-req', '-in', f(`${name}.csr`), '-CA', f(`${issuer}.pem`), '-CAkey', f(`${issuer}.key`), '-CAcreateserial', '-out', f(`${name}.pem`), '-days', days, '-extfile', f(`${name}.ext`));
  };
  let root = '';
  let intermediate = '';
  let leaf = '';
  let otherRoot = '';
  let selfSigned = '';
  const trust = (over: Partial<OutpostTrust> = {}): OutpostTrust => ({ trustedCas: [root], pins: [], ...over });
  const ask = (chain: string[], hostname = 'esx-07.lab.test', verificationResult = 'net::ERR_CERT_AUTHORITY_INVALID') => ({ hostname, verificationResult, chain });

  beforeAll(() => {
    ca('root', '/O=Outpost Test/CN=Lab Root CA');
    ca('other', '/O=Elsewhere/CN=Other Root CA');
    sign('inter', 'root', '/O=Outpost Test/CN=Lab Issuing CA', 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n');
    sign('leaf', 'inter', '/CN=esx-07.lab.test', 'basicConstraints=CA:FALSE\nsubjectAltName=DNS:esx-07.lab.test,IP:192.0.2.7\nextendedKeyUsage=serverAuth\n');
    openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-keyout', f('self.key'), '-out', f('self.pem'), '-days', '30', '-subj', '/CN=vcsa.lab.test', '-addext', 'subjectAltName=DNS:vcsa.lab.test');
    root = pem('root.pem');
    intermediate = pem('inter.pem');
    leaf = pem('leaf.pem');
    otherRoot = pem('other.pem');
    selfSigned = pem('self.pem');
  });
  afterAll(() => dir.remove());

  it('leaves what Chromium verified itself to Chromium', () => {
    expect(chromiumVerdict(ask([leaf], 'esx-07.lab.test', 'net::OK'), trust({ trustedCas: [] }))).toBe(-3);
  });

  it('accepts a chain that ends in an imported CA, for the leaf’s own names only', () => {
    expect(chromiumVerdict(ask([leaf, intermediate]), trust())).toBe(0);
    expect(chromiumVerdict(ask([leaf, intermediate, root]), trust())).toBe(0);
    expect(chromiumVerdict(ask([leaf, intermediate], '192.0.2.7'), trust())).toBe(0);
    expect(chromiumVerdict(ask([leaf, intermediate], 'evil.example'), trust())).toBe(-2);
    // An imported intermediate is an anchor too.
    expect(chromiumVerdict(ask([leaf, intermediate]), trust({ trustedCas: [intermediate] }))).toBe(0);
  });

  it('refuses a chain to a CA Outpost does not trust, a missing intermediate, and no imported CA at all', () => {
    expect(chromiumVerdict(ask([leaf, intermediate]), trust({ trustedCas: [otherRoot] }))).toBe(-2);
    expect(chromiumVerdict(ask([leaf]), trust())).toBe(-2);
    expect(chromiumVerdict(ask([leaf, intermediate]), trust({ trustedCas: [] }))).toBe(-2);
    // A leaf certificate imported as if it were a CA is no anchor for others.
    expect(chromiumVerdict(ask([leaf, intermediate]), trust({ trustedCas: [leaf] }))).toBe(-2);
  });

  it('refuses outside the validity period', () => {
    const validTo = new Date(new X509Certificate(leaf).validTo);
    expect(chromiumVerdict(ask([leaf, intermediate]), trust(), new Date(validTo.getTime() + 86_400_000))).toBe(-2);
  });

  it('accepts a pinned certificate only for the host it was pinned for', () => {
    const fingerprint = fingerprintOf(new X509Certificate(selfSigned).raw);
    expect(chromiumVerdict(ask([selfSigned], 'vcsa.lab.test'), trust({ pins: [{ host: 'vcsa.lab.test', fingerprint }] }))).toBe(0);
    expect(chromiumVerdict(ask([selfSigned], 'VCSA.lab.test'), trust({ pins: [{ host: 'vcsa.lab.test', fingerprint }] }))).toBe(0);
    expect(chromiumVerdict(ask([selfSigned], 'other.lab.test'), trust({ pins: [{ host: 'vcsa.lab.test', fingerprint }] }))).toBe(-2);
    expect(chromiumVerdict(ask([selfSigned], 'vcsa.lab.test'), trust())).toBe(-2);
  });

  it('refuses garbage instead of throwing', () => {
    expect(chromiumVerdict(ask(['not a certificate']), trust())).toBe(-2);
    expect(chromiumVerdict(ask([]), trust())).toBe(-2);
    expect(chromiumVerdict(ask([leaf, '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n']), trust())).toBe(-2);
    expect(chromiumVerdict(ask([leaf, intermediate]), trust({ trustedCas: ['junk', root] }))).toBe(0);
  });
});
