import { describe, expect, it } from 'vitest';
import { hashForView, subPathFromHash, viewFromHash } from './hash-route';

describe('hash routes', () => {
  it('reads the view from the first segment and a place inside it from the rest', () => {
    expect(viewFromHash('#/procedures')).toBe('procedures');
    expect(viewFromHash('#/procedures/6f1d2c3b-0a9e')).toBe('procedures');
    expect(viewFromHash('#/nope/x')).toBeNull();
    expect(subPathFromHash('#/procedures/6f1d2c3b-0a9e', 'procedures')).toBe('6f1d2c3b-0a9e');
    expect(subPathFromHash('#/procedures', 'procedures')).toBeNull();
    expect(subPathFromHash('#/procedures/', 'procedures')).toBeNull();
    expect(subPathFromHash('#/audit/x', 'procedures')).toBeNull();
    expect(subPathFromHash('#/procedures/%E0%A4%A', 'procedures')).toBeNull();
  });

  it('round-trips a sub path', () => {
    expect(hashForView('nat-ipam')).toBe('#/nat-ipam');
    expect(hashForView('nat-ipam', 'a b')).toBe('#/nat-ipam/a%20b');
    expect(subPathFromHash(hashForView('nat-ipam', 'a b'), 'nat-ipam')).toBe('a b');
  });
});
