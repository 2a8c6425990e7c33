import { describe, expect, it } from 'vitest';
import { isVmrcLink } from './external-links.js';

describe('isVmrcLink (the only link Electron hands to the OS)', () => {
  it('accepts the vmrc://clone:TICKET@host/?moid= form vm.console.open answers', () => {
    expect(isVmrcLink('vmrc://clone:52c1f7a2-0b3e-4f61-9d2a-8e1f0c3b7a55@vc.lab:443/?moid=vm-42')).toBe(true);
    expect(isVmrcLink('vmrc://clone:cst-VCT-52ab%2D01--tp-AB12@127.0.0.1:8989/?moid=vm-7')).toBe(true);
    expect(isVmrcLink('vmrc://clone:T@[fd00::1]:443/?moid=vm-7')).toBe(true);
  });

  it('refuses every other scheme and shape', () => {
    for (const url of [
      'https://vc.lab/',
      'file:///etc/passwd',
      'vmrc://vc.lab/?moid=vm-1', // no ticket: not what the app hands out
      'vmrc://clone:T@vc.lab/?moid=vm-1&x=y',
      'vmrc://clone:T@vc.lab/other?moid=vm-1',
      'vmrc://clone:T@vc.lab/?moid=vm-1#frag',
      'vmrc://admin:T@vc.lab/?moid=vm-1',
      'vmrc://clone:T@vc.lab/?moid=vm 1',
      ' vmrc://clone:T@vc.lab/?moid=vm-1',
      `vmrc://clone:${'a'.repeat(3000)}@vc.lab/?moid=vm-1`,
    ]) {
      expect(isVmrcLink(url), url).toBe(false);
    }
  });
});
