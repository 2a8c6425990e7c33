import { OutpostError } from '../contract/errors.js';
import type { OsFamily } from '../contract/enrollment.js';
import type { Endpoints } from '../endpoints/endpoints.js';
import type { KnownHostsStore, PresentedHostKey } from '../ssh/known-hosts-store.js';
import type { HostKeyPolicy } from '../ssh/ssh-connection.js';
import type { SshConnectionPool } from '../ssh/ssh-connection-pool.js';
import { shellQuote } from '../ssh/shell-quote.js';
import type { SshAuth } from '../ssh/ssh-target.js';

export interface GuestRunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

/** How enrollment reaches a guest's OS: one address, one credential, SSH or WinRM. */
export interface GuestEndpoint {
  family: OsFamily;
  host: string;
  /** 22 for SSH, 5986 for WinRM over HTTPS. */
  port: number;
  user: string;
  auth: SshAuth;
  /** Linux: the user is not root, so scripts run through `sudo -n`. */
  sudo?: boolean;
  /** SSH: the host key this address must present (the one learned on the private IP); otherwise first use is recorded. */
  expectFingerprint?: string;
}

/**
 * Host keys for guests: a key already in the app's store must match (a changed key is a hard stop);
 * a guest seen for the first time is recorded in the store (audited, the fingerprint journaled by
 * the caller) — enrollment is that first contact, as GOSS makes it. An endpoint with
 * `expectFingerprint` (the public IP in the verify step) must present exactly that key.
 */
export class GuestHostKeys implements HostKeyPolicy {
  private readonly expected = new Map<string, string>();
  private readonly learned = new Map<string, string>();

  constructor(
    private readonly store: KnownHostsStore,
    private readonly actor: () => string,
  ) {}

  expect(host: string, port: number, fingerprint: string): void {
    this.expected.set(`${host}:${port}`, fingerprint);
  }

  /** The fingerprint a host presented in this process (learned or verified). */
  seen(host: string, port: number): string | undefined {
    return this.learned.get(`${host}:${port}`);
  }

  async verify(key: PresentedHostKey): Promise<void> {
    const where = `${key.host}:${key.port}`;
    const expected = this.expected.get(where);
    if (expected !== undefined) {
      if (key.fingerprint !== expected) {
        throw new OutpostError('HOST_KEY_CHANGED', `${where} presented ${key.fingerprint}, not the key of the enrolled guest (${expected}): the address does not lead to that VM. Nothing was sent.`, { host: key.host, port: key.port, fingerprint: key.fingerprint, expected });
      }
      this.learned.set(where, key.fingerprint);
      return;
    }
    try {
      await this.store.verify(key);
    } catch (err) {
      if (!(err instanceof OutpostError) || err.code !== 'HOST_KEY_UNKNOWN') throw err;
      await this.store.trust({ host: key.host, port: key.port, fingerprint: key.fingerprint, keyType: key.keyType }, `${this.actor()} (enrollment, first contact)`);
    }
    this.learned.set(where, key.fingerprint);
  }

  async preferredKeyTypes(host: string, port: number): Promise<string[]> {
    return await this.store.preferredKeyTypes(host, port);
  }
}

/** Quotes a value for a PowerShell single-quoted string. */
const psQuote = (v: string): string => `'${v.replace(/'/g, "''")}'`;

/**
 * Runs enrollment scripts in guests. SSH connections are pooled per guest and close when idle;
 * WinRM opens a shell per script. Inputs travel as environment variables, quoted, never spliced
 * into the script text.
 */
export class GuestShell {
  readonly hostKeys: GuestHostKeys;
  private readonly pool: SshConnectionPool;

  constructor(
    private readonly endpoints: Endpoints,
    actor: () => string,
    options: { idleMs?: number } = {},
  ) {
    this.hostKeys = new GuestHostKeys(endpoints.knownHosts, actor);
    this.pool = endpoints.sshPool({ hostKeys: this.hostKeys, idleMs: options.idleMs ?? 5_000, readyTimeoutMs: 10_000, perTargetConcurrency: 2 });
  }

  async run(endpoint: GuestEndpoint, script: string, env: Record<string, string> = {}, options: { timeoutMs?: number; signal?: AbortSignal; onOutput?: (line: string) => void } = {}): Promise<GuestRunResult> {
    if (endpoint.family === 'windows') return this.runWinrm(endpoint, script, env, options.timeoutMs);
    if (endpoint.expectFingerprint) this.hostKeys.expect(endpoint.host, endpoint.port, endpoint.expectFingerprint);
    const assignments = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    const argv = [...(endpoint.sudo ? ['sudo', '-n'] : []), 'env', ...assignments, 'sh', '-c', script];
    const r = await this.pool.exec({ host: endpoint.host, port: endpoint.port, user: endpoint.user, auth: endpoint.auth }, shellQuote(argv), {
      timeoutMs: options.timeoutMs ?? 60_000,
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.onOutput ? { onStdout: (c: Buffer) => options.onOutput!(c.toString('utf8')) } : {}),
    });
    return { exitCode: r.exitCode, stdout: r.stdout.toString('utf8'), stderr: r.stderr.toString('utf8') };
  }

  /**
   * Logs in and nothing more (SSH: host key checked, credentials accepted, the connection kept in
   * the pool for the next step; WinRM: a trivial command).
   */
  async login(endpoint: GuestEndpoint): Promise<void> {
    if (endpoint.family === 'windows') {
      await this.must(endpoint, 'A test login', '"user=$env:USERNAME"', {}, { timeoutMs: 20_000 });
      return;
    }
    await this.pool.withConnection({ host: endpoint.host, port: endpoint.port, user: endpoint.user, auth: endpoint.auth }, async () => undefined);
  }

  /** Like run, but a non-zero exit is an error naming the action and what the guest said. */
  async must(endpoint: GuestEndpoint, what: string, script: string, env: Record<string, string> = {}, options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<string> {
    const r = await this.run(endpoint, script, env, options);
    if (r.exitCode !== 0) {
      const said = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ');
      throw new OutpostError('INTERNAL', `${what} failed in the guest ${endpoint.host} (exit ${r.exitCode ?? 'signal'}): ${said || 'no output'}.`, { host: endpoint.host, exitCode: r.exitCode });
    }
    return r.stdout;
  }

  private async runWinrm(endpoint: GuestEndpoint, script: string, env: Record<string, string>, timeoutMs = 60_000): Promise<GuestRunResult> {
    if (endpoint.auth.type !== 'password') throw new OutpostError('VALIDATION', 'WinRM needs a user + password credential profile.');
    // Through the endpoint layer: HTTPS trusts the system's CAs and the ones imported into Outpost.
    const host = endpoint.host.includes(':') ? `[${endpoint.host}]` : endpoint.host;
    const client = await this.endpoints.winrm({ url: `https://${host}:${endpoint.port}/wsman`, user: endpoint.user, password: endpoint.auth.password, auth: 'ntlm' });
    try {
      const prefix = Object.entries(env).map(([k, v]) => `$env:${k} = ${psQuote(v)}`).join('\n');
      const r = await client.runPowerShell(`${prefix}\n${script}`, { timeoutMs });
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    } finally {
      client.close();
    }
  }

  close(): void {
    this.pool.close();
  }
}
