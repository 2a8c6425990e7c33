import { describe, expect, it } from 'vitest';
import { createHmac } from 'node:crypto';
import { homedir } from 'node:os';
import { parseHostSpec, resolveSshConfig } from './ssh-config-file.js';
import { hashedHostMatches, parseKnownHosts } from './known-hosts-file.js';
import { sha256Fingerprint } from './host-key-fingerprint.js';
import { shellQuote } from './shell-quote.js';

const config = `
# operator's ~/.ssh/config
Host bastion
  HostName 10.0.0.1
  User jump
  Port 2222

Host web-*  !web-legacy
  User deploy
  IdentityFile ~/.ssh/id_web
  ProxyJump bastion,admin@10.0.0.2:22

Host web-legacy
  HostName legacy.%h.example

Host *
  User fallback
  IdentityFile ~/.ssh/id_ed25519
  Port 22
`;

describe('ssh config (ssh_config(5) subset)', () => {
  it('takes the first value per option, accumulates IdentityFile, expands ~ and %h', () => {
    expect(resolveSshConfig(config, 'web-1')).toEqual({
      alias: 'web-1',
      hostName: 'web-1',
      port: 22,
      user: 'deploy',
      identityFiles: [`${homedir()}/.ssh/id_web`, `${homedir()}/.ssh/id_ed25519`],
      proxyJump: ['bastion', 'admin@10.0.0.2:22'],
    });
    expect(resolveSshConfig(config, 'bastion')).toMatchObject({ hostName: '10.0.0.1', port: 2222, user: 'jump', proxyJump: [] });
  });

  it('honours negated patterns', () => {
    expect(resolveSshConfig(config, 'web-legacy')).toMatchObject({ hostName: 'legacy.web-legacy.example', user: 'fallback', proxyJump: [] });
  });

  it('parses [user@]host[:port] specs, IPv6 in brackets', () => {
    expect(parseHostSpec('admin@10.0.0.2:2200')).toEqual({ user: 'admin', host: '10.0.0.2', port: 2200 });
    expect(parseHostSpec('[fd00::1]:22', { user: 'u' })).toEqual({ user: 'u', host: 'fd00::1', port: 22 });
    expect(() => parseHostSpec('h:99999')).toThrow(/port/);
  });
});

describe('known_hosts files', () => {
  const blob = Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), Buffer.alloc(32, 7)]);
  const b64 = blob.toString('base64');

  it('reads plain, bracketed-port and hashed entries; skips markers and wildcards', () => {
    const text = [
      `host-a,10.1.1.1 ssh-ed25519 ${b64}`,
      `[host-b]:2222 ssh-ed25519 ${b64} comment`,
      `|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg= ssh-ed25519 ${b64}`,
      `@revoked host-c ssh-ed25519 ${b64}`,
      `*.example ssh-ed25519 ${b64}`,
      `broken`,
    ].join('\n');
    const r = parseKnownHosts(text);
    expect(r.entries.map((e) => [e.hostPattern, e.port, e.hashed])).toEqual([
      ['host-a', 22, false],
      ['10.1.1.1', 22, false],
      ['host-b', 2222, false],
      ['|1|F1E1KeoE/eEWhi10WpGv4OdiO6Y=|3988QV0VE8wmZL7suNrYQLITLCg=', 22, true],
    ]);
    expect(r.entries[0]!.fingerprint).toBe(sha256Fingerprint(blob));
    expect(r.skipped).toHaveLength(3);
  });

  it('matches a hashed name with HMAC-SHA1 keyed by its salt (non-default port: "[host]:port" is hashed)', () => {
    const salt = Buffer.alloc(20, 1);
    const token = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update('[10.9.8.7]:2200').digest('base64')}`;
    expect(hashedHostMatches(token, '10.9.8.7', 2200)).toBe(true);
    expect(hashedHostMatches(token, '10.9.8.7', 22)).toBe(false);
  });
});

describe('POSIX shell quoting of argv', () => {
  it('single-quotes every word and escapes embedded single quotes', () => {
    expect(shellQuote(['iptables', '-t', 'nat', '-A', 'PREROUTING', '-m', 'comment', '--comment', "outpost:nat:1 it's"])).toBe(
      `'iptables' '-t' 'nat' '-A' 'PREROUTING' '-m' 'comment' '--comment' 'outpost:nat:1 it'\\''s'`,
    );
    expect(shellQuote(['echo', '$(rm -rf /)', '`x`', '', 'a;b|c&d>e'])).toBe(`'echo' '$(rm -rf /)' '\`x\`' '' 'a;b|c&d>e'`);
  });
});
