import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

// The site-server unit shipped in bundles. systemd is not PID 1 on this machine, so the unit is
// checked statically: systemd's own verifier, plus the settings that keep the service unprivileged
// and its data private.
const unitFile = join(import.meta.dirname, '..', 'resources', 'systemd', 'outpost-host.service');
const unit = readFileSync(unitFile, 'utf8');
const settings = new Map(
  unit
    .split('\n')
    .filter((l) => /^[A-Za-z]+=/.test(l))
    .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
);
const hasVerifier = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('resources/systemd/outpost-host.service', () => {
  const dir = tempDir('outpost-unit-');
  afterAll(() => dir.remove());

  it.skipIf(!hasVerifier)('passes systemd-analyze verify (with the launcher path pointed at an executable)', () => {
    const copy = join(dir.path, 'outpost-host.service');
    writeFileSync(copy, unit.replace('/opt/outpost/bin/outpost-host', '/bin/true'));
    const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('runs the bundle host as an unprivileged user with a private state folder and no capabilities', () => {
    expect(settings.get('ExecStart')).toMatch(/^\/opt\/outpost\/bin\/outpost-host --port \d+ --data-dir \/var\/lib\/outpost$/);
    expect(settings.get('User')).toBe('outpost');
    expect(settings.get('StateDirectory')).toBe('outpost');
    expect(settings.get('StateDirectoryMode')).toBe('0700');
    expect(settings.get('UMask')).toBe('0077');
    expect(settings.get('Environment')).toBeDefined();
    expect(unit).toContain('Environment=OUTPOST_DATA_DIR=/var/lib/outpost');
    for (const [k, v] of [
      ['NoNewPrivileges', 'yes'],
      ['CapabilityBoundingSet', ''],
      ['ProtectSystem', 'strict'],
      ['ProtectHome', 'yes'],
      ['PrivateTmp', 'yes'],
      ['PrivateDevices', 'yes'],
    ] as const) {
      expect(settings.get(k), k).toBe(v);
    }
    // V8's JIT needs writable+executable memory: this setting must never be turned on.
    expect(settings.get('MemoryDenyWriteExecute')).toBe('no');
    // Secrets never go into the unit or an environment file on disk.
    expect(unit).not.toMatch(/^(Environment=OUTPOST_VAULT_PASSPHRASE|EnvironmentFile=)/m);
  });
});
