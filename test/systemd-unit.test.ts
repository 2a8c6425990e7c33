import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from './temp-dir.js';

// The site-server units shipped in bundles. systemd is not PID 1 on this machine, so the units are
// checked statically: systemd's own verifier, plus the settings that keep each service
// unprivileged and its data private.
const hasVerifier = spawnSync('systemd-analyze', ['--version']).status === 0;

function readUnit(name: string): { unit: string; settings: Map<string, string> } {
  const unit = readFileSync(join(import.meta.dirname, '..', 'resources', 'systemd', name), 'utf8');
  const settings = new Map(
    unit
      .split('\n')
      .filter((l) => /^[A-Za-z]+=/.test(l))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] as const),
  );
  return { unit, settings };
}

/** What both units must hold: an unprivileged user, a private state folder, no capabilities. */
function expectHardened(unit: string, settings: Map<string, string>): void {
  expect(settings.get('User')).toBe('outpost');
  expect(settings.get('StateDirectory')).toBe('outpost');
  expect(settings.get('StateDirectoryMode')).toBe('0700');
  expect(settings.get('UMask')).toBe('0077');
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
}

describe('resources/systemd units', () => {
  const dir = tempDir('outpost-unit-');
  afterAll(() => dir.remove());

  for (const [name, launcher] of [
    ['outpost-host.service', '/opt/outpost/bin/outpost-host'],
    ['outpost-serve.service', '/opt/outpost/bin/outpost'],
  ] as const) {
    it.skipIf(!hasVerifier)(`${name} passes systemd-analyze verify (with the launcher path pointed at an executable)`, () => {
      const copy = join(dir.path, name);
      const cred = join(dir.path, 'vault-passphrase.cred');
      writeFileSync(cred, '');
      writeFileSync(copy, readUnit(name).unit.replace(new RegExp(`^ExecStart=${launcher}`, 'm'), 'ExecStart=/bin/true').replace('/etc/outpost/vault-passphrase.cred', cred));
      const r = spawnSync('systemd-analyze', ['verify', copy], { encoding: 'utf8' });
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
    });
  }

  it('outpost-host.service runs the bundle host as an unprivileged user with a private state folder and no capabilities', () => {
    const { unit, settings } = readUnit('outpost-host.service');
    expect(settings.get('ExecStart')).toMatch(/^\/opt\/outpost\/bin\/outpost-host --port \d+ --data-dir \/var\/lib\/outpost$/);
    expectHardened(unit, settings);
  });

  it('outpost-serve.service runs `outpost serve` the same way, with the vault passphrase only as an encrypted systemd credential', () => {
    const { unit, settings } = readUnit('outpost-serve.service');
    expect(settings.get('ExecStart')).toBe('/opt/outpost/bin/outpost serve');
    expectHardened(unit, settings);
    // Decrypted by systemd into the service's private credential folder (read by takePassphrase).
    expect(settings.get('LoadCredentialEncrypted')).toBe('outpost-vault-passphrase:/etc/outpost/vault-passphrase.cred');
    expect(settings.get('KillSignal')).toBe('SIGTERM');
  });
});
