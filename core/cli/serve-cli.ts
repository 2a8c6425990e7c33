import { createServer, type Server } from 'node:http';
import type { Command } from 'commander';
import { OutpostError } from '../contract/errors.js';
import { openMetricsText } from '../metrics/metrics.js';
import type { MetricsRegistry } from '../metrics/metrics.js';
import type { WatchStatus } from '../inventory/inventory-watcher.js';
import type { CliContext } from './cli-context.js';
import { escapeUntrusted } from './output.js';

/**
 * `outpost serve`: the always-on index without the UI, for a site server. Foreground, one log
 * line per state change and per stored event on stdout (journald keeps them), exits 0 on
 * SIGTERM/SIGINT after closing every vCenter session. The store's index lock keeps a second serve
 * (or the desktop app) on the same store from indexing too.
 */
export function registerServeCommand(program: Command, context: CliContext): void {
  program
    .command('serve')
    .description('Keep every site indexed (inventory and vCenter events) until stopped; for a site server under systemd')
    .option('--metrics-port <port>', 'also serve OpenMetrics text at http://127.0.0.1:PORT/metrics (loopback only; for Prometheus or a local agent)', metricsPort)
    .action(async (o: { metricsPort?: number }) => {
      const json = context.out.json;
      const log = (record: Record<string, unknown>, text: string): void => {
        process.stdout.write(`${json ? JSON.stringify({ at: new Date().toISOString(), ...record }) : `${new Date().toISOString()} ${escapeUntrusted(text)}`}\n`);
      };
      // Listening from the first moment: a SIGTERM during start-up still ends in a clean stop.
      const stopRequested = new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      const core = await context.open({ liveIndex: 'require' });
      const inventory = core.services.inventory;
      inventory.watchTuning = {
        onStatus: (site: string, s: WatchStatus) => {
          const why = s.lastError && s.state !== 'watching' ? ` (${s.lastError.code}: ${s.lastError.message})` : '';
          const retry = s.retryAt ? `, retry at ${s.retryAt}` : '';
          log({ site, state: s.state, retryAt: s.retryAt, error: s.lastError }, `${site}: ${s.state}${why}${retry}`);
        },
        onEvents: (site, events) => {
          for (const e of events) log({ site, event: e.type, key: e.key, user: e.userName, vm: e.vmName, host: e.hostName }, `${site}: event ${e.type} ${e.userName ?? '-'} ${e.vmName ?? e.hostName ?? ''}`);
        },
      };
      const metricsServer = o.metricsPort === undefined ? null : await serveMetrics(core.services.metrics.registry, o.metricsPort);
      if (metricsServer) log({ state: 'metrics', url: `http://127.0.0.1:${o.metricsPort}/metrics` }, `outpost serve: metrics at http://127.0.0.1:${o.metricsPort}/metrics`);
      // A team database: each site is indexed by whichever process holds its advisory lock (taken
      // when the core opened, and taken over when its holder goes away); indexAll would index every
      // site here as well, beside another serve or console. A store file: this process holds its lock.
      const team = core.sql.engine === 'postgres';
      const sites = team ? inventory.watchStatus() : await inventory.indexAll(); // again, now that the log is attached: a no-op for running watchers
      const more = team ? '; other sites are indexed elsewhere and taken over when their indexer goes away' : '';
      log({ state: 'serving', pid: process.pid, sites: sites.map((s) => s.site), team }, `outpost serve: indexing ${sites.length} site${sites.length === 1 ? '' : 's'} (pid ${process.pid})${more}`);
      await stopRequested;
      log({ state: 'stopping' }, 'outpost serve: stopping');
      metricsServer?.close();
      await inventory.close();
      await context.close();
      log({ state: 'stopped' }, 'outpost serve: stopped');
    });
}

function metricsPort(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || n < 1 || n > 65535) throw new OutpostError('VALIDATION', `--metrics-port must be a port number (1-65535), not "${value}".`);
  return n;
}

/** GET /metrics on 127.0.0.1 only: the figures say what the estate looks like, not for the network. */
function serveMetrics(registry: MetricsRegistry, port: number): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Only GET /metrics is served here.\n');
      return;
    }
    res.writeHead(200, { 'Content-Type': 'application/openmetrics-text; version=1.0.0; charset=utf-8' }).end(openMetricsText(registry.snapshot()));
  });
  return new Promise((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(new OutpostError('CONFLICT', `The metrics port 127.0.0.1:${port} cannot be used (${err.code ?? err.message}); choose another with --metrics-port.`)),
    );
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
