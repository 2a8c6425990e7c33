import { describe, expect, it } from 'vitest';
import { addressKey, contains, overlaps, parseAddress, parseNetwork, usableRange } from './ip-address.js';

describe('IP address and CIDR parsing (ipaddr.js underneath)', () => {
  it('parses IPv4 strictly and IPv6 canonically', () => {
    expect(parseAddress(' 203.0.113.10 ')).toEqual({ family: 4, value: 0xcb00710an, text: '203.0.113.10' });
    expect(parseAddress('2001:DB8:0:0::10').text).toBe('2001:db8::10');
    for (const bad of ['10.1', '256.1.1.1', '1.2.3.4.5', 'host.example', '', '1.2.3.4/24', 'fe80::1%eth0']) {
      expect(() => parseAddress(bad), bad).toThrowError(expect.objectContaining({ code: 'VALIDATION' }));
    }
  });

  it('parses CIDRs and refuses host bits with a suggestion', () => {
    const net = parseNetwork('203.0.113.0/24');
    expect(net).toMatchObject({ family: 4, prefix: 24, text: '203.0.113.0/24' });
    expect(() => parseNetwork('10.0.0.5/24')).toThrowError(/did you mean 10\.0\.0\.0\/24/);
    expect(() => parseNetwork('10.0.0.0/33')).toThrowError(/0-32/);
    expect(() => parseNetwork('10.0.0.0')).toThrowError(/not a CIDR/);
    expect(parseNetwork('2001:db8::/64').text).toBe('2001:db8::/64');
  });

  it('knows which addresses are usable', () => {
    const r24 = usableRange(parseNetwork('198.51.100.0/24'));
    expect([r24.first & 0xffn, r24.last & 0xffn]).toEqual([1n, 254n]);
    const r31 = usableRange(parseNetwork('198.51.100.0/31'));
    expect(r31.last - r31.first).toBe(1n);
    const r32 = usableRange(parseNetwork('198.51.100.7/32'));
    expect(r32.first).toBe(r32.last);
  });

  it('answers containment and overlap, per family', () => {
    const a = parseNetwork('10.0.0.0/16');
    expect(contains(a, parseAddress('10.0.255.255'))).toBe(true);
    expect(contains(a, parseAddress('10.1.0.0'))).toBe(false);
    expect(overlaps(a, parseNetwork('10.0.128.0/17'))).toBe(true);
    expect(overlaps(a, parseNetwork('10.1.0.0/16'))).toBe(false);
    expect(overlaps(parseNetwork('::/0'), a)).toBe(false);
  });

  it('sorts keys numerically', () => {
    const keys = ['10.0.0.10', '10.0.0.9', '10.0.1.0'].map((t) => addressKey(parseAddress(t))).sort();
    expect(keys).toEqual(['0a000009', '0a00000a', '0a000100']);
  });
});
