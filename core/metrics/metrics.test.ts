import { describe, expect, it } from 'vitest';
import { MAX_SERIES, MetricsRegistry, openMetricsText, quantileOf, statsdLines } from './metrics.js';

describe('metrics registry', () => {
  it('counts, sets and observes into fixed cumulative buckets; a counter never goes down', () => {
    const r = new MetricsRegistry();
    const c = r.counter('outpost_things_total', 'Things');
    c.inc({ site: 'a' });
    c.inc({ site: 'a' }, 2);
    c.inc({ site: 'a' }, -5);
    r.gauge('outpost_level', 'Level').set({}, 7);
    const h = r.histogram('outpost_step_seconds', 'Step', [0.1, 1, 10]);
    for (const v of [0.05, 0.5, 0.7, 5, 50]) h.observe({ kind: 'x' }, v);
    const s = r.snapshot(new Date('2026-01-01T00:00:00Z'));
    expect(s.metrics.find((m) => m.name === 'outpost_things_total')!.series).toEqual([{ labels: { site: 'a' }, value: 3 }]);
    expect(s.metrics.find((m) => m.name === 'outpost_level')!.series[0]!.value).toBe(7);
    const hs = s.metrics.find((m) => m.name === 'outpost_step_seconds')!;
    expect(hs.bounds).toEqual([0.1, 1, 10]);
    expect(hs.series[0]).toMatchObject({ count: 5, buckets: [1, 3, 4, 5] });
    expect(hs.series[0]!.value).toBeCloseTo(56.25);
    expect(quantileOf(hs.bounds!, hs.series[0]!.buckets!, 0.5)).toBe(1);
    expect(quantileOf(hs.bounds!, hs.series[0]!.buckets!, 0.99)).toBe(Infinity);
  });

  it('keeps memory bounded: label sets past the limit are dropped and counted', () => {
    const r = new MetricsRegistry();
    const c = r.counter('outpost_many_total', 'Many');
    for (let i = 0; i < MAX_SERIES + 25; i++) c.inc({ id: String(i) });
    const s = r.snapshot();
    expect(s.metrics.find((m) => m.name === 'outpost_many_total')!.series).toHaveLength(MAX_SERIES);
    expect(s.metrics.find((m) => m.name === 'outpost_metrics_series_dropped_total')!.series[0]!.value).toBe(25);
  });

  it('refuses a name reused for another type and a name OpenMetrics cannot carry', () => {
    const r = new MetricsRegistry();
    r.counter('outpost_x_total', 'x');
    expect(() => r.gauge('outpost_x_total', 'x')).toThrow(/already a counter/);
    expect(() => r.counter('outpost-bad', 'x')).toThrow(/invalid metric name/);
  });

  it('writes OpenMetrics text: TYPE/HELP per family, _total counters, cumulative le buckets to +Inf, escaped labels, # EOF', () => {
    const r = new MetricsRegistry();
    r.counter('outpost_errors_total', 'Errors').inc({ code: 'NOT_FOUND', where: 'say "hi"\\' });
    r.histogram('outpost_sync_seconds', 'Sync', [1, 5]).observe({ site: 'lab' }, 2);
    const text = openMetricsText(r.snapshot());
    expect(text).toContain('# TYPE outpost_errors counter\n# HELP outpost_errors Errors\noutpost_errors_total{code="NOT_FOUND",where="say \\"hi\\"\\\\"} 1\n');
    expect(text).toContain(
      '# TYPE outpost_sync_seconds histogram\n# HELP outpost_sync_seconds Sync\n' +
        'outpost_sync_seconds_bucket{site="lab",le="1"} 0\noutpost_sync_seconds_bucket{site="lab",le="5"} 1\noutpost_sync_seconds_bucket{site="lab",le="+Inf"} 1\n' +
        'outpost_sync_seconds_count{site="lab"} 1\noutpost_sync_seconds_sum{site="lab"} 2\n',
    );
    expect(text.endsWith('# EOF\n')).toBe(true);
  });

  it('statsd lines carry counter deltas since the last push, gauges as values, histogram count and sum deltas', () => {
    const r = new MetricsRegistry();
    const c = r.counter('outpost_commands_total', 'Commands');
    const h = r.histogram('outpost_command_seconds', 'Command', [1]);
    c.inc({ command: 'vms.list' }, 3);
    h.observe({}, 0.5);
    const first = r.snapshot();
    expect(statsdLines(null, first)).toEqual(['outpost.commands_total.command_vms_list:3|c', 'outpost.command_seconds.count:1|c', 'outpost.command_seconds.sum:0.5|c']);
    c.inc({ command: 'vms.list' });
    const second = r.snapshot();
    expect(statsdLines(first, second)).toEqual(['outpost.commands_total.command_vms_list:1|c']);
  });
});
