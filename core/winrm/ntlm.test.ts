import { describe, expect, it } from 'vitest';
import { md4 } from './md4.js';
import { authenticate, authenticateMessage, negotiateMessage, ntlmv2Responses, ntowfv2, parseAuthenticateMessage, parseChallengeMessage, SEAL_FLAGS, serverExportedSessionKey, verifyNtlmv2 } from './ntlm.js';
import { NtlmIntegrityError, NtlmSecurityContext, sealKey, signKey } from './ntlm-session.js';

describe('MD4 (RFC 1320 test suite)', () => {
  it.each([
    ['', '31d6cfe0d16ae931b73c59d7e0c089c0'],
    ['a', 'bde52cb31de33e46245e05fbdbd6fb24'],
    ['abc', 'a448017aaf21d8525fc10ae87aa6729d'],
    ['message digest', 'd9130a8164549fe818874806e1c7014b'],
    ['12345678901234567890123456789012345678901234567890123456789012345678901234567890', 'e33b4ddc9c38f2199c3e7b164fcc0536'],
  ])('md4(%j)', (input, hex) => expect(md4(Buffer.from(input, 'latin1')).toString('hex')).toBe(hex));
});

describe('NTLMv2 (MS-NLMP 4.2.4 test values)', () => {
  it('computes NTOWFv2 for User/Domain/Password as the spec does', () => {
    expect(ntowfv2('Password', 'User', 'Domain').toString('hex')).toBe('0c868a403bfd7a93a3001ef22ef02e3f');
  });

  it('builds messages a server can parse and verify, and a wrong password fails', () => {
    expect(negotiateMessage().subarray(0, 8).toString('latin1')).toBe('NTLMSSP\0');
    const challenge = Buffer.alloc(56);
    Buffer.from('NTLMSSP\0', 'latin1').copy(challenge);
    challenge.writeUInt32LE(2, 8);
    challenge.writeUInt32LE(0xa2898205, 20);
    Buffer.from('0123456789abcdef', 'hex').copy(challenge, 24);
    const parsed = parseChallengeMessage(challenge);
    const auth = parseAuthenticateMessage(authenticateMessage(parsed, 'LAB\\operator', 'pässword'));
    expect(auth).toMatchObject({ user: 'operator', domain: 'LAB', workstation: 'OUTPOST' });
    expect(verifyNtlmv2(parsed.serverChallenge, auth, 'pässword')).toBe(true);
    expect(verifyNtlmv2(parsed.serverChallenge, auth, 'password')).toBe(false);
  });
});

describe('NTLMv2 session security (MS-NLMP 4.2.4 test values, byte for byte)', () => {
  // 4.2.1 common values and the 4.2.4 CHALLENGE_MESSAGE (flags 0xe28a8233, AV pairs Domain + Server).
  const hex = (h: string): Buffer => Buffer.from(h.replace(/\s/g, ''), 'hex');
  const av = (id: number, text: string): Buffer => {
    const value = Buffer.from(text, 'utf16le');
    const head = Buffer.alloc(4);
    head.writeUInt16LE(id, 0);
    head.writeUInt16LE(value.length, 2);
    return Buffer.concat([head, value]);
  };
  const challenge = {
    flags: 0xe28a8233,
    serverChallenge: hex('01 23 45 67 89 ab cd ef'),
    targetName: 'Server',
    targetInfo: Buffer.concat([av(2, 'Domain'), av(1, 'Server'), Buffer.alloc(4)]),
  };
  const randomSessionKey = Buffer.alloc(16, 0x55);
  const plaintext = Buffer.from('Plaintext', 'utf16le');

  it('4.2.4.1-2: NTLMv2 response, LMv2 response, SessionBaseKey and EncryptedRandomSessionKey', () => {
    const r = ntlmv2Responses(ntowfv2('Password', 'User', 'Domain'), challenge.serverChallenge, Buffer.alloc(8, 0xaa), Buffer.alloc(8), challenge.targetInfo);
    expect(r.sessionBaseKey.toString('hex')).toBe('8de40ccadbc14a82f15cb0ad0de95ca3');
    expect(r.ntResponse.subarray(0, 16).toString('hex')).toBe('68cd0ab851e51c96aabc927bebef6a1c');
    expect(r.lmResponse.toString('hex')).toBe('86c35097ac9cec102554764a57cccc19aaaaaaaaaaaaaaaa');

    const auth = authenticate(challenge, 'Domain\\User', 'Password', { seal: true, clientChallenge: Buffer.alloc(8, 0xaa), time: Buffer.alloc(8), randomSessionKey, workstation: 'COMPUTER' });
    const parsed = parseAuthenticateMessage(auth.message);
    expect(parsed.encryptedRandomSessionKey.toString('hex')).toBe('c5dad2544fc9799094ce1ce90bc9d03e');
    expect(parsed.flags & SEAL_FLAGS).toBe(SEAL_FLAGS);
    expect(auth.exportedSessionKey.equals(randomSessionKey)).toBe(true);
    // The server side recovers the same exported key from the message and the password.
    expect(verifyNtlmv2(challenge.serverChallenge, parsed, 'Password')).toBe(true);
    expect(serverExportedSessionKey(parsed, 'Password').equals(randomSessionKey)).toBe(true);
  });

  it('4.2.4.4: SealingKey, SigningKey, the sealed "Plaintext" and its signature', () => {
    expect(sealKey(randomSessionKey, 'client', challenge.flags).toString('hex')).toBe('59f600973cc4960a25480a7c196e4c58');
    expect(signKey(randomSessionKey, 'client').toString('hex')).toBe('4788dc861b4782f35d43fd98fe1a2d39');
    const ctx = new NtlmSecurityContext(randomSessionKey, challenge.flags, 'client');
    const { sealed, signature } = ctx.wrap(plaintext);
    expect(sealed.toString('hex')).toBe('54e50165bf1936dc996020c1811b0f06fb5f');
    expect(signature.toString('hex')).toBe('010000007fb38ec5c55d497600000000');
  });

  it('the server side unwraps in order, answers, and rejects a tampered, replayed or reordered message', () => {
    const key = Buffer.from('00112233445566778899aabbccddeeff', 'hex');
    const client = new NtlmSecurityContext(key, challenge.flags, 'client', 'WinRM test');
    const server = new NtlmSecurityContext(key, challenge.flags, 'server', 'WinRM test');
    const first = client.wrap(Buffer.from('first'));
    const second = client.wrap(Buffer.from('second'));
    expect(server.unwrap(first.sealed, first.signature).toString()).toBe('first');
    expect(server.unwrap(second.sealed, second.signature).toString()).toBe('second');
    const reply = server.wrap(Buffer.from('reply'));
    expect(client.unwrap(reply.sealed, reply.signature).toString()).toBe('reply');
    expect(reply.signature.readUInt32LE(12)).toBe(0); // the server's own sequence starts at 0

    const tampered = client.wrap(Buffer.from('third'));
    tampered.signature[6]! ^= 1;
    expect(() => server.unwrap(tampered.sealed, tampered.signature)).toThrow(NtlmIntegrityError);
    const err = (() => {
      try {
        server.unwrap(first.sealed, first.signature); // a replay
      } catch (e) {
        return e;
      }
    })();
    expect(err).toMatchObject({ code: 'WINRM_FAULT', details: { integrity: 'NTLM_SIGNATURE_MISMATCH' } });
    expect((err as Error).message).toMatch(/WinRM test: .*signature check/);
    expect(JSON.stringify(err) + String(err)).not.toContain(key.toString('hex'));
  });
});
