import { useEffect, useState } from 'react';
import type { SyncState } from './use-site-activity';

const plural = (n: number, one: string, many = `${one}s`): string => `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;

/**
 * A sync's progress. While it runs, inventory.sync.progress events report each stored page: the
 * counts so far and, when an earlier sync found N VMs, a bar that fills towards N (indeterminate
 * on a first sync, with the counts); then the counts and the elapsed time the command returned.
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
    const p = state.progress;
    const expected = p?.expectedVms ?? null;
    const percent = p && expected ? Math.min(99, Math.floor((p.counts.vms / Math.max(1, expected)) * 100)) : null;
    const what = !p
      ? 'connecting'
      : p.phase === 'structure'
        ? `${plural(p.counts.hosts, 'host')}, ${plural(p.counts.clusters, 'cluster')}, ${plural(p.counts.datastores, 'datastore')}, ${plural(p.counts.networks, 'network')} stored; reading VMs`
        : `${p.counts.vms.toLocaleString('en-US')}${expected ? ` of ~${expected.toLocaleString('en-US')}` : ''} VMs stored, ${plural(p.pages, 'page')}`;
    return (
      <div className="sync-progress" data-testid={`sync-progress-${site}`}>
        {percent === null ? (
          <div className="sync-bar sync-bar-running" role="progressbar" aria-label={`Syncing ${site}`} aria-valuetext={`Syncing, ${what}, ${seconds} s`} />
        ) : (
          <div className="sync-bar" role="progressbar" aria-label={`Syncing ${site}`} aria-valuemin={0} aria-valuemax={100} aria-valuenow={percent} aria-valuetext={`${percent}%, ${what}`}>
            <div className="sync-bar-fill" style={{ width: `${percent}%` }} />
          </div>
        )}
        <span className="small muted" role="status" data-testid={`sync-status-${site}`}>
          Syncing {site}… {what} · {seconds} s
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
