import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { OutpostError } from '../contract/errors.js';
import type { ProbeResult } from '../contract/upgrades.js';
import { childEnv } from '../exec/child-env.js';
import { withKeyInAgent } from '../ssh/key-agent.js';
import { trustedKnownHostsLines } from '../ssh/trusted-key-scan.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { Sql } from '../db/sql.js';
import type { Endpoints } from '../endpoints/endpoints.js';
import type { ExecResult } from '../ssh/ssh-connection.js';
import { endpointLabel, type SshTarget } from '../ssh/ssh-target.js';
import type { BackupTarget } from '../contract/upgrades.js';
import { copyOffHost, hashAtDestination, offHostPlace, type BackupDestination, type OffHostCopy } from './backup-copy.js';
import type { CredentialStore } from '../vault/credential-store.js';
import { VsphereSession } from '../vsphere/session.js';
import { readHostState } from '../vsphere/host-state.js';
import { ansibleInventory } from './ansible-inventory.js';
import { inventorySnapshot } from './inventory-snapshot.js';
import { maxHostsDown, type PlanHost } from './rollout-plan.js';
import { storedSite, withSiteSession, type StoredSite } from '../sites/site-session.js';
import { InventoryStore } from '../inventory/inventory-store.js';
import { ProcedureStore } from '../procedures/procedure-store.js';
import { UpgradeStore } from './upgrade-store.js';

/** How a host's OS side is reached (per plan host: address and port may differ from its vCenter name). */
export interface HostSsh {
  host: string;
  port: number;
  user?: string | undefined;
  credential: string;
}

export { onPath } from '../exec/on-path.js';

/**
 * What the host-upgrade procedure's steps do to the world: vCenter sessions per site, SSH to the
 * host's OS side, the cluster's capacity, the soak's probe records, Ansible. Lives in core so the
 * procedure file stays a readable list of steps.
 */
export class HostUpgradeOperations {
  constructor(
    private readonly db: Sql,
    private readonly audit: AuditLog,
    private readonly credentials: CredentialStore,
    private readonly remote: Endpoints,
    /** Where hosts' backups are copied when a plan names no SSH target: the workstation's data folder. */
    readonly localBackupRoot: string,
  ) {
    this.inventory = new InventoryStore(db);
    this.upgrades = new UpgradeStore(db);
    this.procedures = new ProcedureStore(db);
  }

  private readonly inventory: InventoryStore;
  private readonly upgrades: UpgradeStore;
  private readonly procedures: ProcedureStore;

  async site(name: string): Promise<StoredSite> {
    return await storedSite(this.db, name);
  }

  /** A fresh vCenter session for one piece of work, logged out afterwards (TLS per the site's pin or trusted CAs). */
  async vcenter<T>(siteName: string, work: (session: VsphereSession) => Promise<T>): Promise<T> {
    return withSiteSession(this.db, this.credentials, await this.site(siteName), work);
  }

