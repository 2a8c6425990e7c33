import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labAvailable } from '../../test/lab/netns-lab.js';
import { cloneDataDir, createEnrollmentLab, resetLab, type EnrollmentLab, type RunnerOutput, type RunSummary } from '../../test/lab/enrollment-lab.js';
import { sshdAvailable } from '../../test/peers/openssh-server.js';
import { vcsimUnavailable } from '../../test/peers/vcsim.js';
import { tempDir } from '../../test/temp-dir.js';
import type { BatchStarted, CmdbRecord, EnrollmentCheck } from '../contract/index.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

const why = (() => {
  const l = labAvailable();
  if (!l.ok) return l.why;
  if (!sshdAvailable()) return 'OpenSSH sshd is not installed';
  return vcsimUnavailable();
})();
if (why) console.log(`Enrollment lab tests skipped: ${why}`);

const ENROLL_STEPS = ['check-eligibility', 'validate-credentials', 'check-os', 'record-private-ip', 'allocate-public-ip', 'ensure-nat', 'nat-confirm', 'verify-nat', 'os-actions', 'verify-access', 'record-cmdb'];
const OFFBOARD_STEPS = ['read-enrollment', 'remove-guest-access', 'remove-nat', 'nat-confirm', 'verify-nat-gone', 'release-ips', 'close-cmdb'];

const value = <T>(out: RunnerOutput, i: number): T => {
  const r = out.results[i];
  if (!r?.ok) throw new Error(`call ${i} failed: ${JSON.stringify(r?.error ?? out.stderr.slice(-2000))}`);
  return r.value as T;
};
const runsOf = (out: RunnerOutput, i: number): RunSummary[] => out.results[i]?.runs ?? [];

/** Reads the store from the test process (root namespace): the SQLite file is shared. */
function inspect<T>(dir: string, read: (core: ReturnType<typeof createOutpostCore>) => T): T {
  const core = createOutpostCore({ dataDir: dir, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'enrollment lab passphrase' });
  try {
    return read(core);
  } finally {
    core.close();
  }
}

