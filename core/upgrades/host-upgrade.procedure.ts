import { basename, join } from 'node:path';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import { upgradeOptionsSchema, type ProbeResult } from '../contract/upgrades.js';
import { shellQuote } from '../ssh/shell-quote.js';
import { onPath, type HostUpgradeOperations } from './host-operations.js';
import { planPxeBundle, writePxeBundle } from './pxe-artefacts.js';
import { readHostHealth } from '../vsphere/host-health.js';
import { enterMaintenanceMode, exitMaintenanceMode } from '../vsphere/host-maintenance.js';
import { readHostState } from '../vsphere/host-state.js';
import type { MoRef } from '../vsphere/xml.js';
import { faultPoint } from '../procedures/fault-injection.js';
import { defineProcedure, type StepRun } from '../procedures/procedure.js';
import type { AuditLog } from '../audit/audit-log.js';

/** What the host-upgrade steps use; the composition root's services object has them. */
export interface HostUpgradeProcedureServices {
  audit: AuditLog;
  upgrades: HostUpgradeOperations;
}

export const HOST_UPGRADE = 'host.upgrade';

const contextSchema = z.object({
  planId: z.string(),
  site: z.string(),
  hostName: z.string(),
  hostMoref: z.string(),
  targetBuild: z.string(),
  targetVersion: z.string().nullable(),
  options: upgradeOptionsSchema,
  ssh: z.object({ host: z.string(), port: z.number().int(), user: z.string().optional(), credential: z.string() }),
  mac: z.string().optional(),
  ip: z.string().optional(),
  /** Set by soak-start: when the soak ends (kept across a restart, so the soak is not started over). */
  soakUntil: z.string().optional(),
  /** Set by soak-start: the log's size then; the scan reads only what the host wrote after it. */
  logOffset: z.number().int().optional(),
  /** Set by pre-checks: the Ansible inventory as it was before the upgrade (seed 002: "copy the inventory file", re-run with it). */
  inventoryYaml: z.string().optional(),
});
export type HostUpgradeContext = z.infer<typeof contextSchema>;

/** The backup step's output and the copy step's, read back by later steps (the database is input too). */
export const recordedBackup = z.object({ artefactPath: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/), bytes: z.number().int().nonnegative() });
export const offHostCopy = z.object({ kind: z.enum(['local', 'ssh']), location: z.string(), path: z.string(), sha256: z.string(), bytes: z.number(), verifiedAt: z.string() });

type Run = StepRun<HostUpgradeContext, HostUpgradeProcedureServices>;

const ops = (s: Run): HostUpgradeOperations => s.services.upgrades;
const hostRef = (c: HostUpgradeContext): MoRef => ({ type: 'HostSystem', value: c.hostMoref });
const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(t);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });

