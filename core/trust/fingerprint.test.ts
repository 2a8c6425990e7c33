import { describe, expect, it } from 'vitest';
import { fingerprintOf, normalizeFingerprint } from './fingerprint.js';

describe('certificate fingerprints', () => {
  it('prints SHA-256 as upper-case colon hex, like openssl', () => {
    expect(fingerprintOf(Buffer.from('abc'))).toBe('BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD');
  });

  it('accepts what an operator pastes: any case, colons or not, openssl prefix', () => {
    const canonical = 'BA:78:16:BF:8F:01:CF:EA:41:41:40:DE:5D:AE:22:23:B0:03:61:A3:96:17:7A:9C:B4:10:FF:61:F2:00:15:AD';
    expect(normalizeFingerprint(canonical.toLowerCase())).toBe(canonical);
    expect(normalizeFingerprint(canonical.replace(/:/g, ''))).toBe(canonical);
    expect(normalizeFingerprint(`sha256 Fingerprint=${canonical}`)).toBe(canonical);
    expect(() => normalizeFingerprint('12:34')).toThrow(expect.objectContaining({ code: 'VALIDATION' }));
  });
});
