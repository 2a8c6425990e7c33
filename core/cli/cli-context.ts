import { Command, InvalidArgumentError } from 'commander';
import { resolve } from 'node:path';
import type { CommandInput, CommandName, CommandOutput } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import { isPostgresTarget } from '../db/pg-target.js';
import type { CoreOptions, OutpostCore } from '../server/core.js';
import { DB_FILE, defaultDataDir } from '../server/data-dir.js';
import { takePassphrase } from '../vault/env-passphrase.js';
import { createOutput, type Output } from './output.js';

export interface GlobalOptions {
  db?: string;
  json?: boolean;
}

export function positiveInt(name: string, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1 || n > max) {
      throw new InvalidArgumentError(`${name} must be a whole number from 1 to ${max}.`);
    }
    return n;
  };
}

/** How the full CLI opens the core (server/core.js); `outpost exec` runs without it (see exec-cli.ts). */
export type CreateCore = (options: CoreOptions) => Promise<OutpostCore>;

/** Context each subcommand gets: output mode and a lazily opened core on the chosen store. */
export class CliContext {
  private core: OutpostCore | null = null;
  /** Taken out of the environment (or the systemd credential) at start, before any command runs (see takePassphrase). */
  private readonly passphrase = takePassphrase();

  constructor(
    private readonly program: Command,
    private readonly createCore?: CreateCore,
  ) {}

  get options(): GlobalOptions {
    return this.program.opts<GlobalOptions>();
  }

  get out(): Output {
    return createOutput(Boolean(this.options.json));
  }

  /** --db, else $OUTPOST_DB, else the store in the data folder; a postgres:// URL is kept as it is. */
  dbPath(): string {
    const target = this.options.db ?? (process.env['OUTPOST_DB'] || undefined);
    if (target !== undefined && isPostgresTarget(target)) return target;
    return resolve(target ?? `${defaultDataDir()}/${DB_FILE}`);
  }

  /** The store was chosen (--db or $OUTPOST_DB) rather than defaulted to the data folder's. */
  private get chosenDb(): boolean {
    return this.options.db !== undefined || Boolean(process.env['OUTPOST_DB']);
  }

  /** Opens the core (once); `extra` adds core options for the command that opens it first (serve's liveIndex). */
  async open(extra: Partial<Pick<CoreOptions, 'liveIndex'>> = {}): Promise<OutpostCore> {
    if (!this.core) {
      if (!this.createCore) throw new OutpostError('INTERNAL', 'This command was started without the core.');
      const dbPath = this.dbPath();
      const passphrase = this.passphrase;
      // Without --db the store lives in Outpost's own data folder, which the core makes private;
      // a folder the operator chose with --db is left as it is (only the store files are 0600).
      this.core = await this.createCore({
        // A team database (postgres://) keeps this workstation's own files (vault key, logs) in the data folder.
        ...(!this.chosenDb ? { dataDir: resolve(defaultDataDir()) } : isPostgresTarget(dbPath) ? { dataDir: resolve(defaultDataDir()), dbPath } : { dataDir: resolve(dbPath, '..'), dbPath }),
        transport: 'cli',
        ...extra,
        ...(passphrase ? { passphrase, deferUnlock: true } : {}),
      });
    }
    return this.core;
  }

  /** Runs a contract command exactly as the UI would: same validation, same handler. */
  async call<N extends CommandName>(command: N, input: CommandInput<N>): Promise<CommandOutput<N>> {
    const result = await (await this.open()).dispatch(command, input, { transport: 'cli' });
    if (!result.ok) throw new OutpostError(result.error.code, result.error.message, result.error.details);
    return result.value as CommandOutput<N>;
  }

  async close(): Promise<void> {
    await this.core?.close();
    this.core = null;
  }
}

