// kill -9 after every step of enroll-vm and offboard-vm (OUTPOST_FAULT, child processes in the lab's
// client namespace), then resume as the app does at start-up: the end state is the same every time.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { cloneDataDir, createEnrollmentLab, enrollmentLabUnavailable, ENROLL_STEPS, inspect, OFFBOARD_STEPS, resetLab, type EnrollmentLab } from '../../test/lab/enrollment-lab.js';
import { tempDir } from '../../test/temp-dir.js';

const why = enrollmentLabUnavailable();
if (why) console.log(`Enrollment crash tests skipped: ${why}`);

describe.skipIf(why !== null)('Enrollment survives kill -9 at every step (child processes in the lab, resumed)', () => {
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
  const start = (vm: string) => ({ command: 'enrollment.start', input: { site: 'lab', credential: 'guest-root', firewall: 'fw', pool: 'pub', osActions: 'builtin', vms: [vm] } });

  beforeAll(async () => {
    base = tempDir('outpost-enroll-kill-');
    work = tempDir('outpost-enroll-kill-cases-');
    l = await createEnrollmentLab({ vms: 1, dir: base.path });
    template = join(base.path, 'template');
    const setup = await l.run(template, l.setupCalls());
    expect(setup.results.length > 0 && setup.results.every((r) => r.ok), setup.stderr).toBe(true);
  }, 120_000);
  afterAll(async () => {
    await l?.destroy();
    base?.remove();
    work?.remove();
  });
  afterEach(() => resetLab(l));

  /** The one end state every interrupted-and-resumed enrollment must reach. */
  const expectEnrolled = async (dir: string): Promise<void> => {
    const vm = l.lab.vms[0]!;
    await inspect(dir, async (core) => {
      expect((await core.services.ipam.allocations()).map((a) => `${a.pool}:${a.address}:${a.purpose}`).sort()).toEqual(['pub:203.0.113.2:public-nat', `vms:${vm.ip}:guest-private`]);
      expect(await core.services.nat.records()).toEqual([expect.objectContaining({ id: 1, publicIp: '203.0.113.2', privateIp: vm.ip, state: 'active' })]);
      // This lab's vcsim has no guest API: the credentials were checked by an SSH login.
      expect(await core.services.enrollment.cmdb.list({ status: 'all', limit: 10 })).toEqual([expect.objectContaining({ publicIp: '203.0.113.2', status: 'active', natRecordId: 1, credentialMethod: 'ssh' })]);
      const audit = (await core.services.audit.list({ limit: 1000 })).entries.map((e) => `${e.action}:${e.outcome}`);
      expect(audit.filter((a) => a === 'procedure.step:ok')).toHaveLength(ENROLL_STEPS.length - 1); // nat-confirm is skipped
      expect(audit.filter((a) => a === 'enrollment.enroll:ok')).toHaveLength(1);
      expect(audit.filter((a) => a === 'ipam.allocate:ok')).toHaveLength(2);
      expect(audit.filter((a) => a === 'procedure.succeeded:ok')).toHaveLength(1);
    });
    expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat']).match(/outpost:nat:\d+/g)).toEqual(['outpost:nat:1', 'outpost:nat:1']);
    const guest = l.guests[0]!;
    expect(guest.exec(['sh', '-c', 'grep -c outpost-enrollment /home/outpost/.ssh/authorized_keys']).trim()).toBe('1');
    expect(guest.exec(['hostname']).trim()).toBe('dc0-c0-h0-vm0');
  };

  const cases: [string, string][] = [
    ...ENROLL_STEPS.filter((s) => s !== 'nat-confirm').map((s): [string, string] => ['kill-after', s]),
    // Killed with the step marked running but not run: the resumed run must not skip it.
    ['kill-before', 'os-actions'],
  ];
  for (const [phase, step] of cases) {
    it(`${phase} "${step}": resumes to one NAT, one address each, one CMDB row, a complete audit trail`, async () => {
      const dir = fresh();
      const first = await l.run(dir, [start(l.vmNames[0]!)], `${phase}:enroll-vm/${step}`);
      expect(first.signal, first.stderr.slice(-1000)).toBe('SIGKILL');
      const resumed = await l.resume(dir);
      expect(resumed.states, resumed.stderr.slice(-1000) + JSON.stringify(resumed.runs.map((r) => r.error))).toEqual(['succeeded']);
      await expectEnrolled(dir);
    }, 60_000);
  }

  for (const step of OFFBOARD_STEPS.filter((s) => s !== 'nat-confirm')) {
    it(`offboarding, kill-after "${step}": resumes to nothing left and a closed CMDB row`, async () => {
      const dir = fresh();
      // One process enrolls, then offboards and is killed on the way (the fault names an offboard step only).
      const first = await l.run(dir, [start(l.vmNames[0]!), { command: 'enrollment.offboard', input: { site: 'lab', vms: [l.vmNames[0]] } }], `kill-after:offboard-vm/${step}`);
      expect(first.signal, first.stderr.slice(-1000)).toBe('SIGKILL');
      expect(await inspect(dir, async (core) => (await core.services.engine.store.get((await core.services.enrollment.cmdb.list({ status: 'all', limit: 1 }))[0]!.enrollProcedureId!))?.state)).toBe('succeeded');
      const resumed = await l.resume(dir);
      expect(resumed.states, JSON.stringify(resumed.runs.map((r) => r.error))).toEqual(['succeeded', 'succeeded']);
      await inspect(dir, async (core) => {
        expect(await core.services.ipam.allocations()).toEqual([]);
        expect(await core.services.nat.records()).toEqual([]);
        expect(await core.services.enrollment.cmdb.list({ status: 'all', limit: 10 })).toEqual([expect.objectContaining({ status: 'offboarded' })]);
        const audit = (await core.services.audit.list({ limit: 1000 })).entries.map((e) => e.action);
        expect(audit.filter((a) => a === 'enrollment.offboard')).toHaveLength(1);
        expect(audit.filter((a) => a === 'ipam.release')).toHaveLength(2);
      });
      expect(l.lab.exec(l.lab.firewall, ['iptables-save', '-t', 'nat'])).not.toContain('outpost:nat:');
      expect(() => l.guests[0]!.exec(['getent', 'passwd', 'outpost'])).toThrow();
      expect(l.guests[0]!.exec(['hostname']).trim()).toBe('lab-guest-0');
    }, 60_000);
  }
});
