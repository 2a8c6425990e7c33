import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { chmodSync, lstatSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openStore } from '../db/store.js';
import { runOutpost } from '../../test/outpost-binary.js';
import { tempDir } from '../../test/temp-dir.js';


describe('outpost input hardening (built binary, real SQLite file)', () => {
  let dir: ReturnType<typeof tempDir>;
  const outpost = (...args: string[]) => runOutpost(['--db', join(dir.path, 'o.db'), ...args]);

  beforeEach(() => (dir = tempDir()));
  afterEach(() => dir.remove());

  it('hosts-entries --apply replaces the hosts file by rename (never rewritten in place), keeping its mode, its symlink and the rest', async () => {
    const list = join(dir.path, 'list');
    writeFileSync(list, '192.168.100.12 keystone\n');
    const real = join(dir.path, 'hosts.real');
    writeFileSync(real, '127.0.0.1 localhost\n');
    chmodSync(real, 0o640);
    const link = join(dir.path, 'hosts');
    symlinkSync(real, link);
    const before = statSync(real).ino;

    const r = await outpost('hosts-entries', '--from', list, '--apply', link);
    expect(r.code, r.stderr).toBe(0);
    // A new inode: the text went to a temporary file that was renamed over the old one, so a
    // resolver reading meanwhile sees the old file or the new one, never a truncated one.
    expect(statSync(real).ino).not.toBe(before);
    expect(statSync(real).mode & 0o777).toBe(0o640);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toMatch(/^127\.0\.0\.1 localhost\n# BEGIN outpost-managed entries.*\n192\.168\.100\.12\s+keystone\n# END outpost-managed entries\n$/);
    expect(readdirSync(dir.path).filter((f) => f.startsWith('.'))).toEqual([]); // no temporary file left behind
  });

  it('nat add: refuses malformed and unusable addresses and addresses outside every public pool, before any procedure starts (exit 2, one line)', async () => {
    expect((await outpost('ipam', 'pool', 'add', '--name', 'pub', '--cidr', '203.0.113.0/28', '--kind', 'public')).code).toBe(0);
    expect((await outpost('firewall', 'add', '--name', 'edge', '--driver', 'manual')).code).toBe(0);
    // The rules themselves are covered in core/server/nat-address.test.ts; here, what the CLI makes of them.
    const cases: [string[], RegExp][] = [
      [['--private', '10.0.0.5', '--public', '198.51.100.99'], /198\.51\.100\.99 is in no public pool/],
      [['--private', '10.0.0.5', '--public', '203.0.113.15'], /203\.0\.113\.15 is the broadcast address of pool pub/],
      [['--private', '127.0.0.1', '--public', '203.0.113.5'], /privateIp: 127\.0\.0\.1 is a loopback address/],
      [['--private', '10.0.0.5', '--public', '203.0.113.300'], /"203\.0\.113\.300" is not an IP address/],
      [['--private', 'fe80::1%eth0', '--public', '203.0.113.5'], /"fe80::1%eth0" is not an IP address/],
    ];
    for (const [args, message] of cases) {
      const r = await outpost('nat', 'add', '--firewall', 'edge', ...args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stdout, args.join(' ')).toBe('');
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(JSON.parse((await outpost('--json', 'procedures', 'list')).stdout)).toEqual([]);

    // A typed public address is allocated in the public pool that holds it: IPAM stays the truth.
    const add = await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--public', '203.0.113.5');
    expect(add.code, add.stderr).toBe(3); // waiting for the operator (manual firewall)
    expect(JSON.parse((await outpost('--json', 'ipam', 'allocations')).stdout)).toEqual([expect.objectContaining({ pool: 'pub', address: '203.0.113.5', owner: 'nat:edge:10.0.0.5', purpose: 'public-nat' })]);
  }, 120_000);

  it('refuses control characters in names, and shows untrusted text escaped in errors and tables (one line, no raw ESC, BEL or newline)', async () => {
    // eslint-disable-next-line no-control-regex -- the test looks for raw control characters on purpose
    const raw = /[\x00-\x08\x0b-\x1f\x7f\u202e]/;
    const site = await runOutpost(['--db', join(dir.path, 'o.db'), 'site', 'add', '--name', 'esc\x1b[31mred', '--url', 'https://127.0.0.1:1/sdk', '--user', 'u', '--password-stdin'], { input: 'pw' });
    expect(site.code).toBe(2);
    expect(site.stdout).toBe('');
    expect(site.stderr).toMatch(/^outpost: Invalid input for sites\.add: name: must not contain control, bidi or invisible characters.*\[VALIDATION\]\n$/);

    // Echoed input comes back escaped: the error is one line and the terminal is not recoloured.
    const echoed = await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--public', '203.0.113.5\x07\x1b[31m\nX\u202e');
    expect(echoed.code).toBe(2);
    expect(echoed.stderr.trim().split('\n')).toHaveLength(1);
    expect(echoed.stderr).not.toMatch(raw);
    expect(echoed.stderr).toContain('"203.0.113.5\\x07\\x1b[31m\\nX\\u202e" is not an IP address');
    const unknown = await outpost('no\x1b[2Jsuch');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).not.toMatch(raw);
    expect(unknown.stderr).toContain('no\\x1b[2Jsuch');

    // A label stored before names were checked (or written by another tool) cannot break the table.
    expect((await outpost('ipam', 'pool', 'add', '--name', 'pub', '--cidr', '203.0.113.0/28', '--kind', 'public')).code).toBe(0);
    expect((await outpost('firewall', 'add', '--name', 'edge', '--driver', 'manual')).code).toBe(0);
    expect((await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--pool', 'pub', '--vm', 'web\tone')).code).toBe(2);
    expect((await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--pool', 'pub', '--vm', 'web-1')).code).toBe(3);
    const db = await openStore(join(dir.path, 'o.db'));
    await db.sql.run('UPDATE nat_records SET vm = ?', ['web\n1\x1b[31m\u202e']);
    await db.close();
    const list = await outpost('nat', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).not.toMatch(raw);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('web\\n1\\x1b[31m\\u202e');
  }, 120_000);
});
