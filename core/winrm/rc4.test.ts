import { describe, expect, it } from 'vitest';
import { Rc4, rc4 } from './rc4.js';

// RFC 6229 section 2: key-stream bytes (RC4 of zeros) at the given offsets.
const vectors: [string, number, string][] = [
  ['0102030405', 0, 'b2396305f03dc027ccc3524a0a1118a8'],
  ['0102030405', 16, '6982944f18fc82d589c403a47a0d0919'],
  ['0102030405060708090a0b0c0d0e0f10', 0, '9ac7cc9a609d1ef7b2932899cde41b97'],
  ['0102030405060708090a0b0c0d0e0f10', 16, '5248c4959014126a6e8a84f11d1a9e1c'],
  ['0102030405060708090a0b0c0d0e0f10', 4096, 'a36a4c301ae8ac13610ccbc12256cacc'],
];

describe('RC4 (RFC 6229 test vectors)', () => {
  it.each(vectors)('key %s, offset %i', (key, offset, hex) => {
    const stream = rc4(Buffer.from(key, 'hex'), Buffer.alloc(offset + 16));
    expect(stream.subarray(offset).toString('hex')).toBe(hex);
  });

  it('keeps its state across calls, as NTLM sealing needs', () => {
    const key = Buffer.from('0102030405060708090a0b0c0d0e0f10', 'hex');
    const whole = rc4(key, Buffer.alloc(4112));
    const cipher = new Rc4(key);
    const parts = [cipher.update(Buffer.alloc(7)), cipher.update(Buffer.alloc(4089)), cipher.update(Buffer.alloc(16))];
    expect(Buffer.concat(parts).equals(whole)).toBe(true);
    expect(rc4(key, rc4(key, Buffer.from('round trip'))).toString()).toBe('round trip');
  });
});