/** One round of soak probes; a probe that cannot run is red too. */
async function probeRound(s: Run): Promise<Omit<ProbeResult, 'round'>[]> {
  const c = s.context;
  const at = (): string => new Date().toISOString();
  const results: Omit<ProbeResult, 'round'>[] = [];
  try {
    await ops(s).run(c.ssh, 'true', 'The SSH probe', { timeoutMs: 15_000, signal: s.signal });
    results.push({ probe: 'ssh', ok: true, detail: `reachable at ${c.ssh.host}:${c.ssh.port}`, at: at() });
  } catch (err) {
    results.push({ probe: 'ssh', ok: false, detail: `unreachable: ${(err as Error).message}`, at: at() });
  }
  const scan = c.options.logScan;
  if (scan) {
    const patterns = scan.errorPatterns.flatMap((p) => ['-e', p]);
    const command = `test -r ${shellQuote([scan.path])} || { echo "cannot read ${scan.path.replace(/[^A-Za-z0-9/._-]/g, '?')}" >&2; exit 3; }; tail -c +${(c.logOffset ?? 0) + 1} -- ${shellQuote([scan.path])} | grep -E ${shellQuote(patterns)} | head -n 20`;
    try {
      const out = (await ops(s).run(c.ssh, command, 'The log scan', { timeoutMs: 60_000, signal: s.signal })).trim();
      const lines = out ? out.split('\n') : [];
      results.push({
        probe: 'log-scan',
        ok: lines.length === 0,
        detail: lines.length === 0 ? `no line of ${scan.path} matches since the soak began` : `${lines.length}${lines.length >= 20 ? '+' : ''} new line(s) in ${scan.path} match an error pattern; first: ${lines[0]!.slice(0, 300)}`,
        at: at(),
      });
    } catch (err) {
      results.push({ probe: 'log-scan', ok: false, detail: (err as Error).message, at: at() });
    }
  }
  try {
    const { state, health } = await ops(s).vcenter(c.site, async (session) => ({ state: await readHostState(session, hostRef(c)), health: await readHostHealth(session, hostRef(c)) }));
    const red = health.alarms.filter((a) => a.status === 'red');
    const ok = state.connectionState === 'connected' && health.overallStatus !== 'red' && red.length === 0;
    results.push({
      probe: 'vcenter',
      ok,
      detail: ok
        ? `connected, overall status ${health.overallStatus}, ${health.alarms.length} alarm(s)`
        : `${state.connectionState}, overall status ${health.overallStatus}${red.length ? `, red alarm(s): ${red.map((a) => a.alarm).join(', ')}` : ''}`,
      at: at(),
    });
  } catch (err) {
    results.push({ probe: 'vcenter', ok: false, detail: `vCenter could not be asked: ${(err as Error).message}`, at: at() });
  }
  return results;
}

/**
 * Seed 002's quarterly upgrade of one host, as a durable runbook: pre-checks, backup (copied off the
 * host and checked there: no reinstall without it), maintenance mode, reinstall (PXE artefacts or a manual boot), back at the target build, configuration
 * again, a soak with health probes, out of maintenance mode. A failed step stops the run and
 * leaves the host in maintenance mode (retry, or roll back, which takes it out again).
 */
