import { describe, expect, it } from 'vitest';
import { formatCount, poolUtilisation } from './pool-utilisation';

describe('pool utilisation', () => {
  it('adds allocated and reserved over the usable size', () => {
    expect(poolUtilisation({ allocated: 1, reservedCount: '1', size: '14' })).toEqual({ allocated: 1n, reserved: 1n, size: 14n, percent: 14.28 });
    expect(poolUtilisation({ allocated: 0, reservedCount: '0', size: '0' }).percent).toBe(0);
  });

  it('stays exact for IPv6 sizes beyond Number precision', () => {
    // A /64: 2^64 addresses, a thousandth of it reserved (plus 3 allocated): exactly 0.1%, not a float's guess.
    const u = poolUtilisation({ allocated: 3, reservedCount: '18446744073709551', size: '18446744073709551616' });
    expect(u.size).toBe(18446744073709551616n);
    expect(u.percent).toBe(0.1);
    expect(formatCount(u.size)).toBe('1.8e19');
    expect(formatCount(16n)).toBe('16');
  });
});
