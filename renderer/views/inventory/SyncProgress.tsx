import { useEffect, useState } from 'react';
import type { SyncState } from './use-site-activity';

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * A sync's progress. inventory.sync answers once, at the end, and no event reports pages as
 * they land, so while it runs the bar is indeterminate with the elapsed time; then the counts
 * and the elapsed time the command returned.
 */
export function SyncProgress({ site, state }: { site: string; state: SyncState }) {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!state.running) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, [state.running]);

  if (state.running) {
    const seconds = Math.max(0, (now - state.startedAt) / 1000).toFixed(1);
    return (
      <div className="sync-progress" data-testid={`sync-progress-${site}`}>
        <div className="sync-bar sync-bar-running" role="progressbar" aria-label={`Syncing ${site}`} aria-valuetext={`Syncing, ${seconds} s`} />
        <span className="small muted" role="status">
          Syncing {site}… {seconds} s
        </span>
      </div>
    );
  }
  if (state.error) {
    return (
      <p className="small sync-failed" data-testid={`sync-progress-${site}`}>
        Sync failed: <span className="mono">{state.error.code}</span> {state.error.message}
      </p>
    );
  }
  if (!state.result) return null;
  const c = state.result.counts;
  return (
    <div className="sync-progress" data-testid={`sync-progress-${site}`}>
      <div className="sync-bar sync-bar-done" role="progressbar" aria-label={`Sync of ${site}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={100} />
      <span className="small" role="status">
        Synced {site} in {(state.result.elapsedMs / 1000).toFixed(1)} s: {plural(c.vms, 'VM')}, {plural(c.hosts, 'host')}, {plural(c.clusters, 'cluster')},{' '}
        {plural(c.datacenters, 'datacenter')}, {plural(c.networks, 'network')}, {plural(c.datastores, 'datastore')}
        {state.result.removed > 0 ? `; ${plural(state.result.removed, 'object')} marked removed` : ''}.
      </span>
    </div>
  );
}
