import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { LocalCommandRunner } from '../exec/command-runner.js';
import { launchDetached } from '../terminal/rdp-file.js';
import { childEnv, DESKTOP_SESSION_NAMES } from './child-env.js';

const SECRETS = { OUTPOST_VAULT_PASSPHRASE: 'vault passphrase of the parent', PGPASSWORD: 'team database password', AWS_SECRET_ACCESS_KEY: 'cloud secret' };

/** `env -0` output as a map (values may hold newlines). */
const parseEnv = (text: string): Map<string, string> =>
  new Map(
    text
      .split('\0')
      .filter(Boolean)
      .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]),
  );

describe('childEnv', () => {
  it('keeps PATH, HOME and the locale, adds what the child needs, and drops everything else', () => {
    const from = { PATH: '/usr/bin', HOME: '/home/op', LANG: 'C.UTF-8', DISPLAY: ':0', ...SECRETS, SSH_AUTH_SOCK: '/run/user/1000/agent' };
    expect(childEnv({ ANSIBLE_NOCOLOR: '1' }, { from, platform: 'linux' })).toEqual({ PATH: '/usr/bin', HOME: '/home/op', LANG: 'C.UTF-8', ANSIBLE_NOCOLOR: '1' });
    expect(childEnv({ HOME: '/tmp/run', LANG: undefined }, { from, platform: 'linux', inherit: DESKTOP_SESSION_NAMES })).toEqual({ PATH: '/usr/bin', HOME: '/tmp/run', DISPLAY: ':0' });
    expect(childEnv({}, { from: {}, platform: 'linux' })).toEqual({ PATH: '/usr/local/bin:/usr/bin:/bin' });
    expect(childEnv({}, { from: { Path: 'x', SystemRoot: 'C:\\Windows', PGPASSWORD: 'p' }, platform: 'win32' })).toMatchObject({ SystemRoot: 'C:\\Windows' });
  });

  it('refuses to hand on a name that looks like a secret, whoever asks', () => {
    expect(() => childEnv({ OUTPOST_VAULT_PASSPHRASE: 'x' })).toThrow(/Refusing to pass OUTPOST_VAULT_PASSPHRASE/);
    expect(() => childEnv({}, { inherit: ['PGPASSWORD'] })).toThrow(expect.objectContaining({ code: 'INTERNAL' }));
    expect(() => childEnv({ GITHUB_TOKEN: 'x' })).toThrow(/GITHUB_TOKEN/);
  });
});

describe('real children started by core get no secrets from the parent environment', () => {
  const saved = new Map(Object.keys(SECRETS).map((k) => [k, process.env[k]]));
  beforeEach(() => Object.assign(process.env, SECRETS));
  afterEach(() => {
    for (const [k, v] of saved) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('the local command runner (ip, iptables, nft, pkexec): the child sees PATH but no vault passphrase or PGPASSWORD', async () => {
    const r = await new LocalCommandRunner().run(['env', '-0']);
    expect(r.code).toBe(0);
    const env = parseEnv(r.stdout);
    expect(env.get('PATH')).toBe(process.env.PATH);
    for (const name of Object.keys(SECRETS)) expect(env.has(name), name).toBe(false);
    expect(r.stdout).not.toContain(SECRETS.OUTPOST_VAULT_PASSPHRASE);
  });

  it('the RDP client launcher: the client gets the desktop session variables but no secrets', async () => {
    const dir = tempDir('outpost-child-env-');
    const saved = process.env.DISPLAY;
    process.env.DISPLAY = ':77';
    try {
      const out = join(dir.path, 'env');
      // Stands in for xfreerdp: a real program, started the way the console starts the RDP client.
      await launchDetached({ program: '/bin/sh', args: ['-c', 'env -0 > "$0.part" && mv "$0.part" "$0"', out] });
      await expect.poll(() => existsSync(out), { timeout: 10_000 }).toBe(true);
      const env = parseEnv(readFileSync(out, 'utf8'));
      expect(env.get('DISPLAY')).toBe(':77');
      for (const name of Object.keys(SECRETS)) expect(env.has(name), name).toBe(false);
    } finally {
      if (saved === undefined) delete process.env.DISPLAY;
      else process.env.DISPLAY = saved;
      dir.remove();
    }
  });
});
