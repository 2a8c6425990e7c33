import { describe, expect, it } from 'vitest';
import { fuzzyFilter, fuzzyScore } from './fuzzy-score';

describe('fuzzyScore', () => {
  it('matches in-order subsequences case-insensitively and rejects others', () => {
    expect(fuzzyScore('AUD', 'Audit log')).not.toBeNull();
    expect(fuzzyScore('hup', 'Host upgrades')).not.toBeNull();
    expect(fuzzyScore('dua', 'Audit log')).toBeNull();
  });

  it('prefers word starts and consecutive runs', () => {
    const initials = fuzzyScore('ni', 'NAT & IPAM');
    const scattered = fuzzyScore('ni', 'Enrollment history');
    expect(initials).not.toBeNull();
    expect(scattered).not.toBeNull();
    expect(initials ?? -Infinity).toBeGreaterThan(scattered ?? Infinity);
  });
});

describe('fuzzyFilter', () => {
  const items = [
    { label: 'Settings', keywords: 'theme operator' },
    { label: 'Toggle theme', keywords: 'dark light' },
  ];
  it('ranks a label match above a keyword-only match and keeps order for an empty query', () => {
    expect(fuzzyFilter('theme', items, (i) => [i.label, i.keywords]).map((i) => i.label)).toEqual(['Toggle theme', 'Settings']);
    expect(fuzzyFilter('', items, (i) => [i.label]).map((i) => i.label)).toEqual(['Settings', 'Toggle theme']);
  });
});
