import type { Command } from 'commander';
import type { MetricSnapshot, ProcessMetrics } from '../contract/metrics.js';
import { quantileOf } from '../metrics/metrics.js';
import type { CliContext } from './cli-context.js';
import { formatTable } from './output.js';

const labelsText = (labels: Record<string, string>): string =>
  Object.entries(labels)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

const seconds = (v: number | null): string => (v === null ? '-' : v === Infinity ? '>max' : v < 1 ? `${Math.round(v * 1000)} ms` : `${v.toFixed(1)} s`);

/** One row per series: counters and gauges their value; histograms count, mean, p50 and p95 (bucket bounds). */
function rows(m: MetricSnapshot): string[][] {
  return m.series.map((s) => {
    if (m.type !== 'histogram') return [m.name, labelsText(s.labels), String(Math.round(s.value * 1000) / 1000), ''];
    const count = s.count ?? 0;
    const q = (p: number) => seconds(quantileOf(m.bounds ?? [], s.buckets ?? [], p));
    return [m.name, labelsText(s.labels), String(count), count ? `mean ${seconds(s.value / count)}, p50 ${q(0.5)}, p95 ${q(0.95)}` : ''];
  });
}

function printProcess(context: CliContext, p: ProcessMetrics): void {
  context.out.write(`${p.process} (${p.role}), written ${p.writtenAt}${p.stale ? ' - STALE: the process is probably not running' : ''}`);
  const table = p.snapshot.metrics.filter((m) => m.series.length > 0).flatMap(rows);
  context.out.write(formatTable(['METRIC', 'LABELS', 'VALUE', 'DISTRIBUTION'], table));
}

/**
 * `outpost metrics`: the figures of the long-running processes on this store (desktop app, host,
 * `outpost serve`). Each writes its metrics to the store every 10 s and when it stops, so this
 * separate process reads them there: no port needed, and it works for the app as for serve.
 */
export function registerMetricsCommand(program: Command, context: CliContext): void {
  program
    .command('metrics')
    .description('Metrics of the running Outpost processes on this store (sync, watch and event lag, procedure steps, fan-out, errors); written every 10 s')
    .action(async () => {
      const processes = await context.call('metrics.list', {});
      const out = context.out;
      if (out.json) {
        out.write(JSON.stringify(processes));
        return;
      }
      if (processes.length === 0) {
        out.write('No metrics yet: they are written by a running desktop app, outpost-host or `outpost serve` on this store (every 10 s).');
        return;
      }
      processes.forEach((p, i) => {
        if (i > 0) out.write('');
        printProcess(context, p);
      });
    });
}
