import type { metricsCommands } from '../../contract/metrics.js';
import type { Services } from '../services.js';
import type { DomainHandlers } from './index.js';

/** Metrics the long-running processes wrote (`outpost metrics`). */
export function metricsHandlers(s: Services): DomainHandlers<typeof metricsCommands> {
  return {
    'metrics.list': () => s.metricsList(),
  };
}
