import type { Command } from 'commander';
import { resolve } from 'node:path';
import { positiveInt, type CliContext } from './cli-context.js';
import { formatTable } from './output.js';

const seconds = (ms: number | null): string => (ms === null ? 'running' : `${(ms / 1000).toFixed(1)} s`);

/** `outpost recordings list|export|play`: recorded terminal sessions (asciicast v2). */
export function registerRecordingCommands(program: Command, context: CliContext): void {
  const recordings = program.command('recordings').description('Recorded terminal sessions (asciicast v2, output only): who, where, when, how long');
  recordings
    .command('list')
    .description('Recordings, newest first')
    .option('--query <text>', 'only those whose target or user contains this')
    .option('--limit <n>', 'at most this many (default 200)', positiveInt('--limit', 10_000))
    .action(async (o: { query?: string; limit?: number }) => {
      const rows = await context.call('recording.list', { ...(o.query ? { query: o.query } : {}), limit: o.limit ?? 200 });
      const out = context.out;
      if (out.json) return out.write(JSON.stringify(rows));
      out.write(
        formatTable(
          ['ID', 'STARTED', 'WHO', 'WHERE', 'KIND', 'DURATION', 'BYTES', 'ERROR'],
          rows.map((r) => [String(r.id), r.startedAt, r.actor, r.target, r.kind, seconds(r.durationMs), String(r.bytes), r.errorCode ?? '']),
        ),
      );
    });
  recordings
    .command('export')
    .description('Copy a recording to FILE (asciicast v2: play it with `asciinema play FILE`)')
    .argument('<id>', 'recording id (from recordings list)', positiveInt('id', Number.MAX_SAFE_INTEGER))
    .argument('<file>', 'where to write it')
    .action(async (id: number, file: string) => {
      const r = await context.call('recording.export', { id, to: resolve(file) });
      const out = context.out;
      out.write(out.json ? JSON.stringify(r) : `Wrote ${r.path} (${r.bytes} bytes).`);
    });
  recordings
    .command('cat')
    .description("Print a recording's output (what the screen showed, control sequences included) to stdout")
    .argument('<id>', 'recording id', positiveInt('id', Number.MAX_SAFE_INTEGER))
    .action(async (id: number) => {
      let offset: number | null = 0;
      while (offset !== null) {
        const page: { cast: string; nextOffset: number | null } = await context.call('recording.get', { id, offset, limit: 512 * 1024 });
        const lines = page.cast.split('\n');
        for (const [i, line] of lines.entries()) {
          if (!line || (offset === 0 && i === 0)) continue;
          const event: unknown = JSON.parse(line);
          if (Array.isArray(event) && event[1] === 'o' && typeof event[2] === 'string') process.stdout.write(event[2]);
        }
        offset = page.nextOffset;
      }
    });
}
