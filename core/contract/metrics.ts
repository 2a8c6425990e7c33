import { z } from 'zod';
import type { CommandSpec } from './command-spec.js';

/** One label set of a metric. */
export const metricSeriesSchema = z.object({
  labels: z.record(z.string(), z.string()),
  /** counter and gauge: the value; histogram: the sum of the observations. */
  value: z.number(),
  count: z.number().optional(),
  /** Cumulative counts per upper bound (as in OpenMetrics), the last one being +Inf. */
  buckets: z.array(z.number()).optional(),
});
export const metricSchema = z.object({
  name: z.string(),
  help: z.string(),
  type: z.enum(['counter', 'gauge', 'histogram']),
  /** A histogram's upper bounds (+Inf implied). */
  bounds: z.array(z.number()).optional(),
  series: z.array(metricSeriesSchema),
});
export const metricsSnapshotSchema = z.object({ at: z.string(), metrics: z.array(metricSchema) });
export type MetricSeries = z.infer<typeof metricSeriesSchema>;
export type MetricSnapshot = z.infer<typeof metricSchema>;
export type MetricsSnapshot = z.infer<typeof metricsSnapshotSchema>;

export const processMetricsSchema = z.object({
  /** "serve:PID@HOST", "host:PID@HOST", "electron:PID@HOST". */
  process: z.string(),
  pid: z.number().int(),
  role: z.string(),
  writtenAt: z.string(),
  /** Not written for longer than three flush intervals: the process is probably gone. */
  stale: z.boolean(),
  snapshot: metricsSnapshotSchema,
});
export type ProcessMetrics = z.infer<typeof processMetricsSchema>;

/** Metrics of the long-running Outpost processes on this store. Spread into `commands`. */
export const metricsCommands = {
  'metrics.list': {
    summary: 'The metrics each long-running Outpost process (app, host, serve) on this store last wrote (every 10 s), newest first',
    input: z.object({}).strict(),
    output: z.array(processMetricsSchema),
  },
} as const satisfies Record<string, CommandSpec>;
