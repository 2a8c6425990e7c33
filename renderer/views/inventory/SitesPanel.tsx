import type { AddedSite, SiteSummary, WatchStatusSummary } from '../../../core/contract';
import { formatTime } from '../format-time';
import { AddSiteForm } from './AddSiteForm';
import { SyncProgress } from './SyncProgress';
import type { SiteActivity } from './use-site-activity';

const watchLabels: Record<WatchStatusSummary['state'], string> = {
  connecting: 'Connecting',
  syncing: 'Resyncing',
  watching: 'Watching',
  backoff: 'Reconnecting',
  stopped: 'Stopped',
  failed: 'Failed',
};
const watching = (w: WatchStatusSummary | undefined): boolean => !!w && w.state !== 'stopped' && w.state !== 'failed';

function SitesTable({ sites, activity }: { sites: SiteSummary[]; activity: SiteActivity }) {
  return (
    <table className="data-table sites-table">
      <caption className="visually-hidden">Configured vCenters</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">URL</th>
          <th scope="col">Account</th>
          <th scope="col">Connection</th>
          <th scope="col">Last sync</th>
          <th scope="col">Actions</th>
        </tr>
      </thead>
      <tbody>
        {sites.map((site) => {
          const w = activity.watches[site.name];
          const sync = activity.syncs[site.name];
          const lastError = w?.lastError ?? sync?.error ?? null;
          return (
            <tr key={site.id} data-testid={`site-row-${site.name}`}>
              <th scope="row" className="row-heading">
                {site.name}
              </th>
              <td className="mono">{site.url}</td>
              <td>{site.username}</td>
              <td>
                <span className={site.connected ? 'badge badge-succeeded' : 'badge'} data-testid={`site-connection-${site.name}`}>
                  {site.connected ? 'Connected' : 'Not connected'}
                </span>
                {w && (
                  <span className="small muted site-watch" data-testid={`site-watch-${site.name}`}>
                    {' '}
                    {watchLabels[w.state]}
                    {w.reconnects > 0 ? `, ${w.reconnects} reconnects` : ''}
                  </span>
                )}
                {lastError && (
                  <p className="small field-error" data-testid={`site-error-${site.name}`}>
                    <span className="mono">{lastError.code}</span> {lastError.message}
                  </p>
                )}
              </td>
              <td>
                {site.lastSyncAt ? (
                  <time dateTime={site.lastSyncAt} title={site.lastSyncAt} data-testid={`site-last-sync-${site.name}`}>
                    {formatTime(site.lastSyncAt)}
                  </time>
                ) : (
                  <span data-testid={`site-last-sync-${site.name}`}>Never</span>
                )}
              </td>
              <td>
                <div className="row-actions">
                  <button type="button" className="button button-small" onClick={() => activity.sync(site.name)} disabled={sync?.running} aria-label={`Sync ${site.name} now`}>
                    {sync?.running ? 'Syncing…' : 'Sync now'}
                  </button>
                  <button type="button" className="button button-small" onClick={() => activity.watch(site.name, !watching(w))} aria-label={watching(w) ? `Stop watching ${site.name}` : `Watch ${site.name}`}>
                    {watching(w) ? 'Stop watching' : 'Watch'}
                  </button>
                </div>
                {sync && <SyncProgress site={site.name} state={sync} />}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

export function SitesPanel({ sites, activity, onAdded }: { sites: SiteSummary[] | null; activity: SiteActivity; onAdded(site: AddedSite): void }) {
  return (
    <div className="split-layout">
      <div className="split-main">
        {sites && sites.length > 0 && <SitesTable sites={sites} activity={activity} />}
        {sites && sites.length === 0 && (
          <p className="muted">
            No vCenters yet. Add one with the form: its address, an account, and (unless its certificate comes from a CA Outpost trusts) a decision to trust its
            certificate.
          </p>
        )}
        <p className="small muted sites-note">
          <strong>Watch</strong> keeps a site current from vCenter&rsquo;s own change feed and reconnects by itself; <strong>Sync now</strong> reads everything
          again.
        </p>
      </div>
      <AddSiteForm onAdded={onAdded} />
    </div>
  );
}
