import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import type { CmdbRecord } from '../contract/index.js';
import { runBounded } from './batch.js';
import { cmdbCsv } from './cmdb-store.js';
import { inventoryRequirements, privateIpOf, type VmFacts } from './enrollment-service.js';
import { evaluateGuest, hostnameFor, parseGuestReport } from './guest-scripts.js';
import { compareVersions, defaultRulesPath, loadOsRules, ruleForVm } from './os-rules.js';

const rules = loadOsRules(defaultRulesPath({}));
const debian = rules.find((r) => r.id === 'debian')!;
const facts: VmFacts = { powerState: 'poweredOn', toolsRunningStatus: 'guestToolsRunning', ipAddress: '10.77.0.10', ipAddresses: ['10.77.0.10', 'fd00::1'], guestId: 'debian12_64Guest', guestFullName: 'Debian GNU/Linux 12 (64-bit)' };

describe('enrollment rules (pure)', () => {
  it('ships rules that validate, and matches VMs by vCenter guestId or full name', () => {
    expect(rules.map((r) => r.id)).toEqual(['debian', 'ubuntu', 'rhel', 'windows-server']);
    expect(ruleForVm(rules, { guestId: 'ubuntu64Guest', guestFullName: null })?.id).toBe('ubuntu');
    expect(ruleForVm(rules, { guestId: null, guestFullName: 'Red Hat Enterprise Linux 9 (64-bit)' })?.id).toBe('rhel');
    expect(ruleForVm(rules, { guestId: 'windows2019srv_64Guest', guestFullName: 'Microsoft Windows Server 2019 (64-bit)' })?.id).toBe('windows-server');
    expect(ruleForVm(rules, { guestId: 'freebsd13_64Guest', guestFullName: 'FreeBSD 13 (64-bit)' })).toBeNull();
  });

  it('refuses a rules file with a bad pattern or a missing field, naming the file', () => {
    const dir = tempDir();
    try {
      const file = join(dir.path, 'rules.json');
      writeFileSync(file, JSON.stringify({ rules: [{ ...debian, guestIdPattern: '(' }] }));
      expect(() => loadOsRules(file)).toThrow(/invalid pattern/);
      writeFileSync(file, JSON.stringify({ rules: [{ id: 'x' }] }));
      expect(() => loadOsRules(file)).toThrow(new RegExp(`${file.replace(/[/.]/g, '\\$&')} are invalid`));
      expect(() => loadOsRules(join(dir.path, 'missing.json'))).toThrow(/Cannot read/);
    } finally {
      dir.remove();
    }
  });

  it('compares versions numerically', () => {
    expect(compareVersions('20.04', '22.04')).toBe(-1);
    expect(compareVersions('12', '11')).toBe(1);
    expect(compareVersions('10.0.17763', '10.0.14393')).toBe(1);
    expect(compareVersions('8.10', '8.9')).toBe(1);
    expect(compareVersions('11', '11.0')).toBe(0);
  });

  it('judges inventory eligibility: power, tools, enrolled, an IPv4 address, a rule', () => {
    const ok = inventoryRequirements(facts, null, rules);
    expect(ok.checks.every((c) => c.status === 'pass')).toBe(true);
    expect(ok).toMatchObject({ privateIp: '10.77.0.10', rule: { id: 'debian' } });
    const bad = inventoryRequirements({ ...facts, powerState: 'poweredOff', toolsRunningStatus: 'guestToolsNotRunning', ipAddress: 'fd00::1', ipAddresses: ['fd00::1'], guestId: 'freebsd13_64Guest', guestFullName: 'FreeBSD' }, { enrolledAt: '2026-01-01', enrolledBy: 'ann', publicIp: '203.0.113.9' } as CmdbRecord, rules);
    expect(bad.checks.filter((c) => c.status === 'fail').map((c) => `${c.id}:${c.code}`)).toEqual(['powered-on:ENROLL_INELIGIBLE', 'tools-running:ENROLL_INELIGIBLE', 'not-enrolled:ENROLL_INELIGIBLE', 'private-ip:ENROLL_INELIGIBLE', 'os-rule:OS_REQUIREMENT']);
    expect(bad.checks.find((c) => c.id === 'not-enrolled')?.message).toContain('203.0.113.9');
    expect(privateIpOf({ ipAddress: null, ipAddresses: ['fd00::2', '192.0.2.7'] })).toBe('192.0.2.7');
  });

  it('reads the guest probe and checks OS version, free disk and services against the rule', () => {
    const report = parseGuestReport('id=debian\nversion=12\nname=Debian GNU/Linux 12 (bookworm)\nfree_kb=5242880\nhostname=web-1\nuid=0\nservice:ssh=present\n');
    expect(report).toMatchObject({ osId: 'debian', version: '12', freeMB: 5120, hostname: 'web-1', services: { ssh: 'present' } });
    expect(evaluateGuest(debian, report).map((r) => `${r.id}:${r.status}`)).toEqual(['os-version:pass', 'free-disk:pass', 'services:pass']);
    const old = evaluateGuest(debian, { ...report, version: '10', freeMB: 100, services: {} });
    expect(old.map((r) => `${r.id}:${r.status}:${r.code}`)).toEqual(['os-version:fail:OS_REQUIREMENT', 'free-disk:fail:OS_REQUIREMENT', 'services:fail:OS_REQUIREMENT']);
    expect(old[0]!.message).toContain('Debian 11 or later');
    expect(evaluateGuest(debian, { ...report, osId: 'ubuntu' })[0]!.message).toContain('does not cover');
  });

  it('makes host names a guest accepts from VM names', () => {
    expect(hostnameFor('DC0_C0_H0_VM0')).toBe('dc0-c0-h0-vm0');
    expect(hostnameFor('  Web Server (prod) ')).toBe('web-server-prod');
    expect(hostnameFor('___')).toBe('vm');
    expect(hostnameFor('a'.repeat(80))).toHaveLength(63);
  });

  it('writes RFC 4180 CSV and defuses spreadsheet formulas', () => {
    const row = { site: 'lab', vmName: 'web,"1"', vmMoref: 'vm-1', instanceUuid: null, os: '=cmd()', osRule: 'debian', privateIp: '10.0.0.1', publicIp: '203.0.113.2', natRecordId: 3, firewall: 'fw', credential: 'c', serviceAccount: 'outpost', credentialMethod: 'ssh', status: 'active', enrolledAt: 't', enrolledBy: 'ann', offboardedAt: null, offboardedBy: null, enrollProcedureId: 'p', offboardProcedureId: null } as CmdbRecord;
    const [header, line, end] = cmdbCsv([row]).split('\r\n');
    expect(header!.split(',')).toHaveLength(20);
    expect(line).toBe(`lab,"web,""1""",vm-1,,'=cmd(),debian,10.0.0.1,203.0.113.2,3,fw,c,outpost,ssh,active,t,ann,,,p,`);
    expect(end).toBe('');
  });

  it('defuses formulas hidden behind a leading TAB or CR (spreadsheets skip them)', () => {
    const base = { site: 'lab', vmName: 'v', vmMoref: 'vm-1', instanceUuid: null, os: 'linux', osRule: 'debian', privateIp: '10.0.0.1', publicIp: '203.0.113.2', natRecordId: 3, firewall: 'fw', credential: 'c', serviceAccount: 'outpost', credentialMethod: 'ssh', status: 'active', enrolledAt: 't', enrolledBy: 'ann', offboardedAt: null, offboardedBy: null, enrollProcedureId: 'p', offboardProcedureId: null } as CmdbRecord;
    const line = (vmName: string) => cmdbCsv([{ ...base, vmName }]).split('\r\n')[1]!.split(',')[1];
    expect(line('\t=cmd()')).toBe(`'\t=cmd()`);
    expect(cmdbCsv([{ ...base, vmName: '\r=cmd()' }])).toContain(`,"'\r=cmd()",`);
    expect(line('-1')).toBe(`'-1`);
    expect(line('plain')).toBe('plain');
  });

  it('runs a batch with bounded concurrency; one failure does not stop the others', async () => {
    let running = 0;
    let peak = 0;
    const done: number[] = [];
    const work = async (n: number): Promise<number> => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      if (n === 3) throw new Error('three');
      done.push(n);
      return n * 2;
    };
    await expect(runBounded([1, 2, 3, 4, 5, 6, 7], 3, work)).rejects.toThrow('three');
    expect(peak).toBe(3);
    expect(done.sort()).toEqual([1, 2, 4, 5, 6, 7]);
    expect(await runBounded([1, 2], 8, async (n) => n + 1)).toEqual([2, 3]);
  });
});

