import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CommandOutput, CommandParsedInput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import type { FirewallConnection } from '../contract/nat.js';
import type { AuditLog } from '../audit/audit-log.js';
import type { CommandRunner } from '../exec/command-runner.js';
import type { RemoteRunners } from '../nat/firewall-drivers.js';
import { resultRow, runFanout, tally, tallyText, type FanOutResult } from '../endpoints/fanout-engine.js';
import { parseKnownHosts } from '../ssh/known-hosts-file.js';
import { resolveSshConfig, sshConfigAliases } from '../ssh/ssh-config-file.js';
import { targetFromSshConfig } from '../ssh/ssh-config-target.js';
import type { Endpoints } from '../endpoints/endpoints.js';
import type { KnownHostsStore } from '../ssh/known-hosts-store.js';
import type { SshConnectionPool } from '../ssh/ssh-connection-pool.js';
import { endpointLabel, targetLabel, type SshAuth, type SshEndpoint, type SshTarget } from '../ssh/ssh-target.js';
import type { CredentialProfiles } from '../endpoints/credential-profiles.js';

/** Audit keeps what was run, where and how it ended; long commands are cut (and never hold credentials Outpost owns). */
const auditCommand = (command: string): string => (command.length > 200 ? `${command.slice(0, 200)}…` : command);

/**
 * Remote access for the contract: credential profiles, the known-hosts store, one pooled SSH
 * connection per target (host keys checked against the store), and firewall runners whose
 * host key is pinned in the firewall record.
 */
export class RemoteAccessService implements RemoteRunners {
  constructor(
    private readonly audit: AuditLog,
    readonly endpoints: Endpoints,
  ) {}

  get knownHosts(): KnownHostsStore {
    return this.endpoints.knownHosts;
  }

  get credentials(): CredentialProfiles {
    return this.endpoints.credentials;
  }

  get pool(): SshConnectionPool {
    return this.endpoints.pool;
  }

  /** A host or jump hop with its credential profile's secret; the user is the hop's, else the profile's (as for terminals and ssh.exec). */
  async endpoint(hop: { host: string; port: number; user?: string | undefined; credential: string }): Promise<SshEndpoint> {
    return await this.endpoints.sshEndpoint(hop);
  }

