import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'outpost.mjs');

describe('outpost nat allow / disallow / forward / unforward / policy / reconcile (built binary, manual firewall)', () => {
  let dir: ReturnType<typeof tempDir>;
  const outpost = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, '--db', join(dir.path, 'o.db'), ...args], { encoding: 'utf8' });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  };
  const json = <T>(...args: string[]): T => JSON.parse(outpost('--json', ...args).stdout) as T;
  const approve = (stdout: string) => {
    const id = /outpost procedures approve (\S+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    return outpost('procedures', 'approve', id!);
  };

  beforeAll(() => {
    execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')]);
  });
  beforeEach(() => {
    dir = tempDir();
    expect(outpost('ipam', 'pool', 'add', '--name', 'pub', '--cidr', '203.0.113.0/28', '--kind', 'public', '--gateway', '203.0.113.1').code).toBe(0);
    expect(outpost('firewall', 'add', '--name', 'edge', '--driver', 'manual', '--syntax', 'iptables').code).toBe(0);
    const add = outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--public', '203.0.113.4');
    expect(approve(add.stdout).code).toBe(0);
  });
  afterEach(() => dir.remove());

  it('prints the commands for the operator, waits for approval, and lists the allow-list and forward', () => {
    const allow = outpost('nat', 'allow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.0/24', '--port', '443');
    expect(allow.code).toBe(3); // waiting for the operator
    expect(allow.stdout).toContain(
      'iptables -t filter -I OUTPOST_FWD 1 -s 198.51.100.0/24 -m conntrack --ctorigdst 203.0.113.4/32 --ctproto tcp --ctorigdstport 443 -m comment --comment outpost:allow:1@203.0.113.4 -j RETURN',
    );
    expect(allow.stdout).toContain('-m comment --comment outpost:guard:203.0.113.4 -j DROP');
    expect(approve(allow.stdout).stdout).toMatch(/state: succeeded/);

    const fwd = outpost('nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.1:2222', '--private', '10.0.0.6:22');
    expect(fwd.code).toBe(3);
    expect(fwd.stdout).toContain('iptables -t nat -A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 2222 -m comment --comment outpost:fwd:1 -j DNAT --to-destination 10.0.0.6:22');
    expect(approve(fwd.stdout).code).toBe(0);

    const policy = json<{ allows: unknown[]; forwards: unknown[] }>('nat', 'policy');
    expect(policy.allows).toEqual([expect.objectContaining({ publicIp: '203.0.113.4', source: '198.51.100.0/24', proto: 'tcp', port: 443 })]);
    expect(policy.forwards).toEqual([expect.objectContaining({ publicIp: '203.0.113.1', publicPort: 2222, privateIp: '10.0.0.6', privatePort: 22, proto: 'tcp' })]);
    expect(outpost('nat', 'policy').stdout).toContain('203.0.113.1:2222');

    const again = outpost('nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.1:2222', '--private', '10.0.0.7:22');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/NAT_CONFLICT|already forwarded/);
    // A manual firewall cannot be read: its drift is unknown, and there is nothing to repair.
    expect(outpost('nat', 'reconcile', '--firewall', 'edge').stdout).toContain('edge: unknown');

    const dis = outpost('nat', 'disallow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.0/24', '--port', '443');
    expect(dis.code).toBe(3);
    expect(dis.stdout).not.toContain('outpost:guard:203.0.113.4');
    expect(approve(dis.stdout).code).toBe(0);
    const un = outpost('nat', 'unforward', '--firewall', 'edge', '--public', '203.0.113.1:2222');
    expect(approve(un.stdout).code).toBe(0);
    expect(json<{ allows: unknown[]; forwards: unknown[] }>('nat', 'policy')).toMatchObject({ allows: [], forwards: [] });
    const actions = json<{ entries: { action: string }[] }>('audit', 'list', '--limit', '200').entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['nat.allow', 'nat.disallow', 'nat.forward', 'nat.unforward']));
  });

  // The full set of refusals is in core/nat/nat-policy-procedures.test.ts; here, the CLI's own parsing and exit codes.
  it('refuses bad input with one line (exit 2), unknown things with exit 1, and starts nothing', () => {
    const cases: [string[], number, RegExp][] = [
      [['nat', 'allow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.7/24'], 2, /did you mean 198\.51\.100\.0\/24/],
      [['nat', 'allow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.7', '--proto', 'icmp'], 2, /tcp or udp/],
      [['nat', 'allow', '--firewall', 'nope', '--source', '198.51.100.7'], 1, /No firewall named nope/],
      [['nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.1', '--private', '10.0.0.6:22'], 2, /IP:PORT/],
      [['nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.4:80', '--private', '10.0.0.6:80'], 1, /1:1 NATed/],
    ];
    for (const [args, code, message] of cases) {
      const r = outpost(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(json<{ kind: string }[]>('procedures', 'list').map((p) => p.kind)).toEqual(['nat.add']);
    expect(json<{ allows: unknown[]; forwards: unknown[] }>('nat', 'policy')).toMatchObject({ allows: [], forwards: [] });
  });
});
