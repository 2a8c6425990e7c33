import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  cloneDataDir,
  createEnrollmentLab,
  enrollmentLabUnavailable,
  DEBIAN,
  ENROLL_STEPS,
  GUEST_PASSWORD,
  inspect,
  LAB_PASSPHRASE,
  OFFBOARD_STEPS,
  resetLab,
  runsOf,
  value,
  type EnrollmentLab,
} from '../../test/lab/enrollment-lab.js';
import { generateKey } from '../../test/peers/openssh-server.js';
import { spawnAsync } from '../../test/spawn-async.js';
import { tempDir } from '../../test/temp-dir.js';
import type { BatchStarted, CmdbRecord, EnrollmentCheck, GuestInfo } from '../contract/index.js';
import { onPath } from './enrollment-service.js';

const root = join(import.meta.dirname, '..', '..');
const why = enrollmentLabUnavailable();
if (why) console.log(`Enrollment lab tests skipped: ${why}`);

describe.skipIf(why !== null)('Enrollment on the netns lab (vcsim VMs report the guests in the VM namespaces)', () => {
  let l: EnrollmentLab;
  let base: ReturnType<typeof tempDir>;
  let work: ReturnType<typeof tempDir>;
  let template: string;
  let rootKey: { privateKey: string; publicKey: string };
  let n = 0;
  const fresh = (): string => {
    const dir = join(work.path, `case-${n++}`);
    cloneDataDir(template, dir);
    return dir;
  };

  beforeAll(async () => {
    base = tempDir('outpost-enroll-lab-');
    work = tempDir('outpost-enroll-cases-');
    // VM3: Debian, but nothing answers at its address; VM4: an OS no rule covers; VM5: its Tools report
    // guest 1's address (a stale report or an IP conflict): another machine answers there.
    // Guest 1 shows its SMBIOS UUID in VMware's older byte order (the first three fields swapped).
    rootKey = generateKey(join(base.path, 'guest_root_key'));
    l = await createEnrollmentLab({ vms: 3, extraVms: ['10.77.0.99|debian12_64Guest=Debian GNU/Linux 12 (64-bit)', '10.77.0.98|freebsd13_64Guest=FreeBSD 13 (64-bit)', `guest-1|${DEBIAN}`], dir: base.path, rootKey: rootKey.publicKey, guestApi: true, byteSwappedUuid: [1] });
    template = join(base.path, 'template');
    const setup = await l.run(template, [...l.setupCalls(), { command: 'credentials.add', input: { name: 'guest-key', username: 'root', secret: { type: 'private-key', privateKey: rootKey.privateKey } } }]);
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
    const out = await l.run(dir, [
      { command: 'enrollment.rules', input: {} },
      { command: 'enrollment.check', input: { ...target, vms: [vm0, vmBsd, vmDown, 'no-such-vm'] } },
      { command: 'enrollment.start', input: { ...target, vms: [vm0, vm1], concurrency: 2, osActions: 'builtin' } },
      { command: 'cmdb.list', input: {} },
      { command: 'cmdb.exportCsv', input: {} },
      { command: 'vm.guestinfo.get', input: { site: 'lab', vm: vm0 } },
    ]);
    const rules = value<{ rules: { id: string }[] }>(out, 0);
    expect(rules.rules.map((r) => r.id)).toContain('debian');

    const check = value<EnrollmentCheck>(out, 1);
    expect(check.targets.map((t) => `${t.id}:${t.status}`)).toEqual(['firewall:pass', 'pool:pass']);
    const [c0, cBsd, cDown, cGhost] = check.vms;
    expect(c0).toMatchObject({ name: vm0, eligible: true, privateIp: l.lab.vms[0]!.ip, osRule: 'debian', credentialMethod: 'guest-api' });
    expect(c0!.checks.map((c) => `${c.id}:${c.status}`)).toEqual(['found:pass', 'powered-on:pass', 'tools-running:pass', 'not-enrolled:pass', 'private-ip:pass', 'os-rule:pass', 'credentials:pass', 'identity:pass', 'os-version:pass', 'free-disk:pass', 'services:pass']);
    expect(c0!.checks.find((c) => c.id === 'identity')!.message).toBe(`SMBIOS UUID ${l.biosUuids[0]}`);
    expect(cBsd).toMatchObject({ eligible: false, osRule: null });
    expect(cBsd!.checks.find((c) => c.id === 'os-rule')).toMatchObject({ status: 'fail', code: 'OS_REQUIREMENT' });
    // VMware Tools accept the credentials, but nothing answers at the guest's address: its identity
    // cannot be confirmed, so the OS checks do not run.
    expect(cDown).toMatchObject({ eligible: false, credentialMethod: 'guest-api' });
    expect(cDown!.checks.find((c) => c.id === 'identity')).toMatchObject({ status: 'fail', code: expect.stringMatching(/^(UNREACHABLE|TIMEOUT)$/) });
    expect(cDown!.checks.find((c) => c.id === 'os-version')).toMatchObject({ status: 'skipped' });
    expect(cGhost).toMatchObject({ eligible: false, name: null, checks: [expect.objectContaining({ id: 'found', status: 'fail', code: 'NOT_FOUND' })] });

    const runs = runsOf(out, 2);
    expect(out.cmdbEvents?.map((e) => `${e.vmName}:${e.change}`).sort()).toEqual([`${vm0}:enrolled`, `${vm1}:enrolled`]);
    expect(runs.map((r) => r.state), JSON.stringify(runs.map((r) => r.error))).toEqual(['succeeded', 'succeeded']);
    expect(runs[0]!.steps).toEqual(ENROLL_STEPS.map((s) => `${s}:${s === 'nat-confirm' ? 'skipped' : 'done'}`));
    const cmdb = value<CmdbRecord[]>(out, 3);
    expect(cmdb).toHaveLength(2);
    const byName = new Map(cmdb.map((r) => [r.vmName, r]));
    const r0 = byName.get(vm0!)!;
    expect(r0).toMatchObject({ site: 'lab', privateIp: l.lab.vms[0]!.ip, firewall: 'fw', credential: 'guest-root', serviceAccount: 'outpost', credentialMethod: 'guest-api', osRule: 'debian', status: 'active', enrolledBy: 'tester', enrollProcedureId: runs[0]!.id });
    expect(r0.publicIp).toMatch(/^203\.0\.113\.\d+$/);
    // What was assigned, for tools in the guest (VMware Tools' info-get), next to keys the VM had.
    expect(value<GuestInfo>(out, 5).entries).toEqual([
      { key: 'guestinfo.outpost.cmdb_id', value: String(r0.id) },
      { key: 'guestinfo.outpost.nat_firewall', value: 'fw' },
      { key: 'guestinfo.outpost.nat_record', value: String(r0.natRecordId) },
      { key: 'guestinfo.outpost.private_ip', value: l.lab.vms[0]!.ip },
      { key: 'guestinfo.outpost.public_ip', value: r0.publicIp! },
    ]);
    const csv = value<{ csv: string; rows: number }>(out, 4);
    expect(csv.rows).toBe(2);
    expect(csv.csv.split('\r\n')[0]).toBe('site,vm_name,vm_moref,instance_uuid,os,os_rule,private_ip,public_ip,nat_record_id,firewall,credential,service_account,credential_method,status,enrolled_at,enrolled_by,offboarded_at,offboarded_by,enroll_procedure_id,offboard_procedure_id');

    // From the client namespace, with OpenSSH: each public IP leads to its own guest (its host key,
    // its new host name), and the service account logs in with the key enrollment installed.
    const key = await inspect(dir, async (core) => (await core.services.remote.credentials.sshAuth('outpost-enrollment')).auth);
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

    const off = await l.run(dir, [
      { command: 'enrollment.offboard', input: { site: 'lab', vms: [vm0, vm1] } },
      { command: 'cmdb.list', input: { status: 'all' } },
      { command: 'enrollment.offboard', input: { site: 'lab', vms: [vm0] } },
      { command: 'vm.guestinfo.get', input: { site: 'lab', vm: vm0 } },
    ]);
    const offRuns = runsOf(off, 0);
    expect(off.cmdbEvents?.map((e) => `${e.vmName}:${e.change}`).sort()).toEqual([`${vm0}:offboarded`, `${vm1}:offboarded`]);
    expect(offRuns.map((r) => r.state), JSON.stringify(offRuns.map((r) => r.error))).toEqual(['succeeded', 'succeeded']);
    expect(offRuns[0]!.steps).toEqual(OFFBOARD_STEPS.map((s) => `${s}:${s === 'nat-confirm' ? 'skipped' : 'done'}`));
    for (const r of value<CmdbRecord[]>(off, 1)) expect(r).toMatchObject({ status: 'offboarded', offboardedBy: 'tester' });
    expect(value<BatchStarted>(off, 2).items[0]).toMatchObject({ procedureId: null, error: { code: 'NOT_FOUND' } });
    expect(value<GuestInfo>(off, 3).entries).toEqual([]);
    expect(l.lab.connectFromClient(r0.publicIp!, 22, 800)).toBe('TIMEOUT');
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat'])).not.toContain('outpost:nat:');
    for (const [i, g] of l.guests.slice(0, 2).entries()) {
      expect(() => g.exec(['getent', 'passwd', 'outpost'])).toThrow();
      expect(g.exec(['hostname']).trim()).toBe(`lab-guest-${i}`);
    }
    await inspect(dir, async (core) => {
      expect(await core.services.ipam.allocations()).toEqual([]);
      expect(await core.services.nat.records()).toEqual([]);
      const actions = (await core.services.audit.list({ limit: 1000 })).entries.map((e) => e.action);
      expect(actions.filter((a) => a === 'enrollment.enroll')).toHaveLength(2);
      expect(actions.filter((a) => a === 'enrollment.offboard')).toHaveLength(2);
      expect(JSON.stringify(await core.services.audit.list({ limit: 1000 }))).not.toContain('Guest-Root-Pass');
    });
  }, 120_000);

  it('a VM whose Tools address leads to another guest is refused after the first login, before the OS probe, any credential beyond it, IPAM or NAT', async () => {
    const vm1 = l.vmNames[1]!;
    const impostor = l.vmNames[5]!; // reports guest 1's address
    const guest1 = l.guests[1]!;
    const dir = fresh();
    const target = { site: 'lab', credential: 'guest-root', firewall: 'fw', pool: 'pub' };
    const vmUuid = l.biosUuids[5]!;
    const guestUuid = guest1.productUuid!.toLowerCase();
    expect(guestUuid).not.toBe(l.biosUuids[1]); // guest 1 shows the byte-swapped form of VM1's UUID

    // The check says so per VM, before any run: VM1 is its guest (byte-swapped form accepted), VM5 is not.
    const check = value<EnrollmentCheck>(await l.run(dir, [{ command: 'enrollment.check', input: { ...target, vms: [impostor, vm1] } }]), 0);
    const [cImpostor, c1] = check.vms;
    expect(cImpostor).toMatchObject({ eligible: false, privateIp: guest1.ip, credentialMethod: 'guest-api' });
    expect(cImpostor!.checks.slice(-4).map((c) => `${c.id}:${c.status}:${c.code ?? ''}`)).toEqual(['identity:fail:GUEST_IDENTITY_MISMATCH', 'os-version:skipped:', 'free-disk:skipped:', 'services:skipped:']);
    expect(c1).toMatchObject({ eligible: true });
    expect(c1!.checks.find((c) => c.id === 'identity')).toMatchObject({ status: 'pass', message: `SMBIOS UUID ${guestUuid} (byte-swapped form)` });

    // The run: one login to the machine at that address (the identity check, the first login: VMware
    // Tools validated the password), then the refusal; nothing further reaches it or the firewall.
    const loginsBefore = guest1.logins().length;
    const out = await l.run(dir, [{ command: 'enrollment.start', input: { ...target, vms: [impostor], osActions: 'builtin' } }, { command: 'cmdb.list', input: { status: 'all' } }]);
    const [run] = runsOf(out, 0);
    expect(run).toMatchObject({ state: 'rolled-back', error: { code: 'GUEST_IDENTITY_MISMATCH' } });
    const message = run!.error!.message;
    for (const text of [guest1.ip, impostor, vmUuid, guestUuid, 'stale', 'IP conflict']) expect(message).toContain(text);
    const after = ENROLL_STEPS.slice(ENROLL_STEPS.indexOf('check-identity') + 1);
    // The failed step is rolled back (undone); no later step ever ran (skipped by the rollback).
    expect(run!.steps.slice(ENROLL_STEPS.indexOf('check-identity'))).toEqual(['check-identity:undone', ...after.map((s) => `${s}:skipped`)]);
    expect(guest1.logins().slice(loginsBefore)).toEqual([expect.stringMatching(/Accepted password for root from 203\.0\.113\.100 /)]);
    expect(value<CmdbRecord[]>(out, 1)).toEqual([]);
    await inspect(dir, async (core) => {
      expect(await core.services.ipam.allocations()).toEqual([]);
      expect(await core.services.nat.records()).toEqual([]);
      const journal = await core.services.engine.store.journal(run!.id);
      expect(journal.find((j) => j.level === 'error')).toMatchObject({ message: expect.stringContaining(`Step "check-identity" failed: The machine answering at ${guest1.ip} is not ${impostor}`), data: { code: 'GUEST_IDENTITY_MISMATCH' } });
    });
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat'])).not.toContain('outpost:nat:');
    expect(() => guest1.exec(['getent', 'passwd', 'outpost'])).toThrow();
    expect(guest1.exec(['hostname']).trim()).toBe('lab-guest-1');
  }, 120_000);

  it('a credential that cannot read the SMBIOS UUID (not root, no passwordless sudo): GUEST_IDENTITY_UNKNOWN says what to use; the OS checks do not run', async () => {
    const vm2 = l.vmNames[2]!;
    const guest = l.guests[2]!;
    // The product UUID is root-only (0400, as the kernel makes it): a plain account cannot read it.
    guest.exec(['sh', '-c', `useradd -m -s /bin/sh plain && echo 'plain:${GUEST_PASSWORD}' | chpasswd`]);
    try {
      const dir = fresh();
      const out = await l.run(dir, [
        { command: 'credentials.add', input: { name: 'guest-plain', username: 'plain', secret: { type: 'password', password: GUEST_PASSWORD } } },
        { command: 'enrollment.check', input: { site: 'lab', credential: 'guest-plain', firewall: 'fw', pool: 'pub', vms: [vm2] } },
      ]);
      const [c2] = value<EnrollmentCheck>(out, 1).vms;
      expect(c2).toMatchObject({ eligible: false, credentialMethod: 'guest-api' });
      const identity = c2!.checks.find((c) => c.id === 'identity')!;
      expect(identity).toMatchObject({ status: 'fail', code: 'GUEST_IDENTITY_UNKNOWN' });
      expect(identity.message).toContain(`cannot confirm it is ${vm2} (BIOS UUID ${l.biosUuids[2]})`);
      expect(identity.message).toContain('use a root credential or one with passwordless sudo');
      expect(c2!.checks.find((c) => c.id === 'os-version')).toMatchObject({ status: 'skipped' });
    } finally {
      guest.exec(['sh', '-c', 'userdel -f -r plain >/dev/null 2>&1; true']);
    }
  }, 60_000);

  it('the CLI: outpost enroll --check, enroll, cmdb list/export, offboard (built binary, in the client namespace)', async () => {
    const [vm0, vm1] = l.vmNames;
    const dir = fresh();
    const outpost = async (...args: string[]) => {
      const r = await spawnAsync('ip', ['netns', 'exec', l.lab.client, process.execPath, join(root, 'bin', 'outpost.mjs'), '--db', join(dir, 'outpost.db'), ...args], {
        env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: LAB_PASSPHRASE },
        timeout: 120_000,
      });
      return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
    };
    const target = ['--site', 'lab', '--credential', 'guest-root', '--firewall', 'fw', '--pool', 'pub'];
    const check = await outpost('enroll', ...target, '--vm', vm0!, l.vmNames[4]!, '--check');
    expect(check.code, check.stderr).toBe(1); // the FreeBSD VM is not eligible
    expect(check.stdout).toContain(`${vm0}: eligible`);
    expect(check.stdout).toMatch(/NOT eligible[\s\S]*OS_REQUIREMENT/);

    const enroll = await outpost('--json', 'enroll', ...target, '--vm', vm0!, vm1!, 'ghost', '--concurrency', '2', '--os-actions', 'builtin');
    expect(enroll.code, enroll.stderr).toBe(1); // 'ghost' is not in the inventory
    const result = JSON.parse(enroll.stdout) as { vms: { name: string | null; state: string; error: { code: string } | null }[] };
    expect(result.vms.map((v) => `${v.name ?? '?'}:${v.state}:${v.error?.code ?? ''}`)).toEqual([`${vm0}:succeeded:`, `${vm1}:succeeded:`, '?:not-started:NOT_FOUND']);

    const list = await outpost('cmdb', 'list');
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(vm0);
    expect(list.stdout).toMatch(/203\.0\.113\.\d+/);
    const csv = await outpost('cmdb', 'export');
    expect(csv.stdout.trim().split('\r\n')).toHaveLength(3);

    const off = await outpost('offboard', '--site', 'lab', '--vm', vm0!, vm1!);
    expect(off.code, off.stdout + off.stderr).toBe(0);
    expect(off.stdout).toContain('2 of 2 succeeded.');
    expect(JSON.parse((await outpost('--json', 'cmdb', 'list')).stdout)).toEqual([]);
    expect((JSON.parse((await outpost('--json', 'cmdb', 'list', '--all')).stdout) as unknown[]).length).toBe(2);

    const bad = await outpost('enroll', '--site', 'lab', '--credential', 'guest-root', '--firewall', 'fw', '--pool', 'pub');
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/^outpost: .*--vm/);
  }, 180_000);

  it.skipIf(!onPath('ansible-playbook'))('runs the OS actions as the Ansible playbook (key credential), its output in the procedure log; offboarding reverts them', async () => {
    const vm2 = l.vmNames[2]!;
    const dir = fresh();
    const out = await l.run(dir, [
      { command: 'enrollment.rules', input: {} },
      { command: 'enrollment.start', input: { site: 'lab', vms: [vm2], credential: 'guest-key', firewall: 'fw', pool: 'pub', osActions: 'auto' } },
    ]);
    expect(value<{ ansibleAvailable: boolean }>(out, 0).ansibleAvailable).toBe(true);
    const [run] = runsOf(out, 1);
    expect(run!.state, JSON.stringify(run!.error)).toBe('succeeded');
    const journal = await inspect(dir, async (core) => (await core.services.engine.store.journal(run!.id)).map((j) => j.message).join('\n'));
    expect(journal).toMatch(/PLAY RECAP/);
    expect(journal).toMatch(/TASK \[Service account\]/);
    const guest = l.guests[2]!;
    expect(guest.exec(['getent', 'passwd', 'outpost'])).toContain('outpost-managed');
    expect(guest.exec(['sh', '-c', 'grep -c outpost-enrollment /home/outpost/.ssh/authorized_keys']).trim()).toBe('1');
    expect(guest.exec(['hostname']).trim()).toBe('dc0-c0-h0-vm2');
    const off = await l.run(dir, [{ command: 'enrollment.offboard', input: { site: 'lab', vms: [vm2] } }]);
    expect(runsOf(off, 0)[0]!.state).toBe('succeeded');
    expect(() => guest.exec(['getent', 'passwd', 'outpost'])).toThrow();
    expect(guest.exec(['hostname']).trim()).toBe('lab-guest-2');
  }, 120_000);

  it('a firewall-wide allow-list guards the public IP an enrollment adds, from its first packet; the listed workstation still reaches the guest', async () => {
    const vm2 = l.vmNames[2]!;
    const dir = fresh();
    const out = await l.run(dir, [
      { command: 'nat.allow', input: { firewall: 'fw', source: l.lab.clientIp } },
      { command: 'enrollment.start', input: { site: 'lab', vms: [vm2], credential: 'guest-root', firewall: 'fw', pool: 'pub', osActions: 'builtin' } },
      { command: 'cmdb.list', input: {} },
    ]);
    try {
      expect(runsOf(out, 0)[0]).toMatchObject({ state: 'succeeded' });
      // verify-access logs in through the public IP from the workstation's namespace: the allow-list lets it through.
      const [run] = runsOf(out, 1);
      expect(run, JSON.stringify(run?.error) + out.stderr).toMatchObject({ state: 'succeeded' });
      const publicIp = value<CmdbRecord[]>(out, 2)[0]!.publicIp!;
      expect(l.lab.exec(l.lab.firewall, ['iptables-save'])).toContain(`outpost:guard:${publicIp}`);
      expect(await inspect(dir, async (core) => (await core.services.natPolicy.check('fw')).state)).toBe('in-sync');
    } finally {
      const off = await l.run(dir, [{ command: 'enrollment.offboard', input: { site: 'lab', vms: [vm2] } }, { command: 'nat.disallow', input: { firewall: 'fw', source: l.lab.clientIp } }]);
      expect(runsOf(off, 0)[0]).toMatchObject({ state: 'succeeded' });
      expect(runsOf(off, 1)[0]).toMatchObject({ state: 'succeeded' });
    }
    expect(l.lab.exec(l.lab.firewall, ['iptables-save'])).not.toContain('outpost:guard:');
  }, 120_000);

  it('a manual firewall: the run waits at nat-confirm with the exact commands; the operator applies them and approves', async () => {
    const vm2 = l.vmNames[2]!;
    const dir = fresh();
    const fwIf = l.lab.firewallPublicIf;
    /** What the operator does at the gate: run the printed iptables lines on the firewall, and the address on its public interface. */
    const applyGate = async (id: string, addressAction: 'add' | 'del'): Promise<string> => {
      const gate = await inspect(dir, async (core) => (await core.services.engine.detail(id)).steps.find((st) => st.state === 'waiting')?.gate?.prompt ?? '');
      const lines = gate.split('\n').filter((line) => line.startsWith('iptables '));
      expect(lines).toHaveLength(2);
      for (const line of lines) l.lab.exec(l.lab.firewall, line.split(' ').map((w) => w.replace(/^'(.*)'$/, '$1')));
      const publicIp = /-d (\S+)\/32/.exec(gate)?.[1] ?? /--to-source (\S+)/.exec(gate)?.[1];
      l.lab.exec(l.lab.firewall, ['ip', 'addr', addressAction, `${publicIp}/32`, 'dev', fwIf]);
      return gate;
    };
    const out = await l.run(dir, [
      { command: 'firewalls.add', input: { name: 'edge', driver: 'manual', settings: { manualSyntax: 'iptables' } } },
      { command: 'enrollment.start', input: { site: 'lab', vms: [vm2], credential: 'guest-root', firewall: 'edge', pool: 'pub', osActions: 'builtin' } },
    ]);
    const [waiting] = runsOf(out, 1);
    expect(waiting).toMatchObject({ state: 'waiting' });
    expect(waiting!.steps).toContain('nat-confirm:waiting');
    expect(await applyGate(waiting!.id, 'add')).toContain(`--comment outpost:nat:1`);
    const approved = await l.run(dir, [{ command: 'procedures.approve', input: { id: waiting!.id } }]);
    expect(runsOf(approved, 0)[0], JSON.stringify(runsOf(approved, 0)[0]?.error)).toMatchObject({ state: 'succeeded' });

    const off = await l.run(dir, [{ command: 'enrollment.offboard', input: { site: 'lab', vms: [vm2] } }]);
    const [offWaiting] = runsOf(off, 0);
    expect(offWaiting).toMatchObject({ state: 'waiting' });
    expect(await applyGate(offWaiting!.id, 'del')).toContain('iptables -t nat -D');
    const done = await l.run(dir, [{ command: 'procedures.approve', input: { id: offWaiting!.id } }, { command: 'cmdb.list', input: { status: 'all' } }]);
    expect(runsOf(done, 0)[0]).toMatchObject({ state: 'succeeded' });
    expect(value<CmdbRecord[]>(done, 1)).toEqual([expect.objectContaining({ vmName: vm2, firewall: 'edge', status: 'offboarded' })]);
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat'])).not.toContain('outpost:nat:');
  }, 120_000);

  it('bad input: each VM gets its own clear error and the rest of the batch still enrolls', async () => {
    const [vm0, vm1, vm2, vmDown, vmBsd] = l.vmNames;
    const dir = fresh();
    const target = { site: 'lab', credential: 'guest-root', firewall: 'fw', pool: 'pub', osActions: 'builtin' };
    const out = await l.run(dir, [
      // VM1's private address already has a NAT (made by hand, outside enrollment).
      { command: 'nat.add', input: { firewall: 'fw', privateIp: l.lab.vms[1]!.ip, publicIp: '203.0.113.50' } },
      { command: 'enrollment.start', input: { ...target, vms: [vm0, vmBsd, vmDown, 'ghost-vm', vm1], concurrency: 3 } },
      { command: 'credentials.add', input: { name: 'bad-root', username: 'root', secret: { type: 'password', password: 'not-the-password' } } },
      { command: 'enrollment.start', input: { ...target, vms: [vm2], credential: 'bad-root' } },
      { command: 'firewalls.add', input: { name: 'down', driver: 'linux-iptables', connection: { type: 'local', netns: `${l.lab.firewall}-missing` } } },
      { command: 'enrollment.start', input: { ...target, vms: [vm2], firewall: 'down' } },
      { command: 'ipam.pools.add', input: { name: 'tiny', cidr: '198.51.100.0/30', kind: 'public', reserved: [{ start: '198.51.100.1', end: '198.51.100.2', reason: 'taken' }] } },
      { command: 'enrollment.start', input: { ...target, vms: [vm2], pool: 'tiny' } },
      { command: 'enrollment.start', input: { ...target, vms: [vm0] } },
      { command: 'cmdb.list', input: { status: 'all' } },
    ]);
    expect(runsOf(out, 0)[0]!.state).toBe('succeeded');
    const batch = value<BatchStarted>(out, 1);
    expect(batch.items.map((i) => i.error?.code ?? 'started')).toEqual(['started', 'started', 'started', 'NOT_FOUND', 'started']);
    const [r0, rBsd, rDown, r1] = runsOf(out, 1);
    expect(r0!.state, JSON.stringify(r0!.error)).toBe('succeeded');
    expect(rBsd).toMatchObject({ state: 'rolled-back', error: { code: 'OS_REQUIREMENT' } });
    expect(rBsd!.error!.message).toContain('FreeBSD');
    expect(rDown!.state).toBe('rolled-back');
    expect(['UNREACHABLE', 'TIMEOUT']).toContain(rDown!.error!.code);
    expect(rDown!.error!.message).toContain('10.77.0.99');
    expect(r1).toMatchObject({ state: 'rolled-back', error: { code: 'NAT_CONFLICT' } });
    expect(r1!.steps).toContain('ensure-nat:undone');
    expect(runsOf(out, 3)[0]).toMatchObject({ state: 'rolled-back', error: { code: 'GUEST_AUTH' }, steps: expect.arrayContaining(['validate-credentials:undone']) });
    expect(runsOf(out, 3)[0]!.error!.message).toContain('InvalidGuestLogin');
    expect(runsOf(out, 5)[0]).toMatchObject({ state: 'rolled-back', error: { code: 'FIREWALL_COMMAND' } });
    expect(runsOf(out, 7)[0]).toMatchObject({ state: 'rolled-back', error: { code: 'POOL_EXHAUSTED' } });
    // Already enrolled: refused before anything changes.
    expect(runsOf(out, 8)[0]).toMatchObject({ state: 'rolled-back', error: { code: 'ENROLL_INELIGIBLE' } });
    expect(runsOf(out, 8)[0]!.error!.message).toContain('Already enrolled');
    const cmdb = value<CmdbRecord[]>(out, 9);
    expect(cmdb.map((r) => r.vmName)).toEqual([vm0]);
    // Only VM0's NAT and the hand-made one (its typed address allocated in pub) remain; every rolled-back VM released what it took.
    await inspect(dir, async (core) => {
      expect((await core.services.nat.records()).map((r) => r.publicIp).sort()).toEqual([cmdb[0]!.publicIp, '203.0.113.50'].sort());
      expect((await core.services.ipam.allocations()).map((a) => `${a.pool}:${a.purpose}`).sort()).toEqual(['pub:public-nat', 'pub:public-nat', 'vms:guest-private']);
    });
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:\d+/g)).toHaveLength(4);
    // A failed guest login or OS check changed nothing in the guest.
    expect(() => l.guests[2]!.exec(['getent', 'passwd', 'outpost'])).toThrow();
  }, 120_000);

  it('a VM powered off after the batch started fails alone; the VM before it enrolls', async () => {
    const [vm0, , vm2] = l.vmNames;
    const dir = fresh();
    const batch = l.run(dir, [{ command: 'enrollment.start', input: { site: 'lab', credential: 'guest-root', firewall: 'fw', pool: 'pub', osActions: 'builtin', vms: [vm0, vm2], concurrency: 1 } }]);
    // Wait until VM0's run is under way, then power VM2 off in vCenter (a second process, as another operator would).
    const deadline = Date.now() + 30_000;
    for (;;) {
      const started = await inspect(dir, async (core) => (await core.sql.get(`SELECT count(*) AS n FROM procedure_steps s JOIN procedures p ON p.id = s.procedure_id WHERE p.target LIKE ? AND s.state != 'pending'`, [`%${vm0}`], z.object({ n: z.number() })))!.n);
      if (started > 0) break;
      if (Date.now() > deadline) throw new Error('VM0 never started');
      await new Promise((r) => setTimeout(r, 100));
    }
    const power = await l.run(dir, [{ command: 'vm.power', input: { site: 'lab', vm: vm2, action: 'off' } }]);
    expect(power.results[0]).toMatchObject({ ok: true });
    const out = await batch;
    const [r0, r2] = runsOf(out, 0);
    expect(r0!.state, JSON.stringify(r0!.error)).toBe('succeeded');
    expect(r2).toMatchObject({ state: 'rolled-back', error: { code: 'ENROLL_INELIGIBLE' } });
    expect(r2!.error!.message).toContain('poweredOff');
    await l.run(dir, [{ command: 'vm.power', input: { site: 'lab', vm: vm2, action: 'on' } }]);
  }, 120_000);
});
