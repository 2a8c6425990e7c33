import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { controlHost, vcsimUnavailable } from '../../test/peers/vcsim.js';
import { sshdAvailable } from '../../test/peers/openssh-server.js';
import { appendLog, labPlanInput, prepareUpgradeCore, reinstaller, startUpgradeLab, type UpgradeLab } from '../../test/fixtures/upgrade-lab.js';
import type { ContractError } from '../contract/errors.js';
import type { HostBuildRow, PlanPreview, UpgradePlanDetail } from '../contract/upgrades.js';
import { createOutpostCore, type OutpostCore } from '../server/core.js';
import { onPath } from './host-operations.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';
import { untilWithin } from '../../test/until.js';

const unavailable = vcsimUnavailable() ?? (sshdAvailable() ? null : 'OpenSSH sshd is not installed');
if (unavailable) console.log(`host upgrade tests skipped: ${unavailable}`);

const until = untilWithin(30_000, 100);

describe.skipIf(unavailable !== null)('rolling host upgrades against vcsim (3-host cluster) and one loopback sshd per host', () => {
  let labDir: ReturnType<typeof tempDir>;
  let lab: UpgradeLab;
  let dir: ReturnType<typeof tempDir>;
  let core: OutpostCore;
  let build = 0;
  const nextBuild = (): string => `2402${++build}10`;

  const call = async <T>(command: string, input: unknown): Promise<T> => {
    const r = await core.dispatch(command, input, { actor: 'tester' });
    if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
    return r.value as T;
  };
  const failure = async (command: string, input: unknown): Promise<ContractError> => {
    const r = await core.dispatch(command, input, { actor: 'tester' });
    if (r.ok) throw new Error(`${command} succeeded: ${JSON.stringify(r.value).slice(0, 500)}`);
    return r.error;
  };
  const status = (planId: string) => call<UpgradePlanDetail>('upgrade.status', { planId });
  const live = async (host: string) => controlHost(lab.vc, host, {});

  beforeAll(async () => {
    labDir = tempDir();
    lab = await startUpgradeLab(labDir.path, 3);
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
    labDir?.remove();
  });
  beforeEach(async () => {
    dir = tempDir();
    core = await createOutpostCore({ dataDir: dir.path, transport: 'test', checkOutputs: true, kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase: 'upgrade tests' });
    await prepareUpgradeCore(call, lab);
    for (const f of [lab.backupLog, lab.configLog]) writeFileSync(f, '');
  });
  afterEach(async () => {
    await core.close();
    dir.remove();
    // Leave every host healthy and out of maintenance for the next test.
    for (const h of lab.hosts) await controlHost(lab.vc, h, { status: 'green', connection: 'connected' });
  });

  it('previews a plan, rolls out 3 hosts one at a time with PXE artefacts, backup, configuration and a short soak', async () => {
    const target = nextBuild();
    const preview = await call<PlanPreview>('upgrade.plan', { site: 'lab', cluster: lab.cluster, targetBuild: target });
    expect(preview.order).toHaveLength(3);
    expect(preview.blocked).toEqual([]);
    expect(preview.maxParallel[lab.cluster]).toBeGreaterThanOrEqual(1);

    const iso = join(dir.path, 'iso');
    mkdirSync(join(iso, 'efi', 'boot'), { recursive: true });
    writeFileSync(join(iso, 'boot.cfg'), 'bootstate=0\ntitle=Loading ESXi installer\nprefix=\nkernel=/b.b00\nkernelopt=runweasel\nmodules=/k.b00\nbuild=8.0.3\n');
    for (const f of ['b.b00', 'k.b00', 'efi/boot/bootx64.efi']) writeFileSync(join(iso, f), f);
    const out = join(dir.path, 'boot-server');
    const plan = await call<UpgradePlanDetail>('upgrade.create', {
      ...labPlanInput(lab, target),
      options: { ...(labPlanInput(lab, target).options as object), reinstall: { mode: 'pxe', isoDir: iso, outDir: out, httpBase: 'http://10.0.0.2/outpost', tftpServer: '10.0.0.2' } },
    });
    expect(plan.state).toBe('draft');
    expect((await call<{ id: string; hostsTotal: number }[]>('upgrade.list', { site: 'lab' })).map((p) => [p.id, p.hostsTotal])).toEqual([[plan.id, 3]]);
    expect(plan.hosts.map((h) => h.name)).toEqual(preview.order);

    // The inventory now shows every host behind its desired build.
    const behind = await call<HostBuildRow[]>('upgrade.hosts', { site: 'lab', behindOnly: true });
    expect(behind.map((h) => h.name).sort()).toEqual([...lab.hosts].sort());
    expect(behind.every((h) => h.desiredBuild === target)).toBe(true);

    const play = reinstaller(lab, () => core.sql, target);
    try {
      await call('upgrade.run', { planId: plan.id });
      // One host at a time: never two hosts in maintenance mode at once.
      let maxInMaintenance = 0;
      const done = await until(
        'the rollout to finish',
        async () => {
          const s = await status(plan.id);
          const inMaint = (await core.sql.get(`SELECT count(*) AS n FROM upgrade_plan_hosts WHERE plan_id = ? AND state = 'running'`, [plan.id], z.object({ n: z.number() })))!.n;
          maxInMaintenance = Math.max(maxInMaintenance, inMaint);
          return s;
        },
        (s) => s.state !== 'running',
        120_000,
      );
      expect(done.state, JSON.stringify(done.hosts.map((h) => h.error))).toBe('succeeded');
      expect(maxInMaintenance).toBe(1);
      expect(play.reinstalled).toEqual(preview.order);
    } finally {
      play.stop();
    }

    const final = await status(plan.id);
    for (const h of final.hosts) {
      expect(h.state).toBe('succeeded');
      expect(h.steps.filter((s) => s.state !== 'skipped').map((s) => s.state)).toEqual(Array(h.steps.filter((s) => s.state !== 'skipped').length).fill('done'));
      expect(h.steps.find((s) => s.name === 'boot-iso')?.state).toBe('skipped');
      const sha256 = createHash('sha256').update('datastore dump\n').digest('hex');
      expect(h.backup).toMatchObject({ artefactPath: lab.backupPath, sha256, bytes: 15, offHost: { state: 'verified', kind: 'local', sha256, bytes: 15, error: null } });
      // The copy lies in the workstation's data folder, private, under the run's own name; no temp file is left.
      const copy = h.backup!.offHost.location;
      expect(copy).toBe(join(dir.path, 'upgrade-backups', 'lab', h.name, `${h.procedureId}-datastore-backup.sql`));
      expect(readFileSync(copy, 'utf8')).toBe('datastore dump\n');
      expect(statSync(copy).mode & 0o777).toBe(0o600);
      for (const d of [dirname(copy), dirname(dirname(copy)), join(dir.path, 'upgrade-backups')]) expect(statSync(d).mode & 0o777).toBe(0o700);
      expect(readdirSync(dirname(copy))).toEqual([basename(copy)]);
      expect(h.steps.map((s) => s.name).slice(1, 5)).toEqual(['backup', 'backup-copy', 'enter-maintenance', 'backup-verified']);
      expect(h.soak?.rounds).toBeGreaterThanOrEqual(1);
      expect(h.soak?.latest.map((p) => [p.probe, p.ok])).toEqual([
        ['log-scan', true],
        ['ssh', true],
        ['vcenter', true],
      ]);
      const hostNow = await live(h.name);
      expect(hostNow.build).toBe(target);
      const bootName = h.name.toLowerCase().replace(/_/g, '-');
      expect(existsSync(join(out, bootName, `http/hosts/${bootName}.ipxe`))).toBe(true);
      expect(readFileSync(join(out, bootName, `dhcp/isc-dhcpd/${bootName}.conf`), 'utf8')).toContain(`hardware ethernet 00:50:56:00:00:0${h.position + 1};`);
    }
    // vCenter: every host out of maintenance mode again (read through a fresh sync).
    await call('inventory.sync', { site: 'lab' });
    const hosts = await call<HostBuildRow[]>('upgrade.hosts', { site: 'lab' });
    expect(hosts.filter((h) => lab.hosts.includes(h.name)).map((h) => [h.build, h.inMaintenance, h.behind])).toEqual(lab.hosts.map(() => [target, false, false]));
    expect(readFileSync(lab.backupLog, 'utf8').trim().split('\n')).toHaveLength(3);
    expect(readFileSync(lab.configLog, 'utf8').trim().split('\n')).toHaveLength(3);

    const audit = JSON.stringify(await core.services.audit.list({ limit: 1000 }));
    for (const action of ['upgrade.create', 'upgrade.run', 'upgrade.backup', 'upgrade.backup-copy', 'upgrade.backup-verify', 'upgrade.host', 'upgrade.succeeded']) expect(audit).toContain(action);
    // Copied once and checked twice per host (after the copy, and again right before the reinstall).
    const rows = (await core.services.audit.list({ limit: 1000 })).entries;
    expect(rows.filter((r) => r.action === 'upgrade.backup-copy' && r.outcome === 'ok')).toHaveLength(3);
    expect(rows.filter((r) => r.action === 'upgrade.backup-verify' && r.outcome === 'ok')).toHaveLength(6);
    const backups = await call<{ host: string; offHost: { state: string; location: string } }[]>('upgrade.backups', { planId: plan.id });
    expect(backups.map((b) => [b.host, b.offHost.state])).toEqual(final.hosts.map((h) => [h.name, 'verified']));
    expect(audit).not.toContain('PRIVATE KEY');
  }, 180_000);

  it('copies the backup to an SSH target (sha256sum there), private, before the reinstall; upgrade.backups shows where', async () => {
    const target = nextBuild();
    const base = labPlanInput(lab, target);
    const store = lab.sshds[2]!;
    const root = join(dir.path, 'offsite', 'backups');
    const plan = await call<UpgradePlanDetail>('upgrade.create', {
      ...base,
      hosts: [lab.hosts[0]],
      hostSettings: (base.hostSettings as { name: string }[]).filter((h) => h.name === lab.hosts[0]),
      options: { ...(base.options as { backup: object }), backup: { ...(base.options as { backup: object }).backup, copyTo: { host: '127.0.0.1', port: store.port, credential: 'esx-root', path: root } } },
    });
    await call('upgrade.run', { planId: plan.id });
    // The boot gate waits: the check before the reinstall passed.
    const waiting = await until('the boot gate', () => status(plan.id), (s) => s.hosts[0]!.procedureState === 'waiting');
    const offHost = waiting.hosts[0]!.backup!.offHost;
    const sha256 = createHash('sha256').update('datastore dump\n').digest('hex');
    const path = join(root, 'lab', lab.hosts[0]!, `${waiting.hosts[0]!.procedureId}-datastore-backup.sql`);
    expect(offHost).toMatchObject({ state: 'verified', kind: 'ssh', location: `127.0.0.1:${store.port}:${path}`, sha256, bytes: 15 });
    // (The SSH target is this machine: its disk is readable here.)
    expect(readFileSync(path, 'utf8')).toBe('datastore dump\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    for (const d of [root, join(root, 'lab'), dirname(path)]) expect(statSync(d).mode & 0o777).toBe(0o700);
    expect(readdirSync(dirname(path))).toEqual([basename(path)]);
    expect(existsSync(join(dir.path, 'upgrade-backups'))).toBe(false);
    const listed = await call<{ planId: string; host: string; offHost: { location: string } }[]>('upgrade.backups', { site: 'lab' });
    expect(listed).toEqual([expect.objectContaining({ planId: plan.id, host: lab.hosts[0], sha256, bytes: 15, offHost: expect.objectContaining({ location: offHost.location }) })]);
    const copied = (await core.services.audit.list({ limit: 500 })).entries.find((r) => r.action === 'upgrade.backup-copy');
    expect(copied?.details).toMatchObject({ from: lab.backupPath, to: offHost.location, bytes: 15 });
    await call('upgrade.abort', { planId: plan.id });
    await until('the abort', () => status(plan.id), (s) => s.hosts[0]!.procedureState === 'cancelled');
  }, 60_000);

  it('a copy that cannot be made stops the host at backup-copy (BACKUP_NOT_VERIFIED): never in maintenance mode, no boot gate', async () => {
    const target = nextBuild();
    const base = labPlanInput(lab, target);
    const plan = await call<UpgradePlanDetail>('upgrade.create', {
      ...base,
      hosts: [lab.hosts[0]],
      hostSettings: (base.hostSettings as { name: string }[]).filter((h) => h.name === lab.hosts[0]),
      // Nothing listens on port 1: the backup server is unreachable.
      options: { ...(base.options as { backup: object }), backup: { ...(base.options as { backup: object }).backup, copyTo: { host: '127.0.0.1', port: 1, credential: 'esx-root', path: '/srv/outpost-backups' } } },
    });
    await call('upgrade.run', { planId: plan.id });
    const failed = await until('the plan to fail', () => status(plan.id), (s) => s.state !== 'running');
    expect(failed.state).toBe('failed');
    expect(failed.reason).toContain('failed at "backup-copy"');
    const h = failed.hosts[0]!;
    expect(h.error?.code).toBe('BACKUP_NOT_VERIFIED');
    expect(h.error?.message).toContain('127.0.0.1:1:/srv/outpost-backups/lab/');
    expect(h.backup?.offHost).toMatchObject({ state: 'failed', kind: 'ssh', verifiedAt: null, error: { code: 'BACKUP_NOT_VERIFIED' } });
    expect(h.steps.filter((s) => ['enter-maintenance', 'backup-verified', 'boot-iso'].includes(s.name)).map((s) => s.state)).toEqual(['pending', 'pending', 'pending']);
    expect((await live(h.name)).inMaintenance).toBe(false);
    const audit = (await core.services.audit.list({ limit: 500 })).entries;
    expect(audit.find((r) => r.action === 'upgrade.backup-copy')?.outcome).toBe('failed');
    await call('upgrade.abort', { planId: plan.id });
  }, 60_000);

  it('stops the rollout when a probe turns red mid-soak, and says which host and why', async () => {
    const target = nextBuild();
    const plan = await call<UpgradePlanDetail>('upgrade.create', { ...labPlanInput(lab, target), options: { ...(labPlanInput(lab, target).options as object), soakMinutes: 0.5, probeIntervalSeconds: 0.3 } });
    const first = plan.hosts[0]!.name;
    const play = reinstaller(lab, () => core.sql, target);
    try {
      await call('upgrade.run', { planId: plan.id });
      // The manual reinstall waits for the operator: approve the boot gate of the first host.
      const waiting = await until('the boot gate', () => status(plan.id), (s) => s.hosts[0]!.steps.some((x) => x.name === 'boot-iso' && x.state === 'waiting'));
      expect(waiting.hosts[0]!.steps.find((x) => x.name === 'boot-iso')!.gatePrompt).toContain(`Boot ${first} from the new ISO`);
      await call('procedures.approve', { id: waiting.hosts[0]!.procedureId });
      await until('the soak to run', () => status(plan.id), (s) => (s.hosts[0]!.soak?.rounds ?? 0) >= 2);
      appendLog(lab, `${new Date().toISOString()} cpu3: PANIC: lost heartbeat on ${first}`);
      const failed = await until('the plan to fail', () => status(plan.id), (s) => s.state !== 'running', 30_000);
      expect(failed.state).toBe('failed');
      expect(failed.reason).toContain(`${first} failed at "soak"`);
      expect(failed.reason).toContain('log-scan');
      expect(failed.hosts[0]!.error?.code).toBe('PROBE_FAILED');
      expect(failed.hosts.slice(1).map((h) => h.state)).toEqual(['pending', 'pending']);
      expect(failed.hosts[0]!.soak!.latest.find((p) => p.probe === 'log-scan')).toMatchObject({ ok: false });
      // The failed host stays in maintenance mode; the others never started.
      expect((await call<HostBuildRow[]>('upgrade.hosts', { site: 'lab' })).length).toBe(3);
      // Abort: the failed host's run is rolled back, which takes it out of maintenance mode.
      const aborted = await call<UpgradePlanDetail>('upgrade.abort', { planId: plan.id });
      expect(aborted.state).toBe('aborted');
      await until('the rollback', () => status(plan.id), (s) => s.hosts[0]!.procedureState === 'rolled-back');
    } finally {
      play.stop();
    }
  }, 120_000);

  it('a red vCenter alarm mid-soak fails the host too', async () => {
    const target = nextBuild();
    const plan = await call<UpgradePlanDetail>('upgrade.create', { ...labPlanInput(lab, target), options: { ...(labPlanInput(lab, target).options as object), reinstall: { mode: 'manual' }, soakMinutes: 0.5, probeIntervalSeconds: 0.3 } });
    const first = plan.hosts[0]!.name;
    const play = reinstaller(lab, () => core.sql, target);
    try {
      await call('upgrade.run', { planId: plan.id });
      const waiting = await until('the boot gate', () => status(plan.id), (s) => s.hosts[0]!.procedureState === 'waiting');
      await call('procedures.approve', { id: waiting.hosts[0]!.procedureId });
      await until('the soak to run', () => status(plan.id), (s) => (s.hosts[0]!.soak?.rounds ?? 0) >= 1);
      await controlHost(lab.vc, first, { status: 'red' });
      const failed = await until('the plan to fail', () => status(plan.id), (s) => s.state !== 'running', 30_000);
      expect(failed.state).toBe('failed');
      expect(failed.reason).toContain('vcenter');
      expect(failed.reason).toContain('red');
      await call('upgrade.abort', { planId: plan.id });
    } finally {
      play.stop();
    }
  }, 120_000);

  it('pause lets the current host finish and starts no other; resume continues; abort stops and takes the host out of maintenance', async () => {
    const target = nextBuild();
    const plan = await call<UpgradePlanDetail>('upgrade.create', labPlanInput(lab, target, { soakMinutes: 0.02, probeIntervalSeconds: 0.2 }));
    const play = reinstaller(lab, () => core.sql, target);
    try {
      await call('upgrade.run', { planId: plan.id });
      const waiting = await until('the first boot gate', () => status(plan.id), (s) => s.hosts[0]!.procedureState === 'waiting');
      expect((await call<UpgradePlanDetail>('upgrade.pause', { planId: plan.id })).state).toBe('paused');
      expect((await failure('upgrade.pause', { planId: plan.id })).code).toBe('CONFLICT');
      await call('procedures.approve', { id: waiting.hosts[0]!.procedureId });
      const paused = await until('the first host to finish', () => status(plan.id), (s) => s.hosts[0]!.state === 'succeeded');
      await new Promise((r) => setTimeout(r, 1000));
      const still = await status(plan.id);
      expect(still.state).toBe('paused');
      expect(still.hosts.slice(1).map((h) => h.state)).toEqual(['pending', 'pending']);
      expect(paused.hosts[0]!.state).toBe('succeeded');

      expect((await call<UpgradePlanDetail>('upgrade.resume', { planId: plan.id })).state).toBe('running');
      const second = await until('the second boot gate', () => status(plan.id), (s) => s.hosts[1]!.procedureState === 'waiting');
      const aborted = await call<UpgradePlanDetail>('upgrade.abort', { planId: plan.id });
      expect(aborted.state).toBe('aborted');
      const after = await until('the second run to be cancelled', () => status(plan.id), (s) => s.hosts[1]!.procedureState === 'cancelled');
      expect(after.hosts.map((h) => h.state)).toEqual(['succeeded', 'aborted', 'pending']);
      expect(second.hosts[1]!.name).toBe(plan.hosts[1]!.name);
      await call('inventory.sync', { site: 'lab' });
      const rows = await call<HostBuildRow[]>('upgrade.hosts', { site: 'lab' });
      expect(rows.find((r) => r.name === plan.hosts[1]!.name)!.inMaintenance).toBe(false);
      expect((await failure('upgrade.run', { planId: plan.id })).code).toBe('CONFLICT');
      const audit = JSON.stringify(await core.services.audit.list({ limit: 1000 }));
      for (const action of ['upgrade.pause', 'upgrade.resume', 'upgrade.abort', 'procedure.cancel']) expect(audit).toContain(action);
    } finally {
      play.stop();
    }
  }, 120_000);

  it.skipIf(!onPath('ansible-playbook'))('re-runs configuration with ansible-playbook and the inventory kept before the reinstall (host key checked, key file removed after)', async () => {
    const target = nextBuild();
    const playbook = join(dir.path, 'restore.yml');
    const marker = join(dir.path, 'ansible-ran');
    writeFileSync(
      playbook,
      `- hosts: all\n  gather_facts: false\n  tasks:\n    - ansible.builtin.shell: echo "{{ inventory_hostname }} {{ outpost_cluster }} {{ outpost_esxi_build }}" >> ${marker}\n`,
    );
    const base = labPlanInput(lab, target);
    const plan = await call<UpgradePlanDetail>('upgrade.create', {
      ...base,
      hosts: [lab.hosts[0]],
      hostSettings: (base.hostSettings as { name: string }[]).filter((h) => h.name === lab.hosts[0]),
      options: { ...(base.options as object), reinstall: { mode: 'manual' }, configure: { playbook, commands: [] }, soakMinutes: 0 },
    });
    const buildBefore = (await live(lab.hosts[0]!)).build;
    const ansibleDirs = (): string[] => readdirSync(tmpdir()).filter((n) => n.startsWith('outpost-ansible-'));
    const before = ansibleDirs();
    const play = reinstaller(lab, () => core.sql, target);
    try {
      await call('upgrade.run', { planId: plan.id });
      const waiting = await until('the boot gate', () => status(plan.id), (s) => s.hosts[0]!.procedureState === 'waiting');
      await call('procedures.approve', { id: waiting.hosts[0]!.procedureId });
      const done = await until('the host to finish', () => status(plan.id), (s) => s.state !== 'running', 90_000);
      expect(done.state, JSON.stringify(done.hosts[0]!.error)).toBe('succeeded');
    } finally {
      play.stop();
    }
    // The playbook ran against this host only, with the inventory's variables for it.
    // ... from the inventory kept before the reinstall (seed 002: re-run Ansible with the old inventory file).
    expect(readFileSync(marker, 'utf8').trim()).toBe(`${lab.hosts[0]} ${lab.cluster} ${buildBefore}`);
    expect(buildBefore).not.toBe(target);
    const configure = (await core.services.engine.store.steps(plan.hosts[0]!.procedureId ?? (await status(plan.id)).hosts[0]!.procedureId!)).find((s) => s.name === 'configure');
    expect(configure?.output).toEqual({ via: 'ansible', playbook });
    expect(JSON.stringify(await core.services.audit.list({ limit: 500 }))).toContain('upgrade.ansible');
    // The inventory and the ssh-agent's socket lived in a private temp folder that is gone again (the key itself was never on disk).
    expect(ansibleDirs().filter((d) => !before.includes(d))).toEqual([]);
  }, 120_000);

  it('refuses bad input with one clear error and keeps nothing; refuses a second rollout while one runs', async () => {
    expect((await failure('upgrade.plan', { site: 'lab', targetBuild: '1' })).code).toBe('VALIDATION');
    expect((await failure('upgrade.plan', { site: 'lab', cluster: 'nope', targetBuild: '1' })).code).toBe('NOT_FOUND');
    expect((await failure('upgrade.plan', { site: 'lab', cluster: lab.cluster, targetBuild: 'bad build!' })).code).toBe('VALIDATION');
    expect((await failure('upgrade.create', { ...labPlanInput(lab, '99'), options: { ssh: { credential: 'esx-root' }, reinstall: { mode: 'pxe', isoDir: 'relative', outDir: '/tmp', httpBase: 'x', tftpServer: '1' } } })).code).toBe('VALIDATION');
    expect((await failure('upgrade.status', { planId: '00000000-0000-4000-8000-000000000000' })).code).toBe('NOT_FOUND');
    expect((await core.sql.get('SELECT count(*) AS n FROM upgrade_plans', [], z.object({ n: z.number() })))!.n).toBe(0);

    // A host is in one active plan at a time; one rollout at a time: a second plan cannot run while the first does.
    const target = nextBuild();
    const only = (i: number): Record<string, unknown> => {
      const base = labPlanInput(lab, target);
      return { ...base, hosts: [lab.hosts[i]], hostSettings: (base.hostSettings as { name: string }[]).filter((h) => h.name === lab.hosts[i]) };
    };
    const a = await call<UpgradePlanDetail>('upgrade.create', only(0));
    const taken = await failure('upgrade.create', labPlanInput(lab, target));
    expect(taken.code).toBe('UPGRADE_CONFLICT');
    expect(taken.message).toContain(a.id);
    const b = await call<UpgradePlanDetail>('upgrade.create', only(1));
    await call('upgrade.run', { planId: a.id });
    const busy = await failure('upgrade.run', { planId: b.id });
    expect(busy.code).toBe('UPGRADE_CONFLICT');
    expect(busy.message).toContain(a.id);
    await until('the first host to wait at its boot gate', () => status(a.id), (s) => s.hosts[0]!.procedureState === 'waiting');
    await call('upgrade.abort', { planId: a.id });
    await until('the abort to undo the first host', () => status(a.id), (s) => s.hosts[0]!.procedureState === 'cancelled');
    expect((await call<UpgradePlanDetail>('upgrade.run', { planId: b.id })).state).toBe('running');
    await until('the second plan to wait at its boot gate', () => status(b.id), (s) => s.hosts[0]!.procedureState === 'waiting');
    await call('upgrade.abort', { planId: b.id });
    await until('the abort to undo', () => status(b.id), (s) => s.hosts[0]!.procedureState === 'cancelled');
    // An ended plan gives its hosts back.
    expect((await call<UpgradePlanDetail>('upgrade.create', only(0))).state).toBe('draft');
  });

  it('exports the inventory for Ansible in INI and YAML, and ansible-inventory reads both the same', async () => {
    const ini = await call<{ text: string; hosts: number; enrolledVms: number }>('ansibleInventory.export', { site: 'lab', format: 'ini' });
    const yaml = await call<{ text: string }>('ansibleInventory.export', { site: 'lab', format: 'yaml' });
    expect(ini.hosts).toBe(3);
    for (const h of lab.hosts) expect(ini.text).toContain(h);
    expect(yaml.text).toContain('cluster_lab_dc0_c0');
    expect(ini.enrolledVms).toBe(0);
  });
});
