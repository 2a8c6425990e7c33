import type { Command } from 'commander';
import type { ProcedureDetail, ProcedureState } from '../contract/commands.js';
import { procedureStateSchema } from '../contract/commands.js';
import { OutpostError } from '../contract/errors.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { formatTable } from './output.js';

/** Exit codes for a driven procedure: 0 succeeded, 1 failed or rolled back, 3 waiting for an operator. */
export function exitCodeForState(state: ProcedureState): number {
  if (state === 'succeeded') return 0;
  if (state === 'waiting') return 3;
  return 1;
}

/** Prints a run the way an operator reads it: steps, then what to do next. */
export function printProcedure(context: CliContext, d: ProcedureDetail): void {
  const out = context.out;
  if (out.json) {
    out.write(JSON.stringify(d));
    return;
  }
  const p = d.procedure;
  out.write(`${p.title} (${p.kind}) ${p.id}\n  target: ${p.target ?? '-'}  state: ${p.state}  by ${p.createdBy} at ${p.createdAt}`);
  out.write(
    formatTable(
      ['#', 'STEP', 'STATE', 'TRIES', 'NOTE'],
      d.steps.map((s) => [String(s.idx + 1), s.name, s.state, String(s.attempts), s.error ? `${s.error.code}: ${s.error.message}` : s.gate?.approvedBy ? `approved by ${s.gate.approvedBy}` : '']),
    ),
  );
  if (p.error) out.write(`error: ${p.error.code}: ${p.error.message}`);
  const waiting = d.steps.find((s) => s.state === 'waiting');
  if (p.state === 'waiting' && waiting?.gate) {
    out.write(waiting.gate.kind === 'approve' ? `\nWaiting for approval:\n${waiting.gate.prompt ?? ''}\n\nWhen done: outpost procedures approve ${p.id}` : `\nWaiting until ${waiting.gate.waitUntil}`);
  }
  if (p.state === 'failed') out.write(`\nNext: outpost procedures retry ${p.id}   or   outpost procedures rollback ${p.id}`);
}

/** Drives a run in this process until it settles or waits, then prints it; returns the exit code. */
export async function driveAndReport(context: CliContext, id: string): Promise<number> {
  const engine = (await context.open()).services.engine;
  await engine.whenIdle(id);
  const detail = await context.call('procedures.get', { id });
  printProcedure(context, detail);
  return exitCodeForState(detail.procedure.state);
}

export function registerProcedureCommands(program: Command, context: CliContext): void {
  const procedures = program.command('procedures').description('Durable procedure runs (NAT, enrollment, upgrades)');

  procedures
    .command('list')
    .description('Runs, newest first')
    .option('--state <state>', `only runs in this state (${procedureStateSchema.options.join(', ')})`)
    .option('--limit <n>', 'how many (1-500)', positiveInt('--limit', 500), 100)
    .action(async (opts: { state?: string; limit: number }) => {
      const state = opts.state === undefined ? undefined : procedureStateSchema.safeParse(opts.state);
      if (state && !state.success) throw new OutpostError('VALIDATION', `--state must be one of ${procedureStateSchema.options.join(', ')}.`);
      const rows = await context.call('procedures.list', { limit: opts.limit, ...(state?.success ? { state: state.data } : {}) });
      const out = context.out;
      if (out.json) out.write(JSON.stringify(rows));
      else if (rows.length === 0) out.write('No procedure runs.');
      else {
        // A run whose process died still says "running" in the store: show it as what it is.
        out.write(formatTable(['ID', 'KIND', 'STATE', 'TARGET', 'BY', 'CREATED'], rows.map((r) => [r.id, r.kind, r.interrupted ? `interrupted (${r.state})` : r.state, r.target ?? '', r.createdBy, r.createdAt])));
        const interrupted = rows.filter((r) => r.interrupted);
        if (interrupted.length === 1) out.write(`\n1 run was interrupted (the process running it is gone). Continue it: outpost procedures resume ${interrupted[0]!.id}`);
        else if (interrupted.length > 1) out.write(`\n${interrupted.length} runs were interrupted (the processes running them are gone). Continue them: outpost procedures resume`);
      }
    });

  procedures
    .command('show')
    .description('One run: steps, errors, what it waits for')
    .argument('<id>', 'procedure id')
    .action(async (id: string) => printProcedure(context, await context.call('procedures.get', { id })));

  procedures
    .command('resume')
    .description('Drive unfinished runs (all, or one) in this process until they end or wait')
    .argument('[id]', 'procedure id (default: every unfinished run)')
    .action(async (id?: string) => {
      const engine = (await context.open()).services.engine;
      const ids = id ? [id] : await engine.store.unfinished();
      if (id) await engine.detail(id); // NOT_FOUND before anything runs
      if (ids.length === 0) {
        context.out.write(context.out.json ? '[]' : 'Nothing to resume.');
        return;
      }
      await engine.resumeAll(); // claims what no live process holds
      let code = 0;
      for (const one of ids) code = Math.max(code, await driveAndReport(context, one));
      process.exitCode = code;
    });

  const action = (name: 'approve' | 'cancel' | 'retry' | 'rollback', description: string): void => {
    procedures
      .command(name === 'cancel' ? 'abort' : name)
      .description(description)
      .argument('<id>', 'procedure id')
      .action(async (id: string) => {
        await context.call(`procedures.${name}`, { id });
        process.exitCode = await driveAndReport(context, id);
      });
  };
  action('approve', 'Approve the gate a run waits at, and continue it here');
  action('cancel', 'Cancel a run: undo what it did');
  action('retry', 'Run a failed run again from its failed step');
  action('rollback', 'Undo the completed steps of a failed run');
}
