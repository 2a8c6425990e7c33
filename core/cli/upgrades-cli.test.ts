import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '../../test/temp-dir.js';
import { controlHost, vcsimUnavailable } from '../../test/peers/vcsim.js';
import { sshdAvailable } from '../../test/peers/openssh-server.js';
import { prepareUpgradeCore, reinstaller, startUpgradeLab, type UpgradeLab } from '../../test/fixtures/upgrade-lab.js';
import type { UpgradePlanDetail } from '../contract/upgrades.js';
import { openStore, type Store } from '../db/store.js';
import { createOutpostCore } from '../server/core.js';
import { defaultKdf } from '../vault/passphrase-cipher.js';

const root = join(import.meta.dirname, '..', '..');
const bin = join(root, 'bin', 'outpost.mjs');
const passphrase = 'upgrade cli tests';
const unavailable = vcsimUnavailable() ?? (sshdAvailable() ? null : 'OpenSSH sshd is not installed');
if (unavailable) console.log(`upgrade CLI tests skipped: ${unavailable}`);

const STEPS = ['pre-checks', 'backup', 'backup-copy', 'enter-maintenance', 'backup-verified', 'write-pxe', 'wait-reconnect', 'configure', 'soak-start', 'soak', 'exit-maintenance'];
const HOST = 'DC0_C0_H0';

