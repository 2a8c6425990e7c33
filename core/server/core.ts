// core/server/ is the composition root: it wires every domain's services over one store, registers
// their procedures (procedures.ts) and maps each contract command to a handler (handlers/). Only the
// transports (core/host, core/cli, electron/) import it; see lint/core-layers.js.
import { join } from 'node:path';
import { commands, isCommandName, type Transport } from '../contract/commands.js';
import { fail, ok, OutpostError, toContractError, type Result } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import { openStore } from '../db/store.js';
import { sweepStaleRunDirs } from '../ssh/key-agent.js';
import type { SecretCipher } from '../vault/cipher.js';
import type { KdfParams } from '../vault/passphrase-cipher.js';
import { Vault } from '../vault/vault.js';
import { DB_FILE, secureDataDir } from './data-dir.js';
import { acquireIndexLock, type IndexLock } from './index-lock.js';
import { EventBus, type EventListener } from '../events/event-bus.js';
import { createHandlers, type Caller, type Handlers } from './handlers/index.js';
import { Services } from './services.js';
import { version } from './version.js';

export interface CoreOptions {
  dataDir: string;
  /**
   * The SQLite file; defaults to outpost.db inside dataDir (the CLI's --db overrides it). Without
   * it dataDir is Outpost's own folder and is made private (0700).
   */
  dbPath?: string;
  transport: Transport;
  /** Electron passes its safeStorage cipher; elsewhere the passphrase vault is used. */
  osCipher?: SecretCipher | null;
  /** Unlock the passphrase vault at start (CLI/host read it from the environment). */
  passphrase?: string;
  /** Derive the key from `passphrase` only when a secret is first needed (the CLI: most commands need none). */
  deferUnlock?: boolean;
  /** better_sqlite3.node built for the current runtime, when it is not the default one. */
  sqliteBinding?: string;
  /** Resume unfinished procedure runs now (the desktop app and the host do; the CLI does on request). */
  resumeProcedures?: boolean;
  /** Validate handler outputs against the contract too (tests); inputs are always validated. */
  checkOutputs?: boolean;
  kdf?: KdfParams;
  /**
   * Keep every site indexed from now on (the desktop app, the host, `outpost serve`), under the
   * store's index lock. 'require': fail when another process holds it (serve); 'prefer': then let
   * that process index and only show what it writes (the app and the host).
   */
  liveIndex?: 'require' | 'prefer';
}

export interface OutpostCore {
  readonly services: Services;
  /** The engine-neutral store handle the services use. */
  readonly sql: Sql;
  /** Validates the command name and input, runs the handler, never throws. */
  dispatch(command: unknown, input: unknown, caller?: Partial<Caller>): Promise<Result<unknown>>;
  onEvent(listener: EventListener): () => void;
  /** With liveIndex: whether this process indexes the sites, or the pid of the one that does. */
  readonly indexer: { self: boolean; pid: number } | null;
  close(): Promise<void>;
}

export async function createOutpostCore(options: CoreOptions): Promise<OutpostCore> {
  // Run folders a crashed earlier run left in the temp folder (older versions kept the decrypted SSH key there).
  sweepStaleRunDirs();
  if (options.dbPath === undefined) secureDataDir(options.dataDir);
  const dbPath = options.dbPath ?? join(options.dataDir, DB_FILE);
  // The index lock is taken before anything opens, so a refused `serve` leaves nothing behind.
  let indexLock: IndexLock | null = null;
  let indexer: OutpostCore['indexer'] = null;
  if (options.liveIndex) {
    const lock = acquireIndexLock(dbPath);
    if ('heldBy' in lock) {
      if (options.liveIndex === 'require') {
        throw new OutpostError('CONFLICT', `Another Outpost process (pid ${lock.heldBy}) already indexes this store; stop it first, or give this one its own data folder.`, { pid: lock.heldBy });
      }
      indexer = { self: false, pid: lock.heldBy };
    } else {
      indexLock = lock;
      indexer = { self: true, pid: process.pid };
    }
  }
  const store = await openStore(dbPath, options.sqliteBinding ? { nativeBinding: options.sqliteBinding } : {});
  const sql = store.sql;
  const bus = new EventBus();
  const vault = await Vault.load(sql, options.osCipher ?? null, options.kdf);
  if (options.passphrase) {
    try {
      if (options.deferUnlock) await vault.deferUnlock(options.passphrase);
      else await vault.unlock(options.passphrase);
    } catch (err) {
      indexLock?.release();
      await store.close(); // a passphrase refused at start (too short, wrong): nothing is left open
      throw err;
    }
  }
  const services = new Services({ db: sql, bus, vault, transport: options.transport, version, dataDir: options.dataDir, dbPath });
  const handlers: Handlers = createHandlers(services);
  if (options.resumeProcedures) {
    await services.engine.resumeAll();
    // Runs another process (or workstation) drove and stopped renewing are taken over when their lease ends.
    services.engine.watchLeases();
    await services.upgrades.resumeAll();
  }
  if (indexLock) void services.inventory.indexAll();
  // Long-running processes (app, host, serve) publish their metrics: a snapshot in the store for
  // `outpost metrics`, and statsd when configured. A one-shot CLI command has nothing to tell.
  if (options.liveIndex) services.metrics.publish(sql, options.transport === 'cli' ? 'serve' : options.transport, async () => (await services.settings.get()).metricsStatsd);

  async function dispatch(command: unknown, input: unknown, caller: Partial<Caller> = {}): Promise<Result<unknown>> {
    if (!isCommandName(command)) {
      return fail({ code: 'UNKNOWN_COMMAND', message: `Unknown command ${JSON.stringify(command)}.` });
    }
    const spec = commands[command];
    const parsed = spec.input.safeParse(input ?? {});
    if (!parsed.success) {
      return fail({
        code: 'VALIDATION',
        message: `Invalid input for ${command}: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; ')}`,
        details: { issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message, code: i.code })) },
      });
    }
    const who: Caller = { transport: caller.transport ?? options.transport, actor: caller.actor ?? await services.defaultActor() };
    const started = performance.now();
    try {
      const handler = handlers[command] as (input: unknown, caller: Caller) => unknown;
      const value = await handler(parsed.data, who);
      if (options.checkOutputs) spec.output.parse(value);
      services.metrics.command(command, performance.now() - started, null);
      return ok(value);
    } catch (err) {
      const error = toContractError(err);
      services.metrics.command(command, performance.now() - started, error.code);
      return fail(error);
    }
  }

  return {
    services,
    sql,
    dispatch,
    onEvent: (listener) => bus.subscribe(listener),
    indexer,
    close: async () => {
      await services.inventory.abandon();
      await services.metrics.close(); // the last figures are written: `outpost metrics` shows them after a stop
      indexLock?.release();
      services.upgrades.close();
      await services.engine.close();
      services.terminals.closeAll();
      services.fanout.close();
      services.playbooks.close();
      services.remote.close();
      services.enrollment.close();
      services.tasks.close();
      services.natPolicy.close();
      vault.lock();
      await store.close();
    },
  };
}
