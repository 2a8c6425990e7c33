import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { generateEd25519KeyPair } from './ssh-keygen.js';

describe('generateEd25519KeyPair', () => {
  it('every pair reads back (ssh2 alone yields an unreadable one about 1 in 256: 1,500 draws all pass with p < 0.3% without the retry)', () => {
    let unreadable = 0;
    for (let i = 0; i < 1500; i++) {
      const pair = generateEd25519KeyPair('outpost-test');
      const priv = ssh2.utils.parseKey(pair.private);
      const pub = ssh2.utils.parseKey(pair.public);
      if (priv instanceof Error || pub instanceof Error) unreadable++;
      else expect((Array.isArray(priv) ? priv[0]! : priv).type).toBe('ssh-ed25519');
    }
    expect(unreadable).toBe(0);
  });
});
