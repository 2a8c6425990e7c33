import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

const STEPS = ['pre-checks', 'backup', 'enter-maintenance', 'write-pxe', 'wait-reconnect', 'configure', 'soak-start', 'soak', 'exit-maintenance'];
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
    execFileSync(process.execPath, [join(root, 'scripts', 'build-node.mjs')]);
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
  async function planned(dir: string): Promise<{ dbPath: string; planId: string; target: string }> {
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
      const { dbPath, target } = await planned(dir.path);
      const created = await outpost(dbPath, [
        '--json', 'upgrade', 'plan', '--site', 'lab', '--cluster', lab.cluster, '--host', HOST, '--target-build', `${target}1`,
        '--ssh-credential', 'esx-root', '--host-ssh', `${HOST}=127.0.0.1:${lab.sshds[0]!.port}`, '--reinstall', 'manual', '--soak-minutes', '0', '--reconnect-poll', '0.2',
      ]);
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

  const cases: [string, string][] = [
    ...STEPS.flatMap((s) => [['kill-before', s] as [string, string], ['kill-after', s] as [string, string]]),
    ['kill-during', 'backup'],
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
          ...STEPS.slice(0, 4).map((s) => [s, 'done']),
          ['boot-iso', 'skipped'],
          ...STEPS.slice(4).map((s) => [s, 'done']),
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
        // The backup ran again only when it was interrupted before it committed.
        const backups = readFileSync(lab.backupLog, 'utf8').trim().split('\n').length;
        expect(backups).toBe(step === 'backup' && phase === 'kill-during' ? 2 : 1);
      } finally {
        dir.remove();
      }
    }, 120_000);
  }
});
