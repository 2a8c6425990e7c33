import { describe, expect, it } from 'vitest';
import { consoleKey } from './terminal-keys';

const key = (k: string, code: string, mods: Partial<Record<'ctrlKey' | 'metaKey' | 'altKey' | 'shiftKey', boolean>> = {}) => ({ ctrlKey: false, metaKey: false, altKey: false, shiftKey: false, key: k, code, ...mods });

describe('consoleKey', () => {
  it('keeps the modifier combinations shells do not use', () => {
    expect(consoleKey(key('P', 'KeyP', { ctrlKey: true, shiftKey: true }))).toBe('palette');
    expect(consoleKey(key('Tab', 'Tab', { ctrlKey: true }))).toBe('next-tab');
    expect(consoleKey(key('Tab', 'Tab', { ctrlKey: true, shiftKey: true }))).toBe('previous-tab');
    expect(consoleKey(key('F6', 'F6', { ctrlKey: true, shiftKey: true }))).toBe('leave');
  });

  it('leaves Ctrl+letter, letters, Escape and plain function keys to the shell', () => {
    expect(consoleKey(key('k', 'KeyK', { ctrlKey: true }))).toBeNull();
    expect(consoleKey(key('p', 'KeyP', { ctrlKey: true }))).toBeNull();
    expect(consoleKey(key('g', 'KeyG'))).toBeNull();
    expect(consoleKey(key('Escape', 'Escape'))).toBeNull();
    expect(consoleKey(key('F6', 'F6'))).toBeNull();
    expect(consoleKey(key('Tab', 'Tab'))).toBeNull();
    expect(consoleKey(key('P', 'KeyP', { ctrlKey: true, shiftKey: true, altKey: true }))).toBeNull();
  });
});
