import { OutpostError } from '../contract/errors.js';
import type { AuditLog } from '../audit/audit-log.js';
import { trustedCaPems } from '../certificates/trust-store.js';
import type { Sql } from '../db/sql.js';
import type { CommandRunner } from '../exec/command-runner.js';
import { KnownHostsStore } from '../ssh/known-hosts-store.js';
import { pinnedHostKey } from '../ssh/pinned-host-key.js';
import { ReconnectingShell } from '../ssh/reconnecting-shell.js';
import { SshCommandRunner } from '../ssh/ssh-command-runner.js';
import type { SshConnectionPool, PoolOptions } from '../ssh/ssh-connection-pool.js';
import type { HostKeyPolicy } from '../ssh/ssh-connection.js';
import type { SshEndpoint, SshTarget } from '../ssh/ssh-target.js';
import type { CredentialStore } from '../vault/credential-store.js';
import type { WinrmClient } from '../winrm/winrm-client.js';
import { CredentialProfiles } from './credential-profiles.js';
import { sshPool } from './ssh-pool.js';
import { winrmClient, type WinrmTarget } from './winrm-endpoint.js';

/** A host or jump hop with the credential profile (by name) it logs in with; the user defaults to the profile's. */
export interface CredentialedHop {
  host: string;
  port: number;
  user?: string | undefined;
  credential: string;
}

/**
 * Turns "this host / VM / firewall, with this credential" into a connection, settling once:
 * trust (system + imported CAs for WinRM over HTTPS; the known-hosts store, or a pin, for SSH),
 * jump chains (each hop with its own credential profile) and pooling (one shared pool for
 * interactive use; fan-outs get a pool of their own that closes with the run).
 */
export class Endpoints {
  readonly knownHosts: KnownHostsStore;
  readonly credentials: CredentialProfiles;
  /** Connections reused across calls (exec, upgrades, helpers): host keys checked against the store. */
  readonly pool: SshConnectionPool;
  private readonly pinnedPools = new Map<string, SshConnectionPool>();

  constructor(
    private readonly db: Sql,
    audit: AuditLog,
    store: CredentialStore,
  ) {
    this.knownHosts = new KnownHostsStore(db, audit);
    this.credentials = new CredentialProfiles(store, audit);
    this.pool = sshPool({ hostKeys: this.knownHosts });
  }

  /** The CA certificates imported into Outpost (outpost cert import / certificates.trust), read now. */
  async importedCas(): Promise<string[]> {
    return await trustedCaPems(this.db);
  }

  /** A pool of its own (a fan-out run, an enrollment), checked against the known-hosts store unless given another policy. */
  sshPool(options: Partial<PoolOptions> & { hostKeys?: HostKeyPolicy } = {}): SshConnectionPool {
    return sshPool({ ...options, hostKeys: options.hostKeys ?? this.knownHosts });
  }

  /** A hop with its credential profile's secret; the user is the hop's, else the profile's. */
  async sshEndpoint(hop: CredentialedHop): Promise<SshEndpoint> {
    const { user, auth } = await this.credentials.sshAuth(hop.credential);
    const name = hop.user ?? user;
    if (!name) throw new OutpostError('VALIDATION', `No user for ${hop.host}: give one, or save it in credential "${hop.credential}".`);
    return { host: hop.host, port: hop.port, user: name, auth };
  }

  /** A target and its jump chain (first hop first), every secret read from the vault before anything connects. */
  async sshTarget(target: CredentialedHop, jumps: readonly CredentialedHop[] = []): Promise<SshTarget> {
    return { ...await this.sshEndpoint(target), jumps: await Promise.all(jumps.map((j) => this.sshEndpoint(j))) };
  }

  /** A CommandRunner on a host over the shared pool (host key checked against the store). */
  async sshRunner(target: CredentialedHop, jumps: readonly CredentialedHop[] = []): Promise<SshCommandRunner> {
    return new SshCommandRunner(this.pool, await this.sshTarget(target, jumps));
  }

  /** A firewall's runner: its host key pinned in the firewall record, its connection pooled per pin. */
  async pinnedRunner(connection: CredentialedHop & { hostKey: string }): Promise<CommandRunner> {
    let pool = this.pinnedPools.get(connection.hostKey);
    if (!pool) {
      pool = sshPool({ hostKeys: pinnedHostKey(connection.hostKey) });
      this.pinnedPools.set(connection.hostKey, pool);
    }
    return new SshCommandRunner(pool, await this.sshEndpoint(connection));
  }

  /** An interactive SSH shell that reconnects by itself (terminals); host key checked against the store. */
  async sshShell(target: SshTarget, size: { cols: number; rows: number }, keepAliveIntervalMs: number): Promise<ReconnectingShell> {
    return await ReconnectingShell.open(target, { hostKeys: this.knownHosts, cols: size.cols, rows: size.rows, keepAliveIntervalMs });
  }

  /** A WinRM client for an explicit user and password (enrollment's guest accounts, the CLI's --password-stdin). */
  async winrm(target: WinrmTarget): Promise<WinrmClient> {
    return winrmClient(target, await this.importedCas());
  }

  /** A WinRM client logging in with a credential profile (user + password). */
  async winrmWithCredential(target: { url: string; credential: string; auth: 'basic' | 'ntlm'; ca?: string | undefined }): Promise<WinrmClient> {
    const { user, password } = await this.credentials.password(target.credential);
    return await this.winrm({ url: target.url, user, password, auth: target.auth, ca: target.ca });
  }

  close(): void {
    this.pool.close();
    for (const p of this.pinnedPools.values()) p.close();
    this.pinnedPools.clear();
  }
}