  async exec(input: CommandParsedInput<'ssh.exec'>, actor: string): Promise<CommandOutput<'ssh.exec'>> {
    const target: SshTarget = { ...await this.endpoint(input), jumps: await Promise.all(input.jumps.map((j) => this.endpoint(j))) };
    const where = endpointLabel(target);
    try {
      const r = await this.pool.exec(target, input.command, { timeoutMs: input.timeoutMs });
      await this.audit.append({ actor, action: 'ssh.exec', target: where, outcome: r.exitCode === 0 ? 'ok' : 'failed', details: { command: auditCommand(input.command), exitCode: r.exitCode, credential: input.credential } });
      return { exitCode: r.exitCode, signal: r.signal, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8'), truncated: r.truncated, durationMs: Math.round(r.durationMs) };
    } catch (err) {
      await this.audit.append({ actor, action: 'ssh.exec', target: where, outcome: 'failed', details: { command: auditCommand(input.command), code: err instanceof OutpostError ? err.code : 'INTERNAL', credential: input.credential } });
      throw err;
    }
  }

  async fanout(input: CommandParsedInput<'ssh.fanout'>, actor: string): Promise<FanOutResult[]> {
    const { user, auth } = await this.credentials.sshAuth(input.credential);
    const name = input.user ?? user;
    if (!name) throw new OutpostError('VALIDATION', `No user: give one, or save it in credential "${input.credential}".`);
    // Each hop's user and secret from its own credential profile, resolved before anything connects (as fanout.start).
    const jumps = await Promise.all(input.jumps.map((j) => this.endpoint(j)));
    const jump = jumps.length ? targetLabel({ ...jumps[jumps.length - 1]!, jumps: jumps.slice(0, -1) }) : null;
    const hosts = input.hosts.map((h) => ({ target: { host: h.host, port: h.port, user: name, auth, jumps }, label: `${h.host}:${h.port}` }));
    // Its own pool, closed at the end: a fan-out to thousands of hosts must not leave them all connected.
    // Hosts behind the same jump chain share one connection to it (one bastion login, a forwarded channel each).
    const pool = this.endpoints.sshPool({ shareJumps: true, idleMs: 1000 });
    let runs;
    try {
      runs = await runFanout(hosts, input.command, { pool, concurrency: input.concurrency, timeoutMs: input.timeoutMs });
    } finally {
      pool.close();
    }
    const t = tally(runs);
    const results: FanOutResult[] = runs.map((r) => resultRow(r, 5));
    await this.audit.append({
      actor,
      action: 'ssh.fanout',
      target: tallyText(t),
      outcome: t.failed ? 'failed' : 'ok',
      details: { command: auditCommand(input.command), hosts: t.total, ok: t.ok, failed: t.failed, credential: input.credential, ...(jump ? { jump, jumpCredentials: [...new Set(input.jumps.map((j) => j.credential))] } : {}) },
    });
    return jump ? results.map((r) => ({ ...r, jump })) : results;
  }

  /**
   * Imports known_hosts entries: from the text of a file the operator picked (the window's file
   * dialog, the CLI's --file), or else from the operator's own ~/.ssh/known_hosts. It never opens
   * a path a caller names, so a compromised renderer cannot make it read /etc/shadow.
   */
  async importKnownHosts(picked: { text: string; fileName: string } | undefined, actor: string): Promise<CommandOutput<'knownHosts.import'>> {
    let text: string;
    let source: string;
    if (picked) {
      text = picked.text;
      source = picked.fileName;
    } else {
      source = join(homedir(), '.ssh', 'known_hosts');
      try {
        text = readFileSync(source, 'utf8');
      } catch (err) {
        throw new OutpostError('NOT_FOUND', `Cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Choose a known_hosts file to import.`);
      }
    }
    const parsed = parseKnownHosts(text);
    return { ...await this.knownHosts.importEntries(parsed.entries, actor, source), skipped: parsed.skipped };
  }

  /**
   * Hosts of the operator's ~/.ssh/config by alias, each with its ProxyJump chain resolved through the
   * same file (targetFromSshConfig, as ssh(1) does); every hop authenticates with `auth`.
   */
  sshConfigTargets(aliases: readonly string[], options: { defaultUser: string; auth: SshAuth }): SshTarget[] {
    if (aliases.length === 0) return [];
    const text = this.readSshConfig();
    const known = new Set(sshConfigAliases(text));
    return aliases.map((alias) => {
      if (!known.has(alias)) throw new OutpostError('NOT_FOUND', `~/.ssh/config has no Host ${alias}. Import the hosts again.`);
      return targetFromSshConfig(text, alias, options);
    });
  }

  /** The operator's ~/.ssh/config; never another path (see importKnownHosts). */
  private readSshConfig(): string {
    const file = join(homedir(), '.ssh', 'config');
    try {
      return readFileSync(file, 'utf8');
    } catch (err) {
      throw new OutpostError('NOT_FOUND', `Cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}. Outpost reads the operator's own ~/.ssh/config.`);
    }
  }

  sshConfigHosts(): CommandOutput<'sshConfig.hosts'> {
    const text = this.readSshConfig();
    return sshConfigAliases(text).map((alias) => resolveSshConfig(text, alias));
  }

  async winrmExec(input: CommandParsedInput<'winrm.exec'>, actor: string): Promise<CommandOutput<'winrm.exec'>> {
    // HTTPS trusts the system's CAs, the ones imported into Outpost, and the call's own CA (the endpoint layer settles it).
    const client = await this.endpoints.winrmWithCredential({ url: input.url, credential: input.credential, auth: input.auth, ca: input.ca });
    const where = new URL(input.url).host;
    try {
      const r = input.powershell ? await client.runPowerShell(input.command, { timeoutMs: input.timeoutMs }) : await client.run(input.command, [], { timeoutMs: input.timeoutMs });
      await this.audit.append({ actor, action: 'winrm.exec', target: where, outcome: r.exitCode === 0 ? 'ok' : 'failed', details: { command: auditCommand(input.command), exitCode: r.exitCode, credential: input.credential } });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr, durationMs: Math.round(r.durationMs) };
    } catch (err) {
      await this.audit.append({ actor, action: 'winrm.exec', target: where, outcome: 'failed', details: { command: auditCommand(input.command), code: err instanceof OutpostError ? err.code : 'INTERNAL', credential: input.credential } });
      throw err;
    } finally {
      client.close();
    }
  }

  /** RemoteRunners: a firewall reached over SSH, its host key pinned in the firewall record. */
  async ssh(connection: Extract<FirewallConnection, { type: 'ssh' }>): Promise<CommandRunner> {
    return await this.endpoints.pinnedRunner(connection);
  }

  close(): void {
    this.endpoints.close();
  }
}
