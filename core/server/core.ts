// core/server/ is the composition root: it wires every domain's services over one store, registers
// their procedures (procedures.ts) and maps each contract command to a handler (handlers/). Only the
// transports (core/host, core/cli, electron/) import it; see lint/core-layers.js.
import { join } from 'node:path';
import { commands, isCommandName, type Transport } from '../contract/commands.js';
import { fail, ok, OutpostError, toContractError, type Result } from '../contract/errors.js';
import type { Sql } from '../db/sql.js';
import { OfflineGuard } from '../db/offline-guard.js';
import { isPostgresTarget, pgPoolConfig, redactTarget, type PgConnectOptions } from '../db/pg-target.js';
import { openStore, type Store } from '../db/store.js';
import { trustedCaPems } from '../certificates/trust-store.js';
import { readTeamConfig, readTeamPassword } from '../team/team-config.js';
import { TeamSession } from '../team/team-session.js';
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
  /** Use this workstation's own store even when a team connection is saved (`team connect` must work when the team is not reachable). */
  ignoreTeam?: boolean;
  /** Team mode: how often free sites' index locks are tried (tests shorten it). */
  indexLockPollMs?: number;
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
  const localPath = join(options.dataDir, DB_FILE);
  // A saved team connection makes the team database this workstation's store, unless --db / OUTPOST_DB chose one.
  const team = options.dbPath === undefined && !options.ignoreTeam ? readTeamConfig(options.dataDir) : null;
  const dbPath = options.dbPath ?? team?.url ?? localPath;
  if (isPostgresTarget(dbPath)) return await createTeamCore(options, dbPath, team);
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
  const bus = new EventBus();
  let vault: Vault;
  try {
    vault = await openVault(store, options);
  } catch (err) {
    indexLock?.release();
    throw err;
  }
  const services = new Services({ db: store.sql, bus, vault, transport: options.transport, version, dataDir: options.dataDir, dbPath });
  if (options.resumeProcedures) {
    await services.engine.resumeAll();
    // Runs another process (or workstation) drove and stopped renewing are taken over when their lease ends.
    services.engine.watchLeases();
    await services.upgrades.resumeAll();
  }
  if (indexLock) void services.inventory.indexAll();
  return assemble(options, { services, bus, sql: store.sql, indexer, vault, store, beforeClose: () => indexLock?.release() });
}

/** Opens the vault over a store and unlocks it with the start passphrase; on failure closes the store. */
async function openVault(store: Store, options: CoreOptions, defer = options.deferUnlock): Promise<Vault> {
  const vault = await Vault.load(store.sql, options.osCipher ?? null, options.kdf);
  if (options.passphrase) {
    try {
      if (defer) await vault.deferUnlock(options.passphrase);
      else await vault.unlock(options.passphrase);
    } catch (err) {
      await store.close(); // a passphrase refused at start (too short, wrong): nothing is left open
      throw err;
    }
  }
  return vault;
}

/**
 * Team mode: the store is the team's PostgreSQL database. This workstation's own SQLite store
 * stays open beside it for what never goes to the team: the team password (sealed in its vault)
 * and the estate to import. The services get the team store through the offline guard
 * (TEAM_OFFLINE), events travel over LISTEN/NOTIFY, and each site's index runs in whichever
 * process holds its advisory lock instead of under the file lock.
 */
async function createTeamCore(options: CoreOptions, target: string, team: ReturnType<typeof readTeamConfig>): Promise<OutpostCore> {
  const localStore = await openStore(join(options.dataDir, DB_FILE), options.sqliteBinding ? { nativeBinding: options.sqliteBinding } : {});
  let store: Store | null = null;
  try {
    // Not deferred when the team password is needed now.
    const localVault = await openVault(localStore, options, team ? false : options.deferUnlock);
    const connect: PgConnectOptions = {};
    if (team) {
      const password = await readTeamPassword(localStore.sql, localVault);
      if (password !== null) connect.password = password;
      const cas = [...(await trustedCaPems(localStore.sql)), ...(team.ca ? [team.ca] : [])];
      if (cas.length) connect.ca = cas.join('\n');
      if (team.fingerprint) connect.pinSha256 = team.fingerprint;
    }
    store = await openStore(target, connect);
    const where = redactTarget(target);
    const bus = new EventBus();
    let services: Services | null = null;
    const guard = new OfflineGuard(store.sql, { where, onLost: () => void services?.emitStatus() });
    const session = new TeamSession({
      target: where,
      clientConfig: (applicationName) => ({ ...pgPoolConfig(target, connect), application_name: applicationName }),
      guard,
      bus,
      onChange: () => void services?.emitStatus(),
      // Another workstation's settings.changed carries its operator name: this console shows its own.
      localise: (name) => (name === 'settings.changed' && services ? services.settings.get() : null),
    });
    const vault = await openVault(store, options);
    services = new Services({ db: guard, bus, vault, transport: options.transport, version, dataDir: options.dataDir, dbPath: where, team: { session, local: { sql: localStore.sql, vault: localVault } } });
    await session.start();
    if (options.resumeProcedures) {
      await services.engine.resumeAll();
      await services.upgrades.resumeAll();
    }
    const inventory = services.inventory;
    if (options.liveIndex) {
      await session.startIndexing({
        sites: () => inventory.liveSites(),
        onAcquired: (site) => inventory.indexSite(site.name),
        onReleased: (site) => Promise.resolve(inventory.unindexSite(site.name)),
        ...(options.indexLockPollMs ? { pollMs: options.indexLockPollMs } : {}),
      });
    }
    const opened = store;
    return assemble(options, {
      services,
      bus,
      sql: guard,
      indexer: options.liveIndex ? { self: true, pid: process.pid } : null,
      vault,
      store: opened,
      beforeClose: async () => {
        await session.close();
      },
      afterClose: async () => {
        localVault.lock();
        await localStore.close();
      },
    });
  } catch (err) {
    await store?.close().catch(() => undefined);
    await localStore.close().catch(() => undefined);
    throw err;
  }
}

interface Assembled {
  services: Services;
  bus: EventBus;
  sql: Sql;
  indexer: OutpostCore['indexer'];
  vault: Vault;
  store: Store;
  beforeClose: () => unknown;
  afterClose?: () => Promise<void>;
}

function assemble(options: CoreOptions, a: Assembled): OutpostCore {
  const { services, bus, sql, indexer, vault, store } = a;
  const handlers: Handlers = createHandlers(services);
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
      await a.beforeClose();
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
      await a.afterClose?.();
    },
  };
}
