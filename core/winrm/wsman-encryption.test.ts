import { describe, expect, it } from 'vitest';
import { NtlmFlags } from './ntlm.js';
import { NtlmIntegrityError, NtlmSecurityContext } from './ntlm-session.js';
import { decodeEncryptedBody, encodeEncryptedBody, isEncryptedContentType } from './wsman-encryption.js';

const flags = NtlmFlags.UNICODE | NtlmFlags.SIGN | NtlmFlags.SEAL | NtlmFlags.EXTENDED_SESSIONSECURITY | NtlmFlags.N128 | NtlmFlags.KEY_EXCH;
const pair = (): [NtlmSecurityContext, NtlmSecurityContext] => {
  const key = Buffer.from('f0e1d2c3b4a5968778695a4b3c2d1e0f', 'hex');
  return [new NtlmSecurityContext(key, flags, 'client'), new NtlmSecurityContext(key, flags, 'server')];
};

describe('multipart/encrypted WinRM bodies (MS-WSMV 2.2.9.1.1)', () => {
  it('frames one sealed part with the original length, and the peer reads it back', () => {
    const [client, server] = pair();
    const soap = Buffer.from('<s:Envelope>grüße</s:Envelope>', 'utf8');
    const { body, contentType } = encodeEncryptedBody(client, soap);
    expect(contentType).toBe('multipart/encrypted;protocol="application/HTTP-SPNEGO-session-encrypted";boundary="Encrypted Boundary"');
    expect(isEncryptedContentType(contentType)).toBe(true);
    expect(isEncryptedContentType('application/soap+xml;charset=UTF-8')).toBe(false);
    const text = body.toString('latin1');
    expect(text.startsWith('--Encrypted Boundary\r\n\tContent-Type: application/HTTP-SPNEGO-session-encrypted\r\n')).toBe(true);
    expect(text).toContain(`\tOriginalContent: type=application/soap+xml;charset=UTF-8;Length=${soap.length}\r\n--Encrypted Boundary\r\n\tContent-Type: application/octet-stream\r\n`);
    expect(text.endsWith('--Encrypted Boundary--\r\n')).toBe(true);
    expect(text).not.toContain('Envelope');
    expect(decodeEncryptedBody(server, body, 'test').equals(soap)).toBe(true);
  });

  it('splits into 16 KB parts (multipart/x-multi-encrypted) and joins them, even when sealed bytes contain the boundary', () => {
    const [client, server] = pair();
    const soap = Buffer.from('--Encrypted Boundary\r\n'.repeat(3000));
    const { body, contentType } = encodeEncryptedBody(client, soap, 16 * 1024);
    expect(contentType.startsWith('multipart/x-multi-encrypted;')).toBe(true);
    expect(body.toString('latin1').match(/OriginalContent/g)).toHaveLength(Math.ceil(soap.length / (16 * 1024)));
    expect(decodeEncryptedBody(server, body, 'test').equals(soap)).toBe(true);
  });

  it('rejects a changed sealed byte (integrity) and a malformed frame (clear WINRM_FAULT)', () => {
    const [client, server] = pair();
    const { body } = encodeEncryptedBody(client, Buffer.from('<s:Envelope/>'));
    body[body.length - 30]! ^= 0x40;
    expect(() => decodeEncryptedBody(server, body, 'test')).toThrow(NtlmIntegrityError);
    expect(() => decodeEncryptedBody(pair()[1], Buffer.from('<html>proxy</html>'), 'WinRM h')).toThrow(/WinRM h sent an encrypted body that cannot be read/);
  });
});