export const hostUpgrade = defineProcedure<HostUpgradeContext, HostUpgradeProcedureServices>({
  kind: HOST_UPGRADE,
  title: 'Upgrade a host',
  context: contextSchema,
  target: (c) => `${c.site}/${c.hostName}`,
  onFailure: 'stop',
  steps: [
    {
      name: 'pre-checks',
      title: 'Pre-checks: host connected, cluster capacity, no other upgrade running',
      async run(s) {
        const c = s.context;
        const other = await ops(s).otherActiveUpgrade(c.planId, s.procedureId);
        if (other) throw new OutpostError('CONFLICT', `Another upgrade is running (${other}); one rollout at a time.`);
        const state = await ops(s).vcenter(c.site, (session) => readHostState(session, hostRef(c)));
        if (state.connectionState !== 'connected') throw new OutpostError('CONFLICT', `${c.hostName} is ${state.connectionState} in vCenter; reconnect it before upgrading.`);
        const capacity = await ops(s).clusterCapacity(c.site, c.hostMoref);
        if (capacity.canLose < 1 && !state.inMaintenanceMode) {
          throw new OutpostError('CONFLICT', `The cluster of ${c.hostName} cannot lose a host and keep its running VMs; add capacity or power VMs off first.`);
        }
        s.log('info', `${c.hostName}: build ${state.build ?? '?'} → ${c.targetBuild}; the cluster can lose ${capacity.canLose} host(s)`);
        // Keep the inventory as it is now: the configuration step restores the host from it (a resumed run keeps the first copy).
        const inventoryYaml = c.inventoryYaml ?? await ops(s).inventoryYaml(c.site);
        return { output: { build: state.build, version: state.version, canLose: capacity.canLose, inMaintenance: state.inMaintenanceMode }, context: { inventoryYaml } };
      },
    },
    {
      name: 'backup',
      title: 'Back up (operator command over SSH; artefact checksum recorded)',
      when: (c) => c.options.backup !== null,
      async run(s) {
        const c = s.context;
        const backup = c.options.backup!;
        await ops(s).run(c.ssh, backup.command, 'The backup command', { timeoutMs: 6 * 3_600_000, signal: s.signal });
        faultPoint('kill-during', HOST_UPGRADE, 'backup');
        const path = shellQuote([backup.artefactPath]);
        const sum = (await ops(s).run(c.ssh, `sha256sum -- ${path} && stat -c %s -- ${path}`, 'Checksumming the backup', { timeoutMs: 3_600_000, signal: s.signal })).trim().split('\n');
        const sha256 = sum[0]?.split(/\s+/)[0] ?? '';
        const bytes = Number(sum[1]);
        if (!/^[0-9a-f]{64}$/.test(sha256) || !Number.isFinite(bytes)) throw new OutpostError('REMOTE_COMMAND', `Could not read the checksum of ${backup.artefactPath} on ${c.hostName}.`);
        await s.services.audit.append({ actor: s.actor, action: 'upgrade.backup', target: `${c.site}/${c.hostName}`, details: { procedureId: s.procedureId, artefactPath: backup.artefactPath, sha256, bytes } });
        s.log('info', `Backup ${backup.artefactPath}: ${bytes} bytes, sha256 ${sha256}`);
        return { output: { artefactPath: backup.artefactPath, sha256, bytes } };
      },
    },
    {
      name: 'backup-copy',
      title: 'Copy the backup off the host and check its SHA-256 there',
      when: (c) => c.options.backup !== null,
      async run(s) {
        const c = s.context;
        const made = recordedBackup.safeParse(s.outputs.backup).data;
        if (!made) throw new OutpostError('BACKUP_NOT_VERIFIED', `No backup of ${c.hostName} is recorded; roll this host's run back and resume the plan to take one.`);
        const copy = await ops(s).copyBackup({
          ssh: c.ssh,
          copyTo: c.options.backup?.copyTo,
          site: c.site,
          host: c.hostName,
          procedureId: s.procedureId,
          artefactPath: made.artefactPath,
          sha256: made.sha256,
          bytes: made.bytes,
          signal: s.signal,
          actor: s.actor,
          // Mid-copy (some bytes on the destination's disk, more to come): the kill -9 test's point.
          onChunk: (copied, written) => {
            if (copied > 0 && written > 0) faultPoint('kill-during', HOST_UPGRADE, 'backup-copy');
          },
        });
        // After the rename, before the step commits: a resume finds the verified copy and keeps it.
        faultPoint('kill-during', HOST_UPGRADE, 'backup-copy');
        s.log('info', `Backup copied to ${copy.location} (${copy.bytes} bytes); sha256 there matches the host's`);
        return { output: copy };
      },
    },
    {
      name: 'enter-maintenance',
      title: 'Enter maintenance mode',
      async run(s) {
        const c = s.context;
        const changed = await ops(s).vcenter(c.site, (session) => enterMaintenanceMode(session, hostRef(c), { evacuatePoweredOffVms: c.options.evacuate }));
        faultPoint('kill-during', HOST_UPGRADE, 'enter-maintenance');
        s.log('info', changed ? `${c.hostName} entered maintenance mode` : `${c.hostName} was already in maintenance mode`);
        return { output: { changed } };
      },
      async verify(s) {
        return (await ops(s).vcenter(s.context.site, (session) => readHostState(session, hostRef(s.context)))).inMaintenanceMode;
      },
      async undo(s) {
        const c = s.context;
        await ops(s).vcenter(c.site, async (session) => {
          const state = await readHostState(session, hostRef(c));
          if (state.connectionState !== 'connected') {
            s.log('warn', `${c.hostName} is ${state.connectionState}; it stays in maintenance mode until it is back`);
            return;
          }
          await exitMaintenanceMode(session, hostRef(c));
        });
      },
    },
    {
      name: 'backup-verified',
      title: 'Before the reinstall: the off-host backup copy is there and unchanged',
      when: (c) => c.options.backup !== null,
      async run(s) {
        const c = s.context;
        const copy = offHostCopy.safeParse(s.outputs['backup-copy']).data;
        if (!copy) throw new OutpostError('BACKUP_NOT_VERIFIED', `${c.hostName} has no verified off-host copy of its backup; it is not reinstalled. Roll this host's run back and resume the plan.`);
        await ops(s).checkBackupCopy({ copyTo: c.options.backup?.copyTo, copy, site: c.site, host: c.hostName, procedureId: s.procedureId, signal: s.signal, actor: s.actor });
        s.log('info', `Off-host copy ${copy.location} checked: sha256 ${copy.sha256}`);
        return { output: { location: copy.location, sha256: copy.sha256, checkedAt: new Date().toISOString() } };
      },
    },
    {
      name: 'write-pxe',
      title: 'Reinstall: write the PXE artefacts for the boot server',
      when: (c) => c.options.reinstall.mode === 'pxe',
      async run(s) {
        const c = s.context;
        const r = c.options.reinstall;
        if (r.mode !== 'pxe') return {};
        if (!c.mac) throw new OutpostError('VALIDATION', `PXE reinstall of ${c.hostName} needs its boot NIC's MAC address (host settings of the plan).`);
        // DHCP host names and file names allow letters, digits, dots and dashes (vCenter names allow more).
        const bootName = c.hostName.toLowerCase().replace(/[^a-z0-9.-]+/g, '-').replace(/^[^a-z0-9]+/, '').slice(0, 63) || 'host';
        const out = join(r.outDir, bootName);
        const bundle = planPxeBundle({
          host: { name: bootName, mac: c.mac, ...(c.ip ? { ip: c.ip } : {}) },
          isoDir: r.isoDir,
          label: r.label ?? basename(r.isoDir).toLowerCase().replace(/[^a-z0-9.-]+/g, '-'),
          httpBase: r.httpBase,
          tftpServer: r.tftpServer,
        });
        const files = writePxeBundle(bundle, out);
        s.log('info', `Wrote ${files.length} boot files to ${out}; copy them to the boot server and PXE-boot ${c.hostName}${bundle.missing.length ? ` (still needed: ${bundle.missing.join(', ')})` : ''}`);
        return { output: { out, files, missing: bundle.missing } };
      },
    },
    {
      name: 'boot-iso',
      title: 'Reinstall: boot the new ISO (operator)',
      when: (c) => c.options.reinstall.mode === 'manual',
      gate: { kind: 'approve', prompt: (c) => `Boot ${c.hostName} from the new ISO (build ${c.targetBuild}) now and install it; approve once the installer runs. Outpost then waits for the host to come back.` },
    },
    {
      name: 'wait-reconnect',
      title: 'Wait for the host to reconnect at the target build',
      async run(s) {
        const c = s.context;
        const deadline = Date.now() + c.options.reconnectTimeoutMinutes * 60_000;
        let last = '';
        let sawDisconnect = false;
        for (;;) {
          const state = await ops(s)
            .vcenter(c.site, (session) => readHostState(session, hostRef(c)))
            .catch((err: Error) => ({ connectionState: 'unknown', build: null, version: null, error: err.message }));
          const now = `${state.connectionState}:${state.build}`;
          if (now !== last) {
            last = now;
            if (state.connectionState !== 'connected') sawDisconnect = true;
            s.log('info', `${c.hostName}: ${state.connectionState}, build ${state.build ?? '?'}${'error' in state ? ` (${state.error})` : ''}`);
          }
          const versionOk = !c.targetVersion || state.version === c.targetVersion;
          if (state.connectionState === 'connected' && state.build === c.targetBuild && versionOk) return { output: { build: state.build, version: state.version, sawDisconnect } };
          if (Date.now() > deadline) {
            throw new OutpostError('TIMEOUT', `${c.hostName} is not back at build ${c.targetBuild} after ${c.options.reconnectTimeoutMinutes} minutes (it is ${state.connectionState}, build ${state.build ?? 'unknown'}). Check its console, then retry.`);
          }
          await sleep(c.options.reconnectPollSeconds * 1000, s.signal);
        }
      },
    },
    {
      name: 'configure',
      title: 'Re-run configuration (Ansible with the exported inventory, else built-in commands)',
      when: (c) => Boolean(c.options.configure.playbook) || c.options.configure.commands.length > 0,
      async run(s) {
        const c = s.context;
        const { playbook, commands } = c.options.configure;
        if (playbook && onPath('ansible-playbook')) {
          const r = await ops(s).runPlaybook({ site: c.site, inventoryYaml: c.inventoryYaml, hostName: c.hostName, ssh: c.ssh, playbook, signal: s.signal, actor: s.actor });
          s.log(r.exitCode === 0 ? 'info' : 'error', `ansible-playbook ${playbook} exited ${r.exitCode}`, { tail: r.output.slice(-2000) });
          if (r.exitCode !== 0) throw new OutpostError('REMOTE_COMMAND', `ansible-playbook ${playbook} failed for ${c.hostName} (exit ${r.exitCode}); see the run's log.`);
          return { output: { via: 'ansible', playbook } };
        }
        if (playbook && commands.length === 0) {
          throw new OutpostError('NOT_FOUND', `The plan configures ${c.hostName} with ${playbook}, but ansible-playbook is not installed here. Install ansible-core, or give configuration commands.`);
        }
        if (playbook) s.log('warn', 'ansible-playbook is not installed here; running the built-in configuration commands instead');
        for (const [i, command] of commands.entries()) {
          await ops(s).run(c.ssh, command, `Configuration command ${i + 1}`, { timeoutMs: 3_600_000, signal: s.signal });
          s.log('info', `Configuration command ${i + 1}/${commands.length} done`);
        }
        return { output: { via: 'commands', commands: commands.length } };
      },
    },
    {
      name: 'soak-start',
      title: 'Start the soak',
      async run(s) {
        const c = s.context;
        if (c.soakUntil) return { output: { soakUntil: c.soakUntil } };
        let logOffset = 0;
        if (c.options.logScan) {
          const size = (await ops(s).run(c.ssh, `stat -c %s -- ${shellQuote([c.options.logScan.path])}`, 'Reading the log size', { timeoutMs: 30_000, signal: s.signal })).trim();
          logOffset = Number(size);
          if (!Number.isSafeInteger(logOffset)) throw new OutpostError('REMOTE_COMMAND', `Could not read the size of ${c.options.logScan.path} on ${c.hostName}.`);
        }
        const soakUntil = new Date(Date.now() + c.options.soakMinutes * 60_000).toISOString();
        s.log('info', `Soak until ${soakUntil} (${c.options.soakMinutes} min, probes every ${c.options.probeIntervalSeconds} s)`);
        return { output: { soakUntil, logOffset }, context: { soakUntil, logOffset } };
      },
    },
    {
      name: 'soak',
      title: 'Soak: health probes (SSH, log scan, vCenter state and alarms)',
      async run(s) {
        const c = s.context;
        const until = new Date(c.soakUntil ?? Date.now()).getTime();
        let round = await ops(s).lastProbeRound(s.procedureId);
        let rounds = 0;
        for (;;) {
          round++;
          rounds++;
          const results = await probeRound(s);
          await ops(s).recordProbes(s.procedureId, round, results);
          const red = results.filter((r) => !r.ok);
          if (red.length) {
            throw new OutpostError('PROBE_FAILED', `Soak probe${red.length > 1 ? 's' : ''} red on ${c.hostName}: ${red.map((r) => `${r.probe} (${r.detail})`).join('; ')}`, { probes: red });
          }
          const left = until - Date.now();
          if (left <= 0) return { output: { rounds, lastRound: round } };
          await sleep(Math.min(left, c.options.probeIntervalSeconds * 1000), s.signal);
        }
      },
    },
    {
      name: 'exit-maintenance',
      title: 'Exit maintenance mode',
      async run(s) {
        const c = s.context;
        const changed = await ops(s).vcenter(c.site, (session) => exitMaintenanceMode(session, hostRef(c)));
        faultPoint('kill-during', HOST_UPGRADE, 'exit-maintenance');
        s.log('info', changed ? `${c.hostName} left maintenance mode` : `${c.hostName} was not in maintenance mode`);
        return { output: { changed } };
      },
      async verify(s) {
        return !(await ops(s).vcenter(s.context.site, (session) => readHostState(session, hostRef(s.context)))).inMaintenanceMode;
      },
    },
  ],
});
