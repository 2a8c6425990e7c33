import { describe, expect, it } from 'vitest';
import { commands, type CommandName } from '../contract/commands.js';
import { PLAIN_TEXT_MESSAGE } from '../contract/names.js';

const BAD = {
  tab: 'a\tb',
  newline: 'a\nb',
  BEL: 'a\x07b',
  ESC: 'esc\x1b[31mred',
  NUL: 'a\x00b',
  'C1 NEL': 'a\x85b',
  'U+202E (right-to-left override)': 'abc\u202Etxt.exe',
  'U+200B (zero-width space)': 'a\u200Bb',
  'U+2028 (line separator)': 'a\u2028b',
  'lone surrogate U+D800': 'a\uD800b',
  'lone surrogate U+DC00': '\uDC00',
};

/** Every name-like field a command takes, with an otherwise valid input around it. */
const FIELDS: [CommandName, string, (name: string) => unknown, string?][] = [
  ['sites.add', 'name', (name) => ({ name, url: 'https://vc.example/sdk', username: 'u', password: 'p' })],
  ['ipam.pools.add', 'name', (name) => ({ name, cidr: '203.0.113.0/24', kind: 'public' })],
  ['ipam.pools.add', 'scope', (scope) => ({ name: 'pub', cidr: '203.0.113.0/24', kind: 'public', scope })],
  ['ipam.pools.add', 'reserved.0.reason', (reason) => ({ name: 'pub', cidr: '203.0.113.0/24', kind: 'public', reserved: [{ start: '203.0.113.1', end: '203.0.113.2', reason }] })],
  ['ipam.allocations.list', 'pool', (pool) => ({ pool })],
  ['firewalls.add', 'name', (name) => ({ name, driver: 'manual' }), 'edge-1'],
  ['credentials.add', 'name', (name) => ({ name, username: 'root', secret: { type: 'password', password: 'x' } }), 'ops@lab'],
  ['nat.add', 'vm', (vm) => ({ firewall: 'edge', privateIp: '10.0.0.5', pool: 'pub', vm })],
  ['nat.add', 'firewall', (firewall) => ({ firewall, privateIp: '10.0.0.5', pool: 'pub' })],
  ['nat.add', 'pool', (pool) => ({ firewall: 'edge', privateIp: '10.0.0.5', pool })],
  ['helpers.preflight.save', 'name', (name) => ({ name, targets: [{ host: '127.0.0.1', port: 22 }] })],
  ['settings.update', 'operatorName', (operatorName) => ({ operatorName })],
  ['inventory.sync', 'site', (site) => ({ site })],
  ['vlan.ensure', 'portGroup', (portGroup) => ({ site: 'lab', host: 'esx-1', nic: 'vmnic0', portGroup, vlanId: 10 })],
];

describe('names: one refinement refuses control, bidi and invisible characters in every name-like field', () => {
  for (const [command, field, input, plain = 'Zürich DC-1'] of FIELDS) {
    it(`${command} ${field}`, () => {
      const schema = commands[command].input;
      expect(schema.safeParse(input(plain)).success, `a plain name (${plain})`).toBe(true);
      for (const [what, bad] of Object.entries(BAD)) {
        const r = schema.safeParse(input(bad));
        expect(r.success, `${what} accepted`).toBe(false);
        if (!r.success) expect(r.error.issues.map((i) => [i.path.join('.'), i.message]), what).toContainEqual([field, expect.any(String)]);
      }
    });
  }

  it('says what is wrong in words', () => {
    const r = commands['nat.add'].input.safeParse({ firewall: 'edge', privateIp: '10.0.0.5', pool: 'pub', vm: 'web\n1' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]!.message).toBe(PLAIN_TEXT_MESSAGE);
  });
});
