import { createHash } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';
import { SshConnection, type ExecOptions, type ExecResult, type SshConnectOptions } from './ssh-connection.js';
import { endpointLabel, targetLabel, type SshAuth, type SshTarget } from './ssh-target.js';

export interface PoolOptions extends SshConnectOptions {
  /** Operations running at once on one target (sshd's MaxSessions is 10 by default). */
  perTargetConcurrency?: number;
  /** An unused connection is closed after this long. */
  idleMs?: number;
  /**
   * Targets behind the same jump host (same chain, user and credentials) share one connection to
   * it: each target is a forwarded channel on it instead of a new bastion login. A jump host that
   * failed (refused the credentials, unknown key, unreachable) is not tried again by this pool, so
   * a fan-out of hundreds of hosts does not log in to a refusing bastion hundreds of times; a pool
   * that shares jumps therefore lives for one run (a re-run gets a new pool).
   */
  shareJumps?: boolean;
  /** With `shareJumps`: targets carried by one jump connection before another is opened (default 32). */
  targetsPerJumpConnection?: number;
}

interface JumpEntry {
  connecting: Promise<SshConnection> | null;
  connection: SshConnection | null;
  /** Target connections through it (open or opening). */
  users: number;
  idleTimer: NodeJS.Timeout | null;
}

interface PoolEntry {
  connecting: Promise<SshConnection> | null;
  connection: SshConnection | null;
  active: number;
  waiting: (() => void)[];
  idleTimer: NodeJS.Timeout | null;
}

/** Identifies the credential without keeping it: a hash, in memory only. */
function authKey(auth: SshAuth): string {
  const h = createHash('sha256');
  h.update(auth.type);
  if (auth.type === 'password' || auth.type === 'keyboard-interactive') h.update(auth.password);
  if (auth.type === 'private-key') h.update(auth.privateKey).update(auth.passphrase ?? '');
  if (auth.type === 'agent') h.update(auth.socket ?? '');
  return h.digest('hex').slice(0, 16);
}

const poolKey = (t: SshTarget): string => `${targetLabel(t)}#${[...(t.jumps ?? []), t].map((e) => authKey(e.auth)).join(',')}`;

/**
 * Reuses one authenticated connection per target (user, address, jump chain, credential) and
 * bounds how many operations run on it at once; the rest queue. A connection that dies is
 * dropped and the next operation opens a new one.
 */
export class SshConnectionPool {
  private readonly entries = new Map<string, PoolEntry>();
  private readonly jumps = new Map<string, JumpEntry[]>();
  private readonly failedJumps = new Map<string, OutpostError>();
  private closed = false;
  /** Connections this pool opened to jump hosts (shared ones once each): what a bastion sees. */
  jumpConnectionsOpened = 0;

  constructor(private readonly options: PoolOptions) {}