  /** Runs one shell command line on the host (host key checked against Outpost's known hosts). */
  async exec(ssh: HostSsh, command: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<ExecResult> {
    const { user, auth } = await this.remote.credentials.sshAuth(ssh.credential);
    const name = ssh.user ?? user;
    if (!name) throw new OutpostError('VALIDATION', `No SSH user for ${ssh.host}: give one in the plan, or save it in credential "${ssh.credential}".`);
    return this.remote.pool.exec({ host: ssh.host, port: ssh.port, user: name, auth }, command, { timeoutMs: options.timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
  }

  /** Like exec, but a non-zero exit is REMOTE_COMMAND with the command's stderr. */
  async run(ssh: HostSsh, command: string, what: string, options: { timeoutMs: number; signal?: AbortSignal }): Promise<string> {
    const r = await this.exec(ssh, command, options);
    if (r.exitCode !== 0) {
      const stderr = r.stderr.toString('utf8').trim().slice(-500);
      throw new OutpostError('REMOTE_COMMAND', `${what} on ${ssh.host} exited ${r.exitCode ?? r.signal}${stderr ? `: ${stderr}` : ''}`, { exitCode: r.exitCode, host: ssh.host });
    }
    return r.stdout.toString('utf8');
  }

  /** The SSH target of a host or backup server, authenticated with a saved credential. */
  private async sshTarget(ssh: HostSsh): Promise<SshTarget> {
    const { user, auth } = await this.remote.credentials.sshAuth(ssh.credential);
    const name = ssh.user ?? user;
    if (!name) throw new OutpostError('VALIDATION', `No SSH user for ${ssh.host}: give one in the plan, or save it in credential "${ssh.credential}".`);
    return { host: ssh.host, port: ssh.port, user: name, auth };
  }

  /** Where a run's backup copy goes (folders, path, label); needs no credential, so status rows can show it. */
  backupPlace(copyTo: BackupTarget | undefined, o: { site: string; host: string; procedureId: string; artefactPath: string }): { dirs: string[]; path: string; location: string; kind: 'local' | 'ssh' } {
    const remote = copyTo ? `${copyTo.user ? `${copyTo.user}@` : ''}${copyTo.host.includes(':') ? `[${copyTo.host}]` : copyTo.host}:${copyTo.port}` : null;
    return { ...offHostPlace(copyTo?.path ?? this.localBackupRoot, remote, o), kind: copyTo ? 'ssh' : 'local' };
  }

  private async destination(copyTo: BackupTarget | undefined): Promise<BackupDestination> {
    return copyTo ? { kind: 'ssh', root: copyTo.path, target: await this.sshTarget({ host: copyTo.host, port: copyTo.port, user: copyTo.user, credential: copyTo.credential }) } : { kind: 'local', root: this.localBackupRoot };
  }

  /**
   * Copies the host's backup off the host and checks its SHA-256 at the destination (see copyOffHost);
   * audited as upgrade.backup-copy and upgrade.backup-verify. A failure is BACKUP_NOT_VERIFIED.
   */
  async copyBackup(o: { ssh: HostSsh; copyTo: BackupTarget | undefined; site: string; host: string; procedureId: string; artefactPath: string; sha256: string; bytes: number; signal: AbortSignal; actor: string; onChunk?: (copied: number, written: number) => void }): Promise<OffHostCopy> {
    const place = this.backupPlace(o.copyTo, o);
    const target = `${o.site}/${o.host}`;
    const audit = async (action: string, outcome: 'ok' | 'failed', details: Record<string, unknown>): Promise<void> => {
      await this.audit.append({ actor: o.actor, action, target, outcome, details: { procedureId: o.procedureId, from: o.artefactPath, to: place.location, ...details } });
    };
    try {
      const copy = await copyOffHost(this.remote.pool, { source: await this.sshTarget(o.ssh), artefactPath: o.artefactPath, sha256: o.sha256, bytes: o.bytes, dest: await this.destination(o.copyTo), place, signal: o.signal, ...(o.onChunk ? { onChunk: o.onChunk } : {}) });
      await audit('upgrade.backup-copy', 'ok', { bytes: copy.bytes });
      await audit('upgrade.backup-verify', 'ok', { sha256: copy.sha256 });
      return copy;
    } catch (err) {
      if (err instanceof OutpostError && err.code === 'BACKUP_NOT_VERIFIED') {
        const stage = z.object({ stage: z.string() }).safeParse(err.details).data?.stage;
        await audit(stage === 'verify' ? 'upgrade.backup-verify' : 'upgrade.backup-copy', 'failed', { error: err.message });
      }
      throw err;
    }
  }

  /** Re-checks a recorded copy where it lies (right before the reinstall): BACKUP_NOT_VERIFIED when it is gone or altered. */
  async checkBackupCopy(o: { copyTo: BackupTarget | undefined; copy: OffHostCopy; site: string; host: string; procedureId: string; signal: AbortSignal; actor: string }): Promise<void> {
    const now = await hashAtDestination(this.remote.pool, await this.destination(o.copyTo), o.copy.path, o.signal);
    const ok = now !== null && now.sha256 === o.copy.sha256 && now.bytes === o.copy.bytes;
    await this.audit.append({ actor: o.actor, action: 'upgrade.backup-verify', target: `${o.site}/${o.host}`, outcome: ok ? 'ok' : 'failed', details: { procedureId: o.procedureId, at: o.copy.location, expected: o.copy.sha256, actual: now?.sha256 ?? null, before: 'reinstall' } });
    if (!ok) {
      throw new OutpostError(
        'BACKUP_NOT_VERIFIED',
        `The off-host copy of ${o.host}'s backup at ${o.copy.location} is ${now ? `altered (sha256 ${now.sha256}, ${now.bytes} bytes; recorded ${o.copy.sha256}, ${o.copy.bytes} bytes)` : 'gone'}; ${o.host} is not reinstalled. Roll this run back and run the host again to take a new backup.`,
        { expected: o.copy.sha256, actual: now?.sha256 ?? null, location: o.copy.location },
      );
    }
  }

  /**
   * Can the host's cluster lose one host now and keep its running VMs? Memory of each host is
   * read live; VM memory from the inventory. Returns the reason when it cannot.
   */
  async clusterCapacity(siteName: string, hostMoref: string): Promise<{ canLose: number; hosts: PlanHost[] }> {
    const site = await this.site(siteName);
    const cluster = await this.inventory.hostCluster(site.id, hostMoref);
    if (cluster === undefined) throw new OutpostError('NOT_FOUND', `Host ${hostMoref} is not in site ${site.name}'s inventory; sync it first.`);
    if (!cluster) return { canLose: 1, hosts: [] }; // a standalone host: its VMs stop with it, the operator chose that
    const hosts = await this.planHosts(site.name, { clusterMoref: cluster });
    return { canLose: maxHostsDown(hosts, 0.1), hosts };
  }

  /** Hosts of a cluster (or named hosts) as the planner sees them: live state and memory, VM memory from the inventory. */
  async planHosts(siteName: string, which: { clusterMoref?: string; morefs?: string[] }): Promise<(PlanHost & { moref: string; version: string | null })[]> {
    const site = await this.site(siteName);
    const rows = await this.inventory.hostsWithCluster(site.id, which);
    const vmMemory = await this.inventory.vmLoadByHost(site.id);
    return this.vcenter(site.name, async (session) => {
      const out: (PlanHost & { moref: string; version: string | null })[] = [];
      for (const r of rows) {
        const live = await readHostState(session, { type: 'HostSystem', value: r.moref });
        out.push({
          name: r.name,
          moref: r.moref,
          cluster: r.cluster,
          build: live.build ?? '',
          version: live.version,
          connectionState: live.connectionState,
          inMaintenance: live.inMaintenanceMode,
          memoryMB: live.memoryMB ?? 0,
          vmMemoryMB: vmMemory.get(r.moref)?.mem ?? 0,
          vmCount: vmMemory.get(r.moref)?.n ?? 0,
        });
      }
      return out;
    });
  }

  /** Another upgrade run that is not this one and still active: its description, or null. */
  async otherActiveUpgrade(planId: string, procedureId: string): Promise<string | null> {
    const plan = await this.upgrades.otherRunningPlan(planId);
    if (plan) return `upgrade plan ${plan} is running`;
    const run = await this.procedures.otherActive('host.upgrade', procedureId);
    return run ? `host upgrade ${run.id} (${run.target ?? 'unknown host'}) is active` : null;
  }

  async recordProbes(procedureId: string, round: number, results: Omit<ProbeResult, 'round'>[]): Promise<void> {
    await this.upgrades.recordProbes(procedureId, round, results);
  }

  async lastProbeRound(procedureId: string): Promise<number> {
    return await this.upgrades.lastProbeRound(procedureId);
  }

  /** The site's Ansible inventory (YAML) as the database holds it now. */
  async inventoryYaml(site: string): Promise<string> {
    return ansibleInventory(await inventorySnapshot(this.db, site), 'yaml');
  }

  /**
   * ansible-playbook with the inventory kept before the upgrade (else the current export), limited to this host. The private key
   * goes into a private ssh-agent for the run (never a file); the child gets a minimal environment; the host key is taken from
   * ssh-keyscan only when its fingerprint is one Outpost's known-hosts store trusts (strict checking stays on).
   */
  async runPlaybook(o: { site: string; inventoryYaml?: string | undefined; hostName: string; ssh: HostSsh; playbook: string; signal: AbortSignal; actor: string }): Promise<{ exitCode: number; output: string }> {
    const { user, auth } = await this.remote.credentials.sshAuth(o.ssh.credential);
    if (auth.type !== 'private-key') throw new OutpostError('VALIDATION', `Ansible needs a private-key credential; "${o.ssh.credential}" is a password. Save a key credential, or configure with commands instead.`);
    const name = o.ssh.user ?? user;
    if (!name) throw new OutpostError('VALIDATION', `No SSH user for ${o.hostName}.`);
    if (auth.passphrase) throw new OutpostError('VALIDATION', 'Ansible cannot use a passphrase-protected key non-interactively; use a key without passphrase for the upgrade credential, or configure with commands.');
    const knownHostLines = await this.trustedHostKeyLines(o.ssh);
    const result = await withKeyInAgent(auth.privateKey, async ({ dir, env: agentEnv, identityFile }) => {
      const inventory = join(dir, 'inventory.yml');
      writeFileSync(inventory, o.inventoryYaml ?? await this.inventoryYaml(o.site), { mode: 0o600 });
      const knownHosts = join(dir, 'known_hosts');
      writeFileSync(knownHosts, knownHostLines, { mode: 0o600 });
      const sshArgs = `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${knownHosts} -o IdentityFile=${identityFile} -o IdentitiesOnly=yes -o ControlMaster=no`;
      const args = [
        '-i', inventory, '--limit', o.hostName, o.playbook,
        '-e', JSON.stringify({ ansible_host: o.ssh.host, ansible_port: o.ssh.port, ansible_user: name, ansible_ssh_common_args: sshArgs }),
      ];
      const settings = { ...agentEnv, ANSIBLE_HOME: join(dir, 'home'), ANSIBLE_LOCAL_TEMP: join(dir, 'tmp'), ANSIBLE_HOST_KEY_CHECKING: 'True', ANSIBLE_NOCOLOR: '1', ANSIBLE_RETRY_FILES_ENABLED: 'False' };
      return new Promise<{ exitCode: number; output: string }>((resolve, reject) => {
        execFile('ansible-playbook', args, { env: childEnv(settings), signal: o.signal, maxBuffer: 8 * 1024 * 1024, timeout: 6 * 3_600_000 }, (err, stdout, stderr) => {
          if (err && typeof (err as NodeJS.ErrnoException).code === 'string') return reject(new OutpostError('REMOTE_COMMAND', `ansible-playbook could not run: ${err.message}`));
          resolve({ exitCode: err ? ((err as { code?: number }).code ?? 1) : 0, output: `${stdout}${stderr}` });
        });
      });
    });
    await this.audit.append({ actor: o.actor, action: 'upgrade.ansible', target: o.hostName, outcome: result.exitCode === 0 ? 'ok' : 'failed', details: { playbook: o.playbook, exitCode: result.exitCode } });
    return result;
  }

  private async trustedHostKeyLines(ssh: HostSsh): Promise<string> {
    const trusted = new Set((await this.remote.knownHosts.entriesFor(ssh.host, ssh.port)).map((k) => k.fingerprint));
    const kept = await trustedKnownHostsLines(ssh.host, ssh.port, trusted, 10);
    if (kept.length === 0) {
      throw new OutpostError('HOST_KEY_UNKNOWN', `No host key of ${endpointLabel({ user: 'ansible', host: ssh.host, port: ssh.port })} is trusted by Outpost; trust it (knownHosts.trust) before the upgrade.`);
    }
    return `${kept.join('\n')}\n`;
  }
}
