import { describe, expect, it, vi } from 'vitest';
import type { Certificate, Session } from 'electron';
import { chainOf, trustOutpostCertificates } from './certificate-verify.js';

const cert = (data: string, issuerCert?: Certificate): Certificate => ({ data, issuerCert }) as unknown as Certificate;

describe('certificate verify wiring (fake Electron session)', () => {
  it('walks the chain leaf first and stops at a self-signed root', () => {
    const root = cert('ROOT');
    (root as { issuerCert?: Certificate }).issuerCert = root;
    expect(chainOf(cert('LEAF', cert('INTER', root)))).toEqual(['LEAF', 'INTER', 'ROOT']);
    expect(chainOf(cert('ONLY'))).toEqual(['ONLY']);
  });

  it('answers Chromium with the core decision: its own verdict when it verified, reject for garbage', async () => {
    let proc: ((request: unknown, callback: (n: number) => void) => void) | null = null;
    const session = { setCertificateVerifyProc: (p: typeof proc) => (proc = p) } as unknown as Session;
    trustOutpostCertificates(session, async () => Promise.resolve({ trustedCas: [], pins: [] }));
    const answers: number[] = [];
    proc!({ hostname: 'h', verificationResult: 'net::OK', certificate: cert('x') }, (n) => answers.push(n));
    proc!({ hostname: 'h', verificationResult: 'net::ERR_CERT_AUTHORITY_INVALID', certificate: cert('garbage') }, (n) => answers.push(n));
    await vi.waitFor(() => expect(answers).toHaveLength(2)); // the trust lists come from the store (asynchronous)
    expect(answers).toEqual([-3, -2]);
  });
});