  async withConnection<T>(target: SshTarget, use: (connection: SshConnection) => Promise<T>): Promise<T> {
    if (this.closed) throw new OutpostError('CANCELLED', 'The SSH connection pool is closed.');
    const key = poolKey(target);
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { connecting: null, connection: null, active: 0, waiting: [], idleTimer: null };
      this.entries.set(key, entry);
    }
    const limit = this.options.perTargetConcurrency ?? 4;
    if (entry.active >= limit) await new Promise<void>((resolve) => entry!.waiting.push(resolve));
    if (this.closed) throw new OutpostError('CANCELLED', 'The SSH connection pool was closed while this operation waited.');
    entry.active++;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
    try {
      const connection = await this.connectionFor(entry, target);
      return await use(connection);
    } finally {
      entry.active--;
      entry.waiting.shift()?.();
      if (entry.active === 0 && entry.waiting.length === 0) {
        const e = entry;
        e.idleTimer = setTimeout(() => {
          e.connection?.close();
          this.entries.delete(key);
        }, this.options.idleMs ?? 60_000);
        e.idleTimer.unref();
      }
    }
  }

  exec(target: SshTarget, command: string, options?: ExecOptions): Promise<ExecResult> {
    return this.withConnection(target, (c) => c.exec(command, options));
  }

  private async connectionFor(entry: PoolEntry, target: SshTarget): Promise<SshConnection> {
    if (entry.connection?.isOpen) return entry.connection;
    entry.connection = null;
    if (!entry.connecting) {
      const opening = this.options.shareJumps && target.jumps?.length ? this.openThroughSharedJump(target) : SshConnection.open(target, this.options);
      if (!this.options.shareJumps) this.jumpConnectionsOpened += target.jumps?.length ?? 0;
      entry.connecting = opening.finally(() => {
        entry.connecting = null;
      });
    }
    const connection = await entry.connecting;
    entry.connection = connection;
    connection.onClose(() => {
      if (entry.connection === connection) entry.connection = null;
    });
    return connection;
  }

  /** The target's last hop over a forward through the shared connection to its last jump host (itself shared the same way). */
  private async openThroughSharedJump(target: SshTarget): Promise<SshConnection> {
    const jumps = target.jumps!;
    const via: SshTarget = { ...jumps[jumps.length - 1]!, jumps: jumps.slice(0, -1) };
    const jump = await this.acquireJump(via);
    try {
      const sock = await jump.connection.forwardTo(target);
      const connection = await SshConnection.openOver(target, sock, this.options);
      connection.onClose(jump.release);
      return connection;
    } catch (err) {
      jump.release();
      throw err;
    }
  }

  private async acquireJump(via: SshTarget): Promise<{ connection: SshConnection; release: () => void }> {
    if (this.closed) throw new OutpostError('CANCELLED', 'The SSH connection pool is closed.');
    const key = poolKey(via);
    const failed = this.failedJumps.get(key);
    if (failed) throw failed;
    const entries = this.jumps.get(key) ?? [];
    this.jumps.set(key, entries);
    // A connection with room, else a new one: one bastion process does not carry every target of a wide fan-out.
    const cap = this.options.targetsPerJumpConnection ?? 32;
    let e = entries.find((x) => x.users < cap);
    if (!e) {
      e = { connecting: null, connection: null, users: 0, idleTimer: null };
      entries.push(e);
    }
    const entry = e;
    const forget = (): void => {
      const list = this.jumps.get(key);
      const at = list?.indexOf(entry) ?? -1;
      if (list && at >= 0) list.splice(at, 1);
    };
    entry.users++;
    if (entry.idleTimer) clearTimeout(entry.idleTimer);
    entry.idleTimer = null;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      entry.users--;
      if (entry.users > 0 || !this.jumps.get(key)?.includes(entry)) return;
      entry.idleTimer = setTimeout(() => {
        entry.connection?.close();
        forget();
      }, this.options.idleMs ?? 60_000);
      entry.idleTimer.unref();
    };
    try {
      if (entry.connection?.isOpen) return { connection: entry.connection, release };
      if (!entry.connecting) {
        this.jumpConnectionsOpened++;
        entry.connecting = (via.jumps?.length ? this.openThroughSharedJump(via) : SshConnection.open(via, this.options)).then(
          (connection) => {
            entry.connecting = null;
            if (this.closed) {
              connection.close();
              throw new OutpostError('CANCELLED', 'The SSH connection pool was closed while a jump host connected.');
            }
            entry.connection = connection;
            // A dead jump connection is forgotten; the next target opens a new one.
            connection.onClose(() => forget());
            return connection;
          },
          (err: unknown) => {
            entry.connecting = null;
            forget();
            const cause = err instanceof OutpostError ? err : new OutpostError('UNREACHABLE', String(err));
            // Named as the jump host for every target behind it; the details (a host key's fingerprint) stay.
            const named = cause.message.startsWith('Jump host') ? cause : new OutpostError(cause.code, `Jump host ${endpointLabel(via)}: ${cause.message}`, cause.details);
            if (named.code !== 'CANCELLED') this.failedJumps.set(key, named);
            throw named;
          },
        );
      }
      return { connection: await entry.connecting, release };
    } catch (err) {
      release();
      throw err;
    }
  }

  /** Open connections (for tests and the status bar). */
  get size(): number {
    return [...this.entries.values()].filter((e) => e.connection?.isOpen).length;
  }

  close(): void {
    this.closed = true;
    for (const e of this.entries.values()) {
      if (e.idleTimer) clearTimeout(e.idleTimer);
      e.connection?.close();
      // Waiters wake up, see the pool closed, and fail with CANCELLED.
      for (const wake of e.waiting.splice(0)) wake();
    }
    this.entries.clear();
    for (const j of [...this.jumps.values()].flat()) {
      if (j.idleTimer) clearTimeout(j.idleTimer);
      j.connection?.close();
    }
    this.jumps.clear();
    this.failedJumps.clear();
  }
}
