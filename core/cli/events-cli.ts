import { InvalidArgumentError, type Command } from 'commander';
import type { VcenterEvent } from '../contract/inventory.js';
import { positiveInt, type CliContext } from './cli-context.js';
import { escapeUntrusted, formatTable } from './output.js';

/** --since: an ISO time, or an age like 30m, 2h, 7d. */
export function sinceValue(value: string, now = Date.now()): string {
  const age = /^(\d+)([smhd])$/.exec(value.trim());
  if (age) {
    const unit = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 's' | 'm' | 'h' | 'd'];
    return new Date(now - Number(age[1]) * unit).toISOString();
  }
  if (/^\d{4}-\d\d-\d\dT/.test(value) && Number.isFinite(Date.parse(value))) return new Date(value).toISOString();
  throw new InvalidArgumentError('--since takes an ISO time (2026-01-31T12:00:00Z) or an age (30m, 2h, 7d).');
}

const line = (e: VcenterEvent): string[] => [e.createdAt, e.site, e.type, e.userName ?? '-', e.vmName ?? e.hostName ?? '-', e.message || '-'];
const HEADER = ['TIME', 'SITE', 'TYPE', 'USER', 'OBJECT', 'MESSAGE'];

interface EventOptions {
  site?: string;
  vm?: string;
  host?: string;
  user?: string;
  type?: string;
  since?: string;
  limit: number;
  follow?: boolean;
  interval: number;
}

export function registerEventCommands(program: Command, context: CliContext): void {
  const events = program.command('events').description('vCenter events the index stored (who did what, when)');
  events
    .command('list')
    .description('Show stored vCenter events, oldest of the newest --limit first; --follow keeps printing new ones (like govc events -f)')
    .option('--site <name>', 'only this site')
    .option('--vm <name>', 'only events of VMs whose name contains this (or this moref)')
    .option('--host <name>', 'only events of hosts whose name contains this (or this moref)')
    .option('--user <user>', 'only events by this vCenter user')
    .option('--type <type>', 'only this event type (VmPoweredOffEvent), or a prefix with * (Vm*)')
    .option('--since <when>', 'only events since an ISO time or an age (30m, 2h, 7d)', (v: string) => sinceValue(v))
    .option('--limit <n>', 'how many of the newest events to show first (1-1000)', positiveInt('--limit', 1000), 50)
    .option('-f, --follow', 'keep printing events as the index stores them, until Ctrl-C')
    .option('--interval <ms>', 'with --follow: how often to look for new events (ms)', positiveInt('--interval', 60_000), 1000)
    .action(async (o: EventOptions) => {
      const out = context.out;
      const filter = {
        ...(o.site ? { site: o.site } : {}),
        ...(o.vm ? { vm: o.vm } : {}),
        ...(o.host ? { host: o.host } : {}),
        ...(o.user ? { user: o.user } : {}),
        ...(o.type ? { type: o.type } : {}),
        ...(o.since ? { since: o.since } : {}),
      };
      // Ctrl-C / SIGTERM end a --follow cleanly (exit 0) from the first moment on.
      let stop = false;
      let wake: () => void = () => undefined;
      const onSignal = (): void => {
        stop = true;
        wake();
      };
      if (o.follow) {
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
      }
      const first = await context.call('events.list', { ...filter, limit: o.limit });
      const shown = [...first.events].reverse();
      if (!o.follow) {
        if (out.json) out.write(JSON.stringify(shown));
        else if (shown.length === 0) out.write('No events match.');
        else out.write(formatTable(HEADER, shown.map(line)));
        return;
      }
      // Follow: one line (or JSON object) per event; only the last id is kept, so memory stays flat.
      // One event, one line: each cell escaped on its own, so a newline in a vCenter message cannot split it.
      const print = (e: VcenterEvent): void => out.write(out.json ? JSON.stringify(e) : line(e).map((c) => escapeUntrusted(c)).join('  '));
      let lastId = first.lastId;
      try {
        shown.forEach(print);
        while (!stop) {
          const page = await context.call('events.list', { ...filter, afterId: lastId, limit: 500 });
          page.events.forEach(print);
          lastId = page.lastId;
          if (!stop && page.events.length < 500) await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, o.interval);
            wake = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
}
