import { describe, expect, it } from 'vitest';
import { md4 } from './md4.js';
import { authenticateMessage, negotiateMessage, ntowfv2, parseAuthenticateMessage, parseChallengeMessage, verifyNtlmv2 } from './ntlm.js';

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
