import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labAvailable, startVmServers, type Lab } from '../../../test/lab/netns-lab.js';
import { LocalCommandRunner } from '../../exec/command-runner.js';
import type { NatAllowView, NatForwardView } from '../../contract/firewall-policy.js';
import type { FirewallDriver } from '../firewall-driver.js';
import { comparePolicy, desiredPolicy } from '../policy.js';
import { LinuxIptablesDriver } from './linux-iptables.js';
import { LinuxNftDriver } from './linux-nft.js';

const available = labAvailable();
if (!available.ok) console.log(`firewall policy driver tests skipped: ${available.why}`);

type Make = (lab: Lab) => FirewallDriver;
const inFw = (lab: Lab) => new LocalCommandRunner(['ip', 'netns', 'exec', lab.firewall]);
const drivers: [string, Make, (lab: Lab) => string][] = [
  ['linux-iptables', (lab) => new LinuxIptablesDriver({ runner: inFw(lab), settings: { publicInterface: lab.firewallPublicIf } }), (lab) => lab.exec(lab.firewall, ['iptables-save']).replace(/^#.*$/gm, '')],
  ['linux-nft', (lab) => new LinuxNftDriver({ runner: inFw(lab), settings: { publicInterface: lab.firewallPublicIf } }), (lab) => lab.exec(lab.firewall, ['nft', 'list', 'ruleset'])],
];

const at = '2026-01-01T00:00:00Z';
const allow = (id: number, publicIp: string | null, source: string, port: number | null = null): NatAllowView => ({
  id,
  firewall: 'fw',
  publicIp,
  source,
  proto: port === null ? null : 'tcp',
  port,
  createdAt: at,
  createdBy: 't',
});
const forward = (id: number, publicIp: string, publicPort: number, privateIp: string, privatePort: number): NatForwardView => ({
  id,
  firewall: 'fw',
  publicIp,
  publicPort,
  proto: 'tcp',
  privateIp,
  privatePort,
  createdAt: at,
  createdBy: 't',
});

describe.skipIf(!available.ok).each(drivers)('%s policy (allow-lists, port forwards) against real namespaces', (kind, make, dump) => {
  let lab: Lab;
  let driver: FirewallDriver;
  const nat = { recordId: 1, publicIp: '203.0.113.10', privateIp: '10.77.0.10' };
  const vm0 = () => lab.vms[0]!.ns;
  const vm1 = () => lab.vms[1]!.ns;
  // The firewall's own public address carries the port forward.
  const fwd = forward(1, '203.0.113.1', 2222, '10.77.0.11', 8080);

  beforeAll(async () => {
    lab = createLab(2, { secondClient: true });
    await startVmServers(lab);
    driver = make(lab);
    await driver.ensure(nat);
  }, 30_000);
  afterAll(() => lab?.destroy());

  it('with no allow-list a NAT stays open; with one, only the listed client connects (a real TCP connect)', async () => {
    expect(lab.connectFromClient(nat.publicIp, 8080)).toBe(`${vm0()} ${lab.clientIp}`);
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080)).toBe(`${vm0()} ${lab.client2Ip}`);

    const desired = desiredPolicy({ natPublicIps: [nat.publicIp], allows: [allow(1, nat.publicIp, `${lab.clientIp}/32`)], forwards: [] });
    expect(await driver.applyPolicy(desired)).toEqual({ applied: true, changed: true });
    expect(lab.connectFromClient(nat.publicIp, 8080)).toBe(`${vm0()} ${lab.clientIp}`);
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080, 800)).toBe('TIMEOUT');
    // The VM's own outbound traffic (and its replies) is not what the allow-list filters.
    expect(comparePolicy(desired, await driver.observePolicy())).toEqual([]);
  });

  it('a port in an entry limits it to that port; a port forward works end to end beside the 1:1 NAT', async () => {
    const desired = desiredPolicy({
      natPublicIps: [nat.publicIp],
      allows: [allow(1, nat.publicIp, `${lab.clientIp}/32`), allow(2, nat.publicIp, '198.51.100.0/24', 9999)],
      forwards: [fwd],
    });
    expect(await driver.applyPolicy(desired)).toEqual({ applied: true, changed: true });
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080, 800)).toBe('TIMEOUT');
    expect(lab.connectFromClient(`${fwd.publicIp}`, 2222)).toBe(`${vm1()} ${lab.clientIp}`);
    expect(lab.connectFrom(lab.client2!, fwd.publicIp, 2222)).toBe(`${vm1()} ${lab.client2Ip}`);

    const withPort = desiredPolicy({
      natPublicIps: [nat.publicIp],
      allows: [allow(1, nat.publicIp, `${lab.clientIp}/32`), allow(2, nat.publicIp, '198.51.100.0/24', 8080)],
      forwards: [fwd],
    });
    await driver.applyPolicy(withPort);
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080)).toBe(`${vm0()} ${lab.client2Ip}`);
  });

  it('is idempotent: applying the same policy again changes nothing and duplicates no rule', async () => {
    const desired = desiredPolicy({
      natPublicIps: [nat.publicIp],
      allows: [allow(1, nat.publicIp, `${lab.clientIp}/32`), allow(2, nat.publicIp, '198.51.100.0/24', 8080)],
      forwards: [fwd],
    });
    const before = dump(lab);
    expect(await driver.applyPolicy(desired)).toEqual({ applied: true, changed: false });
    expect(dump(lab)).toBe(before);
    expect(before.split('outpost:guard:203.0.113.10').length - 1).toBe(1);
  });

  it('drift behind its back (a rule deleted, a tagged rule added, a rule edited) is detected and repaired', async () => {
    const desired = desiredPolicy({ natPublicIps: [nat.publicIp], allows: [allow(1, nat.publicIp, `${lab.clientIp}/32`)], forwards: [fwd] });
    await driver.applyPolicy(desired);
    if (kind === 'linux-iptables') {
      lab.exec(lab.firewall, ['iptables', '-D', 'OUTPOST_FWD', '-s', '203.0.113.100/32', '-m', 'conntrack', '--ctorigdst', '203.0.113.10/32', '-m', 'comment', '--comment', 'outpost:allow:1@203.0.113.10', '-j', 'RETURN']);
      lab.exec(lab.firewall, ['iptables', '-I', 'OUTPOST_FWD', '1', '-s', '198.51.100.0/24', '-m', 'conntrack', '--ctorigdst', '203.0.113.10', '-m', 'comment', '--comment', 'outpost:allow:77@203.0.113.10', '-j', 'RETURN']);
      lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-R', 'PREROUTING', String(rulePosition(lab, 'outpost:fwd:1')), '-d', '203.0.113.1/32', '-p', 'tcp', '-m', 'tcp', '--dport', '2222', '-m', 'comment', '--comment', 'outpost:fwd:1', '-j', 'DNAT', '--to-destination', '10.77.0.10:8080']);
    } else {
      const handle = nftHandle(lab, 'outpost:allow:1@203.0.113.10');
      lab.exec(lab.firewall, ['nft', 'delete', 'rule', 'ip', 'outpost_nat', 'forward', 'handle', handle]);
      lab.exec(lab.firewall, ['nft', 'insert', 'rule', 'ip', 'outpost_nat', 'forward', 'ip', 'saddr', '198.51.100.0/24', 'ct', 'original', 'ip', 'daddr', '203.0.113.10', 'return', 'comment', '"outpost:allow:77@203.0.113.10"']);
      lab.exec(lab.firewall, ['nft', 'replace', 'rule', 'ip', 'outpost_nat', 'prerouting', 'handle', nftHandle(lab, 'outpost:fwd:1'), 'ip', 'daddr', '203.0.113.1', 'tcp', 'dport', '2222', 'dnat', 'to', '10.77.0.10:8080', 'comment', '"outpost:fwd:1"']);
    }
    // What the drift means on the wire: the allowed client is out, the other one is in.
    expect(lab.connectFromClient(nat.publicIp, 8080, 800)).toBe('TIMEOUT');
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080)).toBe(`${vm0()} ${lab.client2Ip}`);
    const drift = comparePolicy(desired, await driver.observePolicy());
    expect(drift.map((d) => `${d.kind} ${d.tag}`).sort()).toEqual(['changed outpost:fwd:1', 'extra outpost:allow:77@203.0.113.10', 'missing outpost:allow:1@203.0.113.10']);

    expect(await driver.applyPolicy(desired)).toEqual({ applied: true, changed: true });
    expect(comparePolicy(desired, await driver.observePolicy())).toEqual([]);
    expect(lab.connectFromClient(nat.publicIp, 8080)).toBe(`${vm0()} ${lab.clientIp}`);
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080, 800)).toBe('TIMEOUT');
    expect(lab.connectFromClient(fwd.publicIp, 2222)).toBe(`${vm1()} ${lab.clientIp}`);
  });

  it('refuses a forward onto a public address another DNAT takes, changing nothing', async () => {
    const before = dump(lab);
    const clash = desiredPolicy({ natPublicIps: [nat.publicIp], allows: [allow(1, nat.publicIp, `${lab.clientIp}/32`)], forwards: [fwd, forward(2, nat.publicIp, 8080, '10.77.0.11', 8080)] });
    await expect(driver.applyPolicy(clash)).rejects.toMatchObject({ code: 'NAT_CONFLICT', details: { changed: false } });
    expect(dump(lab)).toBe(before);
  });

  it('an empty policy removes every policy rule: the NAT is open again and the forward is gone', async () => {
    expect(await driver.applyPolicy([])).toEqual({ applied: true, changed: true });
    expect(await driver.observePolicy()).toEqual([]);
    expect(dump(lab)).not.toMatch(/outpost:(fwd|allow|guard|policy)/);
    expect(lab.connectFrom(lab.client2!, nat.publicIp, 8080)).toBe(`${vm0()} ${lab.client2Ip}`);
    expect(lab.connectFromClient(fwd.publicIp, 2222, 800)).toMatch(/TIMEOUT|ERROR ECONNREFUSED/);
    // The 1:1 NAT's own rules were never touched.
    expect(await driver.observe()).toHaveLength(1);
  });
});

function rulePosition(lab: Lab, tag: string): number {
  const lines = lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-S', 'PREROUTING']).split('\n').filter((l) => l.startsWith('-A PREROUTING'));
  return lines.findIndex((l) => l.includes(tag)) + 1;
}

function nftHandle(lab: Lab, tag: string): string {
  const line = lab.exec(lab.firewall, ['nft', '-a', 'list', 'table', 'ip', 'outpost_nat']).split('\n').find((l) => l.includes(`"${tag}"`));
  const m = /# handle (\d+)/.exec(line ?? '');
  if (!m) throw new Error(`no rule ${tag}`);
  return m[1]!;
}
