import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sqliteBindingPath } from './sqlite-binding.js';

describe('sqliteBindingPath', () => {
  const base = { appPath: '/repo', resourcesPath: '/opt/Outpost/resources' };

  it('uses the .cache build in development when it exists', () => {
    const expected = join('/repo', '.cache', 'electron-native', 'better_sqlite3.node');
    expect(sqliteBindingPath({ ...base, isPackaged: false, exists: (p) => p === expected })).toBe(expected);
  });

  it('uses resources/native in a packaged app', () => {
    const expected = join('/opt/Outpost/resources', 'native', 'better_sqlite3.node');
    expect(sqliteBindingPath({ ...base, isPackaged: true, exists: (p) => p === expected })).toBe(expected);
  });

  it('leaves the choice to better-sqlite3 when no Electron build exists', () => {
    expect(sqliteBindingPath({ ...base, isPackaged: false, exists: () => false })).toBeUndefined();
    expect(sqliteBindingPath({ ...base, isPackaged: true, exists: () => false })).toBeUndefined();
  });
});
