import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'outpost.mjs');

describe('outpost nat allow / disallow / forward / unforward / policy / reconcile (built binary, manual firewall)', () => {
  let dir: ReturnType<typeof tempDir>;
  // Asynchronous, so the test worker stays responsive while a CLI run takes its time on a busy machine.
  const outpost = (...args: string[]) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [bin, '--db', join(dir.path, 'o.db'), ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
        resolve({ code: err === null ? 0 : typeof err.code === 'number' ? err.code : -1, stdout, stderr });
      });
    });
  const json = async <T>(...args: string[]): Promise<T> => JSON.parse((await outpost('--json', ...args)).stdout) as T;
  const approve = async (stdout: string) => {
    const id = /outpost procedures approve (\S+)/.exec(stdout)?.[1];
    expect(id, stdout).toBeDefined();
    return outpost('procedures', 'approve', id!);
  };

  beforeEach(async () => {
    dir = tempDir();
    expect((await outpost('ipam', 'pool', 'add', '--name', 'pub', '--cidr', '203.0.113.0/28', '--kind', 'public', '--gateway', '203.0.113.1')).code).toBe(0);
    expect((await outpost('firewall', 'add', '--name', 'edge', '--driver', 'manual', '--syntax', 'iptables')).code).toBe(0);
    const add = await outpost('nat', 'add', '--firewall', 'edge', '--private', '10.0.0.5', '--public', '203.0.113.4');
    expect((await approve(add.stdout)).code).toBe(0);
  });
  afterEach(() => dir.remove());

  it('allow / disallow: prints the commands for the operator, waits for approval, lists the entry, audits', async () => {
    const allow = await outpost('nat', 'allow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.0/24', '--port', '443');
    expect(allow.code).toBe(3); // waiting for the operator
    expect(allow.stdout).toContain(
      'iptables -t filter -I OUTPOST_FWD 1 -s 198.51.100.0/24 -m conntrack --ctorigdst 203.0.113.4/32 --ctproto tcp --ctorigdstport 443 -m comment --comment outpost:allow:1@203.0.113.4 -j RETURN',
    );
    expect(allow.stdout).toContain('-m comment --comment outpost:guard:203.0.113.4 -j DROP');
    expect((await approve(allow.stdout)).stdout).toMatch(/state: succeeded/);
    expect((await json<{ allows: unknown[] }>('nat', 'policy')).allows).toEqual([expect.objectContaining({ publicIp: '203.0.113.4', source: '198.51.100.0/24', proto: 'tcp', port: 443 })]);

    const dis = await outpost('nat', 'disallow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.0/24', '--port', '443');
    expect(dis.code).toBe(3);
    expect(dis.stdout).not.toContain('outpost:guard:203.0.113.4');
    expect((await approve(dis.stdout)).code).toBe(0);
    const actions = (await json<{ entries: { action: string }[] }>('audit', 'list', '--limit', '200')).entries.map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['nat.allow', 'nat.disallow']));
  }, 60_000);

  it('forward / unforward: the exact DNAT, a taken IP:port refused, drift unknown on a manual firewall', async () => {
    const fwd = await outpost('nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.1:2222', '--private', '10.0.0.6:22');
    expect(fwd.code).toBe(3);
    expect(fwd.stdout).toContain('iptables -t nat -A PREROUTING -d 203.0.113.1/32 -p tcp -m tcp --dport 2222 -m comment --comment outpost:fwd:1 -j DNAT --to-destination 10.0.0.6:22');
    expect((await approve(fwd.stdout)).code).toBe(0);
    expect((await outpost('nat', 'policy')).stdout).toContain('203.0.113.1:2222');

    const again = await outpost('nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.1:2222', '--private', '10.0.0.7:22');
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already forwarded/);
    // A manual firewall cannot be read: its drift is unknown, and there is nothing to repair.
    expect((await outpost('nat', 'reconcile', '--firewall', 'edge')).stdout).toContain('edge: unknown');

    const un = await outpost('nat', 'unforward', '--firewall', 'edge', '--public', '203.0.113.1:2222');
    expect((await approve(un.stdout)).code).toBe(0);
    expect((await json<{ forwards: unknown[] }>('nat', 'policy')).forwards).toEqual([]);
  }, 60_000);

  // The full set of refusals is in core/nat/nat-policy-procedures.test.ts; here, the CLI's own parsing and exit codes.
  it('refuses bad input with one line (exit 2), unknown things with exit 1, and starts nothing', async () => {
    const cases: [string[], number, RegExp][] = [
      [['nat', 'allow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.7/24'], 2, /did you mean 198\.51\.100\.0\/24/],
      [['nat', 'allow', '--firewall', 'edge', '--public', '203.0.113.4', '--source', '198.51.100.7', '--proto', 'icmp'], 2, /tcp or udp/],
      [['nat', 'allow', '--firewall', 'nope', '--source', '198.51.100.7'], 1, /No firewall named nope/],
      [['nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.1', '--private', '10.0.0.6:22'], 2, /IP:PORT/],
      [['nat', 'forward', '--firewall', 'edge', '--public', '203.0.113.4:80', '--private', '10.0.0.6:80'], 1, /1:1 NATed/],
    ];
    for (const [args, code, message] of cases) {
      const r = await outpost(...args);
      expect(r.code, args.join(' ')).toBe(code);
      expect(r.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect((await json<{ kind: string }[]>('procedures', 'list')).map((p) => p.kind)).toEqual(['nat.add']);
    expect(await json<{ allows: unknown[]; forwards: unknown[] }>('nat', 'policy')).toMatchObject({ allows: [], forwards: [] });
  }, 60_000);
});
