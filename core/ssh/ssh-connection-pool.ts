import { createHash } from 'node:crypto';
import { OutpostError } from '../contract/errors.js';
import { SshConnection, type ExecOptions, type ExecResult, type SshConnectOptions } from './ssh-connection.js';
import { targetLabel, type SshAuth, type SshTarget } from './ssh-target.js';

export interface PoolOptions extends SshConnectOptions {
  /** Operations running at once on one target (sshd's MaxSessions is 10 by default). */
  perTargetConcurrency?: number;
  /** An unused connection is closed after this long. */
  idleMs?: number;
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
  private closed = false;

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
      entry.connecting = SshConnection.open(target, this.options).finally(() => {
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
  }
}