describe.skipIf(why !== null)('Enrollment on the netns lab (vcsim VMs report the guests in the VM namespaces)', () => {
  let l: EnrollmentLab;
  let base: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;
  let template: string;
  let n = 0;
  const fresh = (): string => {
    const dir = join(work.path, `case-${n++}`);
    cloneDataDir(template, dir);
    return dir;
  };

  beforeAll(async () => {
    base = tempDir('outpost-enroll-lab-');
    work = tempDir('outpost-enroll-cases-');
    // VM3: an OS no rule covers; VM4: Debian, but nothing answers at its address.
    l = await createEnrollmentLab({ vms: 3, extraVms: ['10.77.0.99|debian12_64Guest=Debian GNU/Linux 12 (64-bit)', '10.77.0.98|freebsd13_64Guest=FreeBSD 13 (64-bit)'], dir: base.path });
    template = join(base.path, 'template');
    const setup = l.run(template, l.setupCalls());
    expect(setup.results.length > 0 && setup.results.every((r) => r.ok), JSON.stringify(setup.results.find((r) => !r.ok)) + setup.stderr).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await l?.destroy();
    base?.remove();
    work?.remove();
  });
  afterEach(() => resetLab(l));

  it('enrolls two VMs: the public IP reaches each guest with the installed key; offboarding reverses every step', async () => {
    const [vm0, vm1, , vmDown, vmBsd] = l.vmNames;
    const dir = fresh();
    const target = { site: 'lab', credential: 'guest-root', firewall: 'fw', pool: 'pub' };
    const out = l.run(dir, [
      { command: 'enrollment.rules', input: {} },
      { command: 'enrollment.check', input: { ...target, vms: [vm0, vmBsd, vmDown, 'no-such-vm'] } },
      { command: 'enrollment.start', input: { ...target, vms: [vm0, vm1], concurrency: 2, osActions: 'builtin' } },
      { command: 'cmdb.list', input: {} },
      { command: 'cmdb.exportCsv', input: {} },
    ]);
    const rules = value<{ rules: { id: string }[] }>(out, 0);
    expect(rules.rules.map((r) => r.id)).toContain('debian');

    const check = value<EnrollmentCheck>(out, 1);
    expect(check.targets.map((t) => `${t.id}:${t.status}`)).toEqual(['firewall:pass', 'pool:pass']);
    const [c0, cBsd, cDown, cGhost] = check.vms;
    expect(c0).toMatchObject({ name: vm0, eligible: true, privateIp: l.lab.vms[0]!.ip, osRule: 'debian', credentialMethod: 'ssh' });
    expect(c0!.checks.map((c) => `${c.id}:${c.status}`)).toEqual(['found:pass', 'powered-on:pass', 'tools-running:pass', 'not-enrolled:pass', 'private-ip:pass', 'os-rule:pass', 'credentials:pass', 'os-version:pass', 'free-disk:pass', 'services:pass']);
    expect(cBsd).toMatchObject({ eligible: false, osRule: null });
    expect(cBsd!.checks.find((c) => c.id === 'os-rule')).toMatchObject({ status: 'fail', code: 'OS_REQUIREMENT' });
    expect(cDown).toMatchObject({ eligible: false });
    expect(cDown!.checks.find((c) => c.id === 'credentials')).toMatchObject({ status: 'fail' });
    expect(cGhost).toMatchObject({ eligible: false, name: null, checks: [expect.objectContaining({ id: 'found', status: 'fail', code: 'NOT_FOUND' })] });

    const runs = runsOf(out, 2);
    expect(runs.map((r) => r.state), JSON.stringify(runs.map((r) => r.error))).toEqual(['succeeded', 'succeeded']);
    expect(runs[0]!.steps).toEqual(ENROLL_STEPS.map((s) => `${s}:${s === 'nat-confirm' ? 'skipped' : 'done'}`));
    const cmdb = value<CmdbRecord[]>(out, 3);
    expect(cmdb).toHaveLength(2);
    const byName = new Map(cmdb.map((r) => [r.vmName, r]));
    const r0 = byName.get(vm0!)!;
    expect(r0).toMatchObject({ site: 'lab', privateIp: l.lab.vms[0]!.ip, firewall: 'fw', credential: 'guest-root', serviceAccount: 'outpost', credentialMethod: 'ssh', osRule: 'debian', status: 'active', enrolledBy: 'tester', enrollProcedureId: runs[0]!.id });
    expect(r0.publicIp).toMatch(/^203\.0\.113\.\d+$/);
    const csv = value<{ csv: string; rows: number }>(out, 4);
    expect(csv.rows).toBe(2);
    expect(csv.csv.split('\r\n')[0]).toBe('site,vm_name,vm_moref,instance_uuid,os,os_rule,private_ip,public_ip,nat_record_id,firewall,credential,service_account,credential_method,status,enrolled_at,enrolled_by,offboarded_at,offboarded_by,enroll_procedure_id,offboard_procedure_id');

    // From the client namespace, with OpenSSH: each public IP leads to its own guest (its host key,
    // its new host name), and the service account logs in with the key enrollment installed.
    const key = inspect(dir, (core) => core.services.remote.credentials.sshAuth('outpost-enrollment').auth);
    const keyFile = join(dir, 'service_key');
    writeFileSync(keyFile, `${(key as { privateKey: string }).privateKey.toString().trim()}\n`, { mode: 0o600 });
    for (const [i, name] of [vm0!, vm1!].entries()) {
      const rec = byName.get(name)!;
      const hostPub = readFileSync(join(base.path, `guest-${i}`, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
      const knownHosts = join(dir, `known_hosts_${i}`);
      writeFileSync(knownHosts, `${rec.publicIp} ${hostPub}\n`);
      const said = l.lab.exec(l.lab.client, ['ssh', '-i', keyFile, '-o', 'BatchMode=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'StrictHostKeyChecking=yes', '-o', 'ConnectTimeout=5', `outpost@${rec.publicIp}`, 'id -un; hostname']);
      expect(said.trim().split('\n')).toEqual(['outpost', name.toLowerCase().replace(/_/g, '-')]);
      expect(l.guests[i]!.exec(['getent', 'passwd', 'outpost'])).toContain('outpost-managed');
    }
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:\d+/g)).toHaveLength(4);

    const off = l.run(dir, [
      { command: 'enrollment.offboard', input: { site: 'lab', vms: [vm0, vm1] } },
      { command: 'cmdb.list', input: { status: 'all' } },
      { command: 'enrollment.offboard', input: { site: 'lab', vms: [vm0] } },
    ]);
    const offRuns = runsOf(off, 0);
    expect(offRuns.map((r) => r.state), JSON.stringify(offRuns.map((r) => r.error))).toEqual(['succeeded', 'succeeded']);
    expect(offRuns[0]!.steps).toEqual(OFFBOARD_STEPS.map((s) => `${s}:${s === 'nat-confirm' ? 'skipped' : 'done'}`));
    for (const r of value<CmdbRecord[]>(off, 1)) expect(r).toMatchObject({ status: 'offboarded', offboardedBy: 'tester' });
    expect(value<BatchStarted>(off, 2).items[0]).toMatchObject({ procedureId: null, error: { code: 'NOT_FOUND' } });
    expect(l.lab.connectFromClient(r0.publicIp!, 22, 800)).toBe('TIMEOUT');
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat'])).not.toContain('outpost:nat:');
    for (const [i, g] of l.guests.slice(0, 2).entries()) {
      expect(() => g.exec(['getent', 'passwd', 'outpost'])).toThrow();
      expect(g.exec(['hostname']).trim()).toBe(`lab-guest-${i}`);
    }
    inspect(dir, (core) => {
      expect(core.services.ipam.allocations()).toEqual([]);
      expect(core.services.nat.records()).toEqual([]);
      const actions = core.services.audit.list({ limit: 1000 }).entries.map((e) => e.action);
      expect(actions.filter((a) => a === 'enrollment.enroll')).toHaveLength(2);
      expect(actions.filter((a) => a === 'enrollment.offboard')).toHaveLength(2);
      expect(JSON.stringify(core.services.audit.list({ limit: 1000 }))).not.toContain('Guest-Root-Pass');
    });
  }, 120_000);
});

