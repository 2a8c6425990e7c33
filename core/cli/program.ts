import type { Command } from 'commander';
import type { CommandInput } from '../contract/commands.js';
import { migrateStore } from '../db/store.js';
import { createOutpostCore } from '../server/core.js';
import { baseProgram, makeStrict, runProgram } from './base-program.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { registerCertCommands } from './certificates-cli.js';
import { registerExecCommand } from './exec-cli.js';
import { registerHelperCommands } from './helpers-cli.js';
import { registerInventoryCommands } from './inventory-cli.js';
import { registerEventCommands } from './events-cli.js';
import { registerServeCommand } from './serve-cli.js';
import { registerIpamCommands } from './ipam-cli.js';
import { registerNatCommands } from './nat-cli.js';
import { registerProcedureCommands } from './procedures-cli.js';
import { registerUpgradeCommands } from './upgrades-cli.js';
import { registerRemoteCommands } from './remote-cli.js';
import { registerNetworkingCommands } from './networking-cli.js';
import { registerEnrollmentCommands } from './enrollment-cli.js';
import { registerUpdateCommands } from './update-cli.js';
import { registerTaskCommands } from './tasks-cli.js';
import { registerMetricsCommand } from './metrics-cli.js';
import { formatTable } from './output.js';

// The full `outpost` CLI: every command. main.ts loads it for everything but `exec` and --version.
export function buildProgram(): { program: Command; context: CliContext } {
  const { program, context } = baseProgram(createOutpostCore);

  const db = program.command('db').description('The local store');
  db.command('migrate')
    .description('Create the store or bring it to the current schema version')
    .action(async () => {
      const path = context.dbPath();
      const { version, ...report } = await migrateStore(path);
      const out = context.out;
      if (out.json) out.write(JSON.stringify({ db: path, ...report, version }));
      else if (report.applied.length === 0) out.write(`${path}: schema is current (version ${report.to}).`);
      else
        out.write(
          `${path}: migrated from version ${report.from} to ${report.to} (${report.applied.map((m) => `${m.version} ${m.name}`).join(', ')}).`,
        );
    });

  const audit = program.command('audit').description('The append-only audit log');
  audit
    .command('list')
    .description('Show audit records, newest first')
    .option('--limit <n>', 'how many records (1-1000)', positiveInt('--limit', 1000), 50)
    .option('--query <text>', 'only records whose actor, action or target contains this text')
    .option('--before <id>', 'only records older than this id (paging)', positiveInt('--before', Number.MAX_SAFE_INTEGER))
    .action(async (opts: { limit: number; query?: string; before?: number }) => {
      const page = await context.call('audit.list', {
        limit: opts.limit,
        ...(opts.query !== undefined ? { query: opts.query } : {}),
        ...(opts.before !== undefined ? { beforeId: opts.before } : {}),
      });
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(page));
        return;
      }
      if (page.entries.length === 0) {
        out.write('No audit records.');
        return;
      }
      out.write(
        formatTable(
          ['ID', 'WHEN', 'ACTOR', 'ACTION', 'TARGET', 'OUTCOME'],
          page.entries.map((e) => [String(e.id), e.at, e.actor, e.action, e.target ?? '', e.outcome]),
        ),
      );
      if (page.nextBeforeId !== null) out.write(`(older records: --before ${page.nextBeforeId})`);
    });

  program
    .command('info')
    .description('Version, data folder and schema version')
    .action(async () => {
      const info = await context.call('app.info', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(info));
      else out.write(formatTable(['KEY', 'VALUE'], Object.entries(info).map(([k, v]) => [k, String(v)])));
    });

  const settings = program.command('settings').description('Operator settings shared with the desktop app');
  settings
    .command('get')
    .description('Print all settings')
    .action(async () => {
      const value = await context.call('settings.get', {});
      const out = context.out;
      if (out.json) out.write(JSON.stringify(value));
      else out.write(formatTable(['KEY', 'VALUE'], Object.entries(value).map(([k, v]) => [k, JSON.stringify(v)])));
    });
  settings
    .command('set')
    .description('Change one setting, e.g. `outpost settings set theme dark`')
    .argument('<key>', 'setting name')
    .argument('<value>', 'new value (JSON for numbers and booleans, plain text for strings)')
    .action(async (key: string, raw: string) => {
      let value: unknown = raw;
      try {
        const parsed: unknown = JSON.parse(raw);
        if (typeof parsed !== 'string') value = parsed;
      } catch {
        // Not JSON: a plain string value.
      }
      const next = await context.call('settings.update', { [key]: value } as CommandInput<'settings.update'>);
      const out = context.out;
      out.write(out.json ? JSON.stringify(next) : `${key} = ${JSON.stringify(next[key as keyof typeof next])}`);
    });

  registerIpamCommands(program, context);
  registerNatCommands(program, context);
  registerProcedureCommands(program, context);
  registerHelperCommands(program, context);
  registerUpgradeCommands(program, context);
  registerCertCommands(program, context);
  registerExecCommand(program, context);
  registerRemoteCommands(program, context);
  registerInventoryCommands(program, context);
  registerEventCommands(program, context);
  registerServeCommand(program, context);
  registerNetworkingCommands(program, context);
  registerEnrollmentCommands(program, context);
  registerUpdateCommands(program, context);
  registerTaskCommands(program, context);
  registerMetricsCommand(program, context);

  makeStrict(program);
  return { program, context };
}

/** Runs the full CLI; returns the process exit code. Errors are one line on stderr. */
export function runCli(argv: string[]): Promise<number> {
  return runProgram(buildProgram(), argv);
}
