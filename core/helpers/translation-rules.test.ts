import { describe, expect, it } from 'vitest';
import { mapEntries, mergeHostsFile, parseHostList, renderHostsBlock } from './hosts-entries.js';
import { parseTarget } from './port-preflight.js';
import { buildTranslation, iptablesArgv, nftAddArgv, parsePorts, previewRules } from './translation-rules.js';

describe('client-side translation rules (pure)', () => {
  it("produces seed 004's rule, tagged so Outpost finds its own", () => {
    const t = buildTranslation({ subnet: '192.168.100.0/24', to: '203.0.113.4' });
    expect(iptablesArgv(t, '-A')).toEqual([
      'iptables', '-w', '5', '-t', 'nat', '-A', 'OUTPUT', '-p', 'tcp', '-d', '192.168.100.0/24',
      '-m', 'comment', '--comment', 'outpost:translate:192.168.100.0/24=>203.0.113.4:tcp', '-j', 'DNAT', '--to-destination', '203.0.113.4',
    ]);
  });

  it('limits to ports with multiport, maps whole prefixes with NETMAP, and mirrors both in nft', () => {
    const ports = buildTranslation({ subnet: '192.168.100.0/24', to: '203.0.113.4', ports: parsePorts('443, 22,22') });
    expect(ports.ports).toEqual([22, 443]);
    expect(iptablesArgv(ports, '-A').join(' ')).toContain('-m multiport --dports 22,443');
    expect(nftAddArgv(ports)[2]!.join(' ')).toContain('tcp dport { 22, 443 } dnat to 203.0.113.4');
    const prefix = buildTranslation({ subnet: '192.168.100.0/24', toPrefix: '203.0.113.0/24', protocol: 'all' });
    expect(iptablesArgv(prefix, '-A').slice(-3)).toEqual(['NETMAP', '--to', '203.0.113.0/24']);
    expect(nftAddArgv(prefix)[2]!.join(' ')).toContain('dnat ip prefix to 203.0.113.0/24');
    expect(previewRules(prefix, 'macos')).toContain('-> 203.0.113.0/24 bitmask');
    expect(previewRules(ports, 'windows')).toContain('netsh interface portproxy add v4tov4');
  });

  it('refuses what would do something else than asked', () => {
    expect(() => buildTranslation({ subnet: '192.168.100.0/24' })).toThrow(/exactly one/);
    expect(() => buildTranslation({ subnet: '192.168.100.0/24', to: '203.0.113.4', toPrefix: '203.0.113.0/24' })).toThrow(/exactly one/);
    expect(() => buildTranslation({ subnet: '192.168.100.0/24', toPrefix: '203.0.113.0/25' })).toThrow(/same length/);
    expect(() => buildTranslation({ subnet: '192.168.100.5/24', to: '203.0.113.4' })).toThrow(/host bits/);
    expect(() => buildTranslation({ subnet: '192.168.100.0/24', to: '203.0.113.4', ports: [22], protocol: 'all' })).toThrow(/protocol/);
    expect(() => parsePorts('22,http')).toThrow(/not a port/);
    expect(() => parsePorts('70000')).toThrow(/not a port/);
  });
});

describe('hosts entries (pure)', () => {
  const pasted = `# from the install cloud
54.165.170.148  ip-172-31-34-147.ec2.internal juju.amazon
keystone.mgmt 192.168.100.12
`;

  it('reads either order and maps private addresses to the public prefix', () => {
    const entries = parseHostList(pasted);
    expect(entries).toEqual([
      { ip: '54.165.170.148', names: ['ip-172-31-34-147.ec2.internal', 'juju.amazon'] },
      { ip: '192.168.100.12', names: ['keystone.mgmt'] },
    ]);
    expect(mapEntries(entries, '192.168.100.0/24', '203.0.113.0/24')[1]).toEqual({ ip: '203.0.113.12', names: ['keystone.mgmt'] });
    expect(() => parseHostList('10.0.0.1')).toThrow(/Line 1/);
    expect(() => parseHostList('10.0.0.1 bad_name!')).toThrow(/not a host name/);
    expect(() => parseHostList('10.0.0.1 10.0.0.2 x')).toThrow(/one IP/);
  });

  it('replaces only its own block in a hosts file, keeping everything else', () => {
    const original = '127.0.0.1 localhost\n::1 localhost ip6-localhost\n';
    const once = mergeHostsFile(original, parseHostList('10.0.0.1 a'));
    expect(once.startsWith(original)).toBe(true);
    const twice = mergeHostsFile(once + '10.9.9.9 mine\n', parseHostList('10.0.0.2 b'));
    expect(twice).toBe(`${original}${renderHostsBlock(parseHostList('10.0.0.2 b'))}\n10.9.9.9 mine\n`);
    expect(() => mergeHostsFile('# BEGIN outpost-managed entries (do not edit inside this block)\n', [])).toThrow(/half an Outpost block/);
  });
});

describe('preflight targets', () => {
  it('parses HOST:PORT and [IPv6]:PORT, and refuses the rest', () => {
    expect(parseTarget('10.0.0.5:22')).toEqual({ host: '10.0.0.5', port: 22 });
    expect(parseTarget('[2001:db8::5]:443')).toEqual({ host: '2001:db8::5', port: 443 });
    for (const bad of ['10.0.0.5', '10.0.0.5:0', 'host:99999', '2001:db8::5:443']) expect(() => parseTarget(bad), bad).toThrow(/HOST:PORT/);
  });
});