interface Ran {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The built CLI as an operator runs it (async, so the test can play the host's reinstall meanwhile). */
function outpost(dbPath: string, args: string[], fault = ''): Promise<Ran> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, '--db', dbPath, ...args], { env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: passphrase, OUTPOST_FAULT: fault }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

describe.skipIf(unavailable !== null)('outpost upgrade / ansible-inventory (built binary, vcsim + sshd); kill -9 at every step resumes', () => {
  let labDir: ReturnType<typeof tempDir>;
  let lab: UpgradeLab;
  let iso: string;
  let build = 0;

  beforeAll(async () => {
    labDir = tempDir();
    lab = await startUpgradeLab(labDir.path, 3);
    iso = join(labDir.path, 'iso');
    mkdirSync(join(iso, 'efi', 'boot'), { recursive: true });
    writeFileSync(join(iso, 'boot.cfg'), 'bootstate=0\ntitle=Loading ESXi installer\nprefix=\nkernel=/b.b00\nkernelopt=runweasel\nmodules=/k.b00\nbuild=8.0.3\n');
    for (const f of ['b.b00', 'k.b00', 'efi/boot/bootx64.efi']) writeFileSync(join(iso, f), f);
  }, 180_000);
  afterAll(async () => {
    await lab?.stop();
    labDir?.remove();
  });

  /** A fresh store prepared as an operator would, and a one-host plan saved through the CLI. */
  async function planned(dir: string, extra: string[] = []): Promise<{ dbPath: string; planId: string; target: string }> {
    const dbPath = join(dir, 'outpost.db');
    const core = await createOutpostCore({ dataDir: dir, dbPath, transport: 'test', kdf: { ...defaultKdf, N: 2 ** 10 }, passphrase });
    try {
      await prepareUpgradeCore(async (command, input) => {
        const r = await core.dispatch(command, input, { actor: 'tester' });
        if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
        return r.value as never;
      }, lab);
    } finally {
      await core.close();
    }
    const target = `3100${++build}00`;
    writeFileSync(lab.backupLog, '');
    const plan = await outpost(dbPath, [
      '--json', 'upgrade', 'plan', '--site', 'lab', '--cluster', lab.cluster, '--host', HOST, '--target-build', target,
      '--ssh-credential', 'esx-root', '--host-ssh', `${HOST}=127.0.0.1:${lab.sshds[0]!.port}`,
      '--backup-command', `echo "$(date +%s%N)" >> ${lab.backupLog} && printf 'datastore dump\\n' > ${lab.backupPath}`, '--backup-artefact', lab.backupPath,
      '--reinstall', 'pxe', '--iso-dir', iso, '--out', join(dir, 'boot'), '--http-base', 'http://10.0.0.2/outpost', '--tftp-server', '10.0.0.2', '--host-mac', `${HOST}=00:50:56:00:00:01`,
      '--config-command', `echo configured >> ${lab.configLog}`,
      '--soak-minutes', '0.02', '--probe-interval', '0.3', '--reconnect-poll', '0.2',
      '--log-path', lab.logPath, '--error-pattern', 'PANIC',
      ...extra,
    ]);
    expect(plan.code, plan.stderr).toBe(0);
    const detail = JSON.parse(plan.stdout) as UpgradePlanDetail;
    expect(detail.options.soakMinutes).toBe(0.02);
    return { dbPath, planId: detail.id, target };
  }

  /** Plays the reinstall against this store while `work` runs. */
  async function withReinstaller<T>(dbPath: string, target: string, work: () => Promise<T>): Promise<T> {
    const held: { store: Promise<Store> | null } = { store: null };
    const play = reinstaller(lab, async () => (await (held.store ??= openStore(dbPath))).sql, target);
    try {
      return await work();
    } finally {
      play.stop();
      if (held.store) await (await held.store).close();
    }
  }

  it('plan --dry-run previews; plan saves; run drives the host to the target build; status and ansible-inventory read it back', async () => {
    const dir = tempDir();
    try {
      const { dbPath, planId, target } = await planned(dir.path);
      const dry = await outpost(dbPath, ['upgrade', 'plan', '--site', 'lab', '--cluster', lab.cluster, '--target-build', target, '--dry-run']);
      expect(dry.code, dry.stderr).toBe(0);
      expect(dry.stdout).toContain('one host at a time');
      expect(dry.stdout).toContain(HOST);
      const bad = await outpost(dbPath, ['upgrade', 'plan', '--site', 'lab', '--target-build', 'x y']);
      expect(bad.code).toBe(2);
      expect(bad.stderr.trim().split('\n')).toHaveLength(1);

      const run = await withReinstaller(dbPath, target, () => outpost(dbPath, ['upgrade', 'run', planId]));
      expect(run.code, run.stdout + run.stderr).toBe(0);
      expect(run.stdout).toContain(`Plan ${planId}: succeeded`);
      const status = JSON.parse((await outpost(dbPath, ['--json', 'upgrade', 'status', planId])).stdout) as UpgradePlanDetail;
      expect(status.hosts[0]!.state).toBe('succeeded');
      expect((await controlHost(lab.vc, HOST, {})).build).toBe(target);

      const ini = await outpost(dbPath, ['ansible-inventory', '--site', 'lab']);
      expect(ini.code).toBe(0);
      expect(ini.stdout).toContain('[cluster_lab_dc0_c0]');
      const yaml = await outpost(dbPath, ['ansible-inventory', '--site', 'lab', '--format', 'yaml']);
      expect(yaml.stdout).toContain('cluster_lab_dc0_c0:');
      // ansible-inventory itself reads both files the same way (when Ansible is installed here).
      if (execFileSync('sh', ['-c', 'command -v ansible-inventory || true'], { encoding: 'utf8' }).trim()) {
        const read = (text: string, name: string): unknown => {
          const file = join(dir.path, name);
          writeFileSync(file, text);
          return JSON.parse(execFileSync('ansible-inventory', ['-i', file, '--list'], { encoding: 'utf8', env: { ...process.env, ANSIBLE_HOME: join(dir.path, 'ah'), ANSIBLE_LOCAL_TEMP: join(dir.path, 'at') } }));
        };
        expect(read(ini.stdout, 'inv.ini')).toEqual(read(yaml.stdout, 'inv.yml'));
      }
      const badFormat = await outpost(dbPath, ['ansible-inventory', '--format', 'toml']);
      expect(badFormat.code).toBe(2);
    } finally {
      dir.remove();
    }
  }, 120_000);

  it('a manual reinstall: run stops at the boot gate (exit 3), procedures approve drives the host, run again finishes the plan', async () => {
    const dir = tempDir();
    try {
      const { dbPath, planId: pxePlan, target } = await planned(dir.path);
      const manualPlan = [
        '--json', 'upgrade', 'plan', '--site', 'lab', '--cluster', lab.cluster, '--host', HOST, '--target-build', `${target}1`,
        '--ssh-credential', 'esx-root', '--host-ssh', `${HOST}=127.0.0.1:${lab.sshds[0]!.port}`, '--reinstall', 'manual', '--soak-minutes', '0', '--reconnect-poll', '0.2',
      ];
      // The host is in the PXE plan: a second plan for it is refused until that one is aborted.
      const refused = await outpost(dbPath, manualPlan);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('UPGRADE_CONFLICT');
      expect(refused.stderr).toContain(pxePlan);
      expect((await outpost(dbPath, ['upgrade', 'abort', pxePlan])).code).toBe(0);
      const created = await outpost(dbPath, manualPlan);
      expect(created.code, created.stderr).toBe(0);
      const planId = (JSON.parse(created.stdout) as UpgradePlanDetail).id;
      const first = await outpost(dbPath, ['upgrade', 'run', planId]);
      expect(first.code, first.stderr).toBe(3);
      expect(first.stdout).toContain(`Boot ${HOST} from the new ISO`);
      const runId = /outpost procedures approve (\S+)/.exec(first.stdout)?.[1];
      expect(runId).toBeTruthy();
      const approved = await withReinstaller(dbPath, `${target}1`, () => outpost(dbPath, ['procedures', 'approve', runId!]));
      expect(approved.code, approved.stdout + approved.stderr).toBe(0);
      const last = await outpost(dbPath, ['upgrade', 'run', planId]);
      expect(last.code, last.stdout + last.stderr).toBe(0);
      expect(last.stdout).toContain(`Plan ${planId}: succeeded`);
      const list = await outpost(dbPath, ['upgrade', 'list']);
      expect(list.stdout).toContain(planId);
      const hosts = JSON.parse((await outpost(dbPath, ['--json', 'upgrade', 'hosts', '--site', 'lab'])).stdout) as { name: string; desiredBuild: string | null }[];
      expect(hosts.find((h) => h.name === HOST)?.desiredBuild).toBe(`${target}1`);
    } finally {
      dir.remove();
    }
  }, 120_000);

  const copies = (dir: string): string[] => {
    const folder = join(dir, 'upgrade-backups', 'lab', HOST);
    return existsSync(folder) ? readdirSync(folder) : [];
  };
  const sha256Of = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

  it('plan --backup-to names the SSH server for the copies; a malformed one is refused before anything is saved', async () => {
    const dir = tempDir();
    try {
      const port = lab.sshds[1]!.port;
      const { dbPath, planId } = await planned(dir.path, ['--backup-to', `backup@127.0.0.1:${port}:/srv/outpost-backups`, '--backup-to-credential', 'esx-root']);
      const status = JSON.parse((await outpost(dbPath, ['--json', 'upgrade', 'status', planId])).stdout) as UpgradePlanDetail;
      expect(status.options.backup?.copyTo).toEqual({ host: '127.0.0.1', port, user: 'backup', credential: 'esx-root', path: '/srv/outpost-backups' });
      for (const [args, message] of [
        [['--backup-to', 'backup01:relative/dir', '--backup-to-credential', 'esx-root'], '--backup-to takes [USER@]HOST[:PORT]:/ABSOLUTE/PATH'],
        [['--backup-to', 'backup01:/srv/b'], '--backup-to needs --backup-to-credential'],
      ] as const) {
        const bad = await outpost(dbPath, ['upgrade', 'plan', '--site', 'lab', '--cluster', lab.cluster, '--host', HOST, '--target-build', '999', '--ssh-credential', 'esx-root', '--backup-command', 'true', '--backup-artefact', '/tmp/x', ...args]);
        expect(bad.code).toBe(2);
        expect(bad.stderr).toContain(message);
        expect(bad.stderr.trim().split('\n')).toHaveLength(1);
      }
      expect(JSON.parse((await outpost(dbPath, ['--json', 'upgrade', 'list'])).stdout)).toHaveLength(1);
    } finally {
      dir.remove();
    }
  }, 60_000);

  it('kill -9 mid-copy leaves only a .partial file that is never taken for the copy; the resumed run copies again and verifies', async () => {
    const dir = tempDir();
    try {
      // 3 MB of random bytes: the copy takes many SFTP reads, so the kill lands with part of it on disk.
      const { dbPath, planId, target } = await planned(dir.path, ['--backup-command', `head -c 3000000 /dev/urandom > ${lab.backupPath}`]);
      const first = await withReinstaller(dbPath, target, () => outpost(dbPath, ['upgrade', 'run', planId], 'kill-during:host.upgrade/backup-copy'));
      expect(first.signal, first.stdout + first.stderr).toBe('SIGKILL');
      const left = copies(dir.path);
      expect(left).toHaveLength(1);
      expect(left[0]).toMatch(/\.partial$/);
      const partial = statSync(join(dir.path, 'upgrade-backups', 'lab', HOST, left[0]!)).size;
      expect(partial).toBeGreaterThan(0);
      expect(partial).toBeLessThan(3_000_000);
      const between = JSON.parse((await outpost(dbPath, ['--json', 'upgrade', 'backups', '--plan', planId])).stdout) as { offHost: { state: string; verifiedAt: string | null } }[];
      expect(between.map((b) => [b.offHost.state, b.offHost.verifiedAt])).toEqual([['pending', null]]);

      const second = await withReinstaller(dbPath, target, () => outpost(dbPath, ['--json', 'upgrade', 'run', planId]));
      expect(second.code, second.stdout + second.stderr).toBe(0);
      const detail = JSON.parse(second.stdout) as UpgradePlanDetail;
      expect(detail.state).toBe('succeeded');
      const name = `${detail.hosts[0]!.procedureId}-datastore-backup.sql`;
      expect(copies(dir.path)).toEqual([name]);
      const copy = join(dir.path, 'upgrade-backups', 'lab', HOST, name);
      expect(statSync(copy).size).toBe(3_000_000);
      expect(sha256Of(copy)).toBe(sha256Of(lab.backupPath));
      expect(detail.hosts[0]!.backup?.offHost).toMatchObject({ state: 'verified', location: copy, sha256: sha256Of(lab.backupPath), bytes: 3_000_000 });
      const table = await outpost(dbPath, ['upgrade', 'backups', '--plan', planId]);
      expect(table.stdout).toContain(copy);
      expect(table.stdout).toContain('verified');
    } finally {
      dir.remove();
    }
  }, 120_000);

  it('the backup on the host no longer matches its checksum: the run stops at backup-copy with BACKUP_NOT_VERIFIED, nothing is wiped or kept', async () => {
    const dir = tempDir();
    try {
      const { dbPath, planId, target } = await planned(dir.path);
      const first = await outpost(dbPath, ['upgrade', 'run', planId], 'kill-after:host.upgrade/backup');
      expect(first.signal).toBe('SIGKILL');
      // The host's checksum (recorded) and the bytes that are copied now differ.
      writeFileSync(lab.backupPath, 'datastore dump, altered\n');
      const second = await withReinstaller(dbPath, target, () => outpost(dbPath, ['--json', 'upgrade', 'run', planId]));
      expect(second.code, second.stdout + second.stderr).toBe(1);
      const detail = JSON.parse(second.stdout) as UpgradePlanDetail;
      expect(detail.state).toBe('failed');
      expect(detail.reason).toContain('failed at "backup-copy"');
      expect(detail.hosts[0]!.error?.code).toBe('BACKUP_NOT_VERIFIED');
      expect(detail.hosts[0]!.error?.message).toContain('does not match the host');
      const steps = Object.fromEntries(detail.hosts[0]!.steps.map((s) => [s.name, s.state]));
      expect([steps['backup-copy'], steps['enter-maintenance'], steps['backup-verified'], steps['write-pxe']]).toEqual(['failed', 'pending', 'pending', 'pending']);
      expect(existsSync(join(dir.path, 'boot'))).toBe(false);
      expect(await controlHost(lab.vc, HOST, {})).toMatchObject({ inMaintenance: false });
      expect(copies(dir.path)).toEqual([]);
      const rows = await outpost(dbPath, ['upgrade', 'backups', '--plan', planId]);
      expect(rows.stdout).toContain('FAILED (BACKUP_NOT_VERIFIED)');
      const db = await openStore(dbPath);
      try {
        expect(await db.sql.all(`SELECT outcome FROM audit_log WHERE action = 'upgrade.backup-verify'`, [], z.object({ outcome: z.string() }))).toEqual([{ outcome: 'failed' }]);
      } finally {
        await db.close();
      }
    } finally {
      dir.remove();
    }
  }, 120_000);

  it('the verified copy altered afterwards: the check right before the reinstall refuses it (BACKUP_NOT_VERIFIED), no boot files are written', async () => {
    const dir = tempDir();
    try {
      const { dbPath, planId, target } = await planned(dir.path);
      const first = await outpost(dbPath, ['upgrade', 'run', planId], 'kill-after:host.upgrade/backup-copy');
      expect(first.signal).toBe('SIGKILL');
      const [name] = copies(dir.path);
      writeFileSync(join(dir.path, 'upgrade-backups', 'lab', HOST, name!), 'datastore dump\n\0');
      const second = await withReinstaller(dbPath, target, () => outpost(dbPath, ['--json', 'upgrade', 'run', planId]));
      expect(second.code, second.stdout + second.stderr).toBe(1);
      const detail = JSON.parse(second.stdout) as UpgradePlanDetail;
      expect(detail.reason).toContain('failed at "backup-verified"');
      expect(detail.hosts[0]!.error?.code).toBe('BACKUP_NOT_VERIFIED');
      expect(detail.hosts[0]!.steps.find((s) => s.name === 'write-pxe')?.state).toBe('pending');
      expect(detail.hosts[0]!.backup?.offHost.state).toBe('failed');
      expect(existsSync(join(dir.path, 'boot'))).toBe(false);
      // The host stays in maintenance mode (a failed step stops there); rolling the run back takes it out.
      expect(await controlHost(lab.vc, HOST, {})).toMatchObject({ inMaintenance: true });
      await outpost(dbPath, ['procedures', 'rollback', detail.hosts[0]!.procedureId!]);
      expect(await controlHost(lab.vc, HOST, {})).toMatchObject({ inMaintenance: false });
    } finally {
      dir.remove();
    }
  }, 120_000);

  // kill-after a step leaves its effect on the host done but uncommitted (the resumed run must redo
  // it safely); kill-during cuts the host-side work itself. kill-before (the step marked running,
  // nothing done yet) is the engine's own resume path, proven in core/procedures/crash-resume.test.ts;
  // here it is kept for the first step only (a run killed before it touched the host).
  const cases: [string, string][] = [
    ['kill-before', STEPS[0]!],
    ...STEPS.map((s) => ['kill-after', s] as [string, string]),
    ['kill-during', 'backup'],
    ['kill-during', 'backup-copy'],
    ['kill-during', 'enter-maintenance'],
    ['kill-during', 'exit-maintenance'],
  ];
  for (const [phase, step] of cases) {
    it(`${phase} "${step}": the next \`outpost upgrade run\` resumes to the target build, each step committed once`, async () => {
      const dir = tempDir();
      try {
        const { dbPath, planId, target } = await planned(dir.path);
        const first = await withReinstaller(dbPath, target, () => outpost(dbPath, ['upgrade', 'run', planId], `${phase}:host.upgrade/${step}`));
        expect(first.signal, first.stdout + first.stderr).toBe('SIGKILL');
        const second = await withReinstaller(dbPath, target, () => outpost(dbPath, ['--json', 'upgrade', 'run', planId]));
        expect(second.code, second.stdout + second.stderr).toBe(0);
        const detail = JSON.parse(second.stdout) as UpgradePlanDetail;
        expect(detail.state).toBe('succeeded');
        expect(detail.hosts[0]!.steps.map((s) => [s.name, s.state])).toEqual([
          ...STEPS.slice(0, 6).map((s) => [s, 'done']),
          ['boot-iso', 'skipped'],
          ...STEPS.slice(6).map((s) => [s, 'done']),
        ]);
        const host = await controlHost(lab.vc, HOST, {});
        expect(host.build).toBe(target);
        expect(host.inMaintenance).toBe(false);
        const db = await openStore(dbPath);
        try {
          const stepAudits = await db.sql.all(`SELECT json_extract(details, '$.step') AS step FROM audit_log WHERE action = 'procedure.step' AND outcome = 'ok'`, [], z.object({ step: z.string() }));
          expect(stepAudits.map((r) => r.step).sort()).toEqual([...STEPS].sort());
          expect((await db.sql.get(`SELECT count(*) AS n FROM audit_log WHERE action = 'upgrade.succeeded'`, [], z.object({ n: z.number() })))!.n).toBe(1);
          expect((await db.sql.get(`SELECT count(*) AS n FROM procedures`, [], z.object({ n: z.number() })))!.n).toBe(1);
        } finally {
          await db.close();
        }
        // One verified copy off the host, no temp file beside it.
        expect(readdirSync(join(dir.path, 'upgrade-backups', 'lab', HOST))).toEqual([`${detail.hosts[0]!.procedureId}-datastore-backup.sql`]);
        expect(detail.hosts[0]!.backup?.offHost.state).toBe('verified');
        // The backup ran again only when it was interrupted before it committed.
        const backups = readFileSync(lab.backupLog, 'utf8').trim().split('\n').length;
        expect(backups).toBe(step === 'backup' && phase === 'kill-during' ? 2 : 1);
      } finally {
        dir.remove();
      }
    }, 120_000);
  }
});
