import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLab, labAvailable, startClientServer, startVmServers, type Lab } from '../../../test/lab/netns-lab.js';
import { LocalCommandRunner } from '../../exec/command-runner.js';
import type { FirewallDriver } from '../firewall-driver.js';
import { LinuxIptablesDriver } from './linux-iptables.js';
import { LinuxNftDriver } from './linux-nft.js';

const available = labAvailable();
if (!available.ok) console.log(`linux firewall driver tests skipped: ${available.why}`);

type Make = (lab: Lab) => FirewallDriver;
const drivers: [string, Make, (lab: Lab) => string][] = [
  [
    'linux-iptables',
    (lab) => new LinuxIptablesDriver({ runner: new LocalCommandRunner(['ip', 'netns', 'exec', lab.firewall]), settings: { publicInterface: lab.firewallPublicIf } }),
    (lab) => lab.exec(lab.firewall, ['iptables-save', '-t', 'nat']),
  ],
  [
    'linux-nft',
    (lab) => new LinuxNftDriver({ runner: new LocalCommandRunner(['ip', 'netns', 'exec', lab.firewall]), settings: { publicInterface: lab.firewallPublicIf } }),
    (lab) => lab.exec(lab.firewall, ['nft', 'list', 'ruleset']),
  ],
];

describe.skipIf(!available.ok).each(drivers)('%s driver against a real firewall namespace', (_kind, make, dump) => {
  let lab: Lab;
  let driver: FirewallDriver;
  const m = { recordId: 1, publicIp: '203.0.113.10', privateIp: '10.77.0.10' };

  beforeAll(async () => {
    lab = createLab(2);
    await startVmServers(lab);
    await startClientServer(lab);
    driver = make(lab);
  }, 30_000);
  afterAll(() => lab?.destroy());

  it('ensures a 1:1 NAT that the client reaches through the public IP, and the VM leaves by it', async () => {
    expect(lab.connectFromClient(m.publicIp, 8080, 800)).toBe('TIMEOUT');
    expect(await driver.ensure(m)).toEqual({ applied: true, changed: true });
    expect(lab.connectFromClient(m.publicIp, 8080)).toBe(`${lab.vms[0]!.ns} ${lab.clientIp}`);
    const seenByClient = lab.exec(lab.vms[0]!.ns, [process.execPath, '-e', `const s=require('net').connect(9090,'${lab.clientIp}');let d='';s.on('data',c=>d+=c);s.on('end',()=>console.log(d))`]).trim();
    expect(seenByClient).toBe(`client ${m.publicIp}`);
    expect(await driver.observe()).toEqual([{ recordId: 1, dnat: { publicIp: m.publicIp, privateIp: m.privateIp }, snat: { privateIp: m.privateIp, publicIp: m.publicIp } }]);
  });

  it('is idempotent: ensuring again changes nothing and adds no duplicate rule', async () => {
    const before = dump(lab);
    expect(await driver.ensure(m)).toEqual({ applied: true, changed: false });
    expect(dump(lab)).toBe(before);
    expect(before.split('outpost:nat:1').length - 1).toBe(2);
  });

  it('repairs drift in its own rules (a rule deleted by hand)', async () => {
    if (driver.kind === 'linux-iptables') {
      lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-D', 'POSTROUTING', '-s', '10.77.0.10/32', '-m', 'comment', '--comment', 'outpost:nat:1', '-j', 'SNAT', '--to-source', m.publicIp]);
    } else {
      lab.exec(lab.firewall, ['nft', 'flush', 'chain', 'ip', 'outpost_nat', 'postrouting']);
    }
    expect((await driver.observe())[0]!.snat).toBeNull();
    expect(await driver.ensure(m)).toEqual({ applied: true, changed: true });
    expect((await driver.observe())[0]!.snat).toEqual({ privateIp: m.privateIp, publicIp: m.publicIp });
  });

  it('refuses a public IP another NAT already translates', async () => {
    await expect(driver.ensure({ recordId: 2, publicIp: m.publicIp, privateIp: '10.77.0.11' })).rejects.toMatchObject({ code: 'NAT_CONFLICT' });
    const other = { recordId: 2, publicIp: '203.0.113.11', privateIp: '10.77.0.11' };
    await driver.ensure(other);
    expect(lab.connectFromClient(other.publicIp, 8080)).toBe(`${lab.vms[1]!.ns} ${lab.clientIp}`);
    await driver.remove(other);
  });

  it('removes exactly its own rules, idempotently, leaving others untouched', async () => {
    lab.exec(lab.firewall, ['iptables', '-t', 'nat', '-A', 'PREROUTING', '-d', '203.0.113.99/32', '-j', 'DNAT', '--to-destination', '10.77.0.99']);
    expect(await driver.remove(m)).toEqual({ applied: true, changed: true });
    expect(await driver.observe()).toEqual([]);
    expect(lab.connectFromClient(m.publicIp, 8080, 800)).toBe('TIMEOUT');
    expect(await driver.remove(m)).toEqual({ applied: true, changed: false });
    expect(lab.exec(lab.firewall, ['iptables-save', '-t', 'nat'])).toContain('203.0.113.99');
    expect(lab.exec(lab.firewall, ['ip', '-j', 'addr', 'show', 'dev', lab.firewallPublicIf])).not.toContain(m.publicIp);
  });
});
