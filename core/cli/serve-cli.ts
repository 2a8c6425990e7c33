import type { Command } from 'commander';
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
    .action(async () => {
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
      const sites = await inventory.indexAll(); // again, now that the log is attached: a no-op for running watchers
      log({ state: 'serving', pid: process.pid, sites: sites.map((s) => s.site) }, `outpost serve: indexing ${sites.length} site${sites.length === 1 ? '' : 's'} (pid ${process.pid})`);
      await stopRequested;
      log({ state: 'stopping' }, 'outpost serve: stopping');
      await inventory.close();
      await context.close();
      log({ state: 'stopped' }, 'outpost serve: stopped');
    });
}
