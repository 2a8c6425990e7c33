// The `outpost` program without its commands: global options, output and error conventions, and
// the run loop. Both the full CLI (program.ts) and the light `outpost exec` (exec-program.ts)
// start here, so they parse, print errors and exit alike.
import { Command, CommanderError } from 'commander';
import { existsSync } from 'node:fs';
import { toContractError } from '../contract/errors.js';
import { isPostgresTarget, pgPoolConfig } from '../db/pg-target.js';
import { checkStoreFile } from '../db/store.js';
import { DB_FILE } from '../server/data-dir.js';
import { version } from '../server/version.js';
import { exitCodeFor } from './cli-error.js';
import { CliContext, type CreateCore, type GlobalOptions } from './cli-context.js';
import { errorLine, escapeUntrusted, isOutputClosed, OUTPUT_CLOSED_EXIT } from './output.js';

export function baseProgram(createCore?: CreateCore): { program: Command; context: CliContext } {
  const program = new Command('outpost');
  const context = new CliContext(program, createCore);
  program
    .description('Outpost operator console: the command line over the same services as the desktop app.')
    .version(version, '-V, --version', 'print the version')
    .option('--db <path>', `SQLite store file, or a postgres:// URL of a team database (default: $OUTPOST_DB, else ${DB_FILE} in the app's data dir or $OUTPOST_DATA_DIR)`)
    .option('--json', 'machine-readable JSON output')
    .configureOutput({
      writeErr: (text) => process.stderr.write(text),
      // One line on bad input: commander's message plus where to look, nothing else.
      outputError: (text, write) => write(`${escapeUntrusted(text.trim().replace(/^error: /, 'outpost: '))} (see --help)\n`),
    })
    .configureHelp({ showGlobalOptions: true })
    // A --db that is not a store is bad input: one line with its code, before any command runs.
    .hook('preAction', () => {
      if (context.options.db === undefined && !process.env['OUTPOST_DB']) return;
      const path = context.dbPath();
      if (isPostgresTarget(path)) pgPoolConfig(path); // a malformed URL is refused before anything runs
      else if (existsSync(path)) checkStoreFile(path);
    })
    .addHelpText(
      'after',
      '\nEnvironment:\n  OUTPOST_DATA_DIR           data folder (default: the desktop app\'s)\n  OUTPOST_DB                 store file or postgres:// URL (as --db); PGPASSWORD or ~/.pgpass give its password\n  OUTPOST_VAULT_PASSPHRASE   unlocks the secrets vault for commands that need it',
    );
  return { program, context };
}

/** Every level gets --help and strict argument checking; call once all commands are added. */
export function makeStrict(cmd: Command): void {
  cmd.exitOverride().allowExcessArguments(false);
  cmd.commands.forEach(makeStrict);
}

/** Runs a built program on argv; returns the process exit code. Errors are one line on stderr. */
export async function runProgram({ program, context }: { program: Command; context: CliContext }, argv: string[]): Promise<number> {
  try {
    await program.parseAsync(argv, { from: 'user' });
    if (isOutputClosed()) return OUTPUT_CLOSED_EXIT;
    // Commands that drive procedures report the run's outcome through the exit code.
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      // Everything else commander stops on is bad input (unknown command, bad option, a group
      // such as `outpost db` called without its subcommand, which prints that group's help).
      return 2;
    }
    const e = toContractError(err);
    const json = Boolean(program.opts<GlobalOptions>().json);
    process.stderr.write(json ? `${JSON.stringify({ error: e })}\n` : errorLine(e));
    return exitCodeFor(e.code);
  } finally {
    await context.close();
  }
}
