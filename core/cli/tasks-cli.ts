import type { Command } from 'commander';
import type { Task } from '../contract/tasks.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { formatTable } from './output.js';

function stateText(t: Task): string {
  if (t.interrupted) return `interrupted (${t.state})`;
  if (t.state === 'waiting') return t.waitingFor === 'approval' ? 'WAITING FOR APPROVAL' : 'waiting (timer)';
  return t.state;
}

/** `outpost tasks`: the Recent Tasks feed (site syncs, VM power changes, fan-outs, procedure runs). */
export function registerTaskCommands(program: Command, context: CliContext): void {
  program
    .command('tasks')
    .description('Recent tasks: site syncs, VM power changes, fan-outs and procedure runs, newest first')
    .option('--active', 'only tasks still queued, running or waiting')
    .option('--limit <n>', 'how many (1-500)', positiveInt('--limit', 500), 50)
    .action(async (opts: { active?: boolean; limit: number }) => {
      const { tasks, counts } = await context.call('tasks.list', { limit: opts.limit, active: opts.active ?? false });
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify({ tasks, counts }));
        return;
      }
      if (tasks.length === 0) out.write(opts.active ? 'No task is running or waiting.' : 'No tasks yet.');
      else
        out.write(
          formatTable(
            ['STARTED', 'TASK', 'TARGET', 'STATE', 'PROGRESS', 'BY', 'DETAIL'],
            tasks.map((t) => [
              t.startedAt,
              t.title,
              t.target ?? '',
              stateText(t),
              t.progress === null ? '' : `${Math.round(t.progress * 100)}%`,
              t.startedBy,
              t.error ? `${t.error.code}: ${t.error.message}` : (t.detail ?? ''),
            ]),
          ),
        );
      out.write(`\n${counts.running} running, ${counts.waiting} waiting for approval`);
      const waiting = tasks.filter((t) => t.state === 'waiting' && t.waitingFor === 'approval' && t.kind === 'procedure');
      for (const t of waiting) out.write(`Approve: outpost procedures approve ${t.id}`);
    });
}
