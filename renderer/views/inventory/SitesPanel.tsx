import { useEffect, useState, type ReactNode } from 'react';
import type { AddedSite, IndexStatus, SiteSummary, WatchStatusSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { DataTable } from '../../ui/DataTable';
import { formatTime } from '../../ui/format-time';
import { AddSiteForm } from './AddSiteForm';
import { SyncProgress } from './SyncProgress';
import type { SiteActivity } from './use-site-activity';

const watchLabels: Record<WatchStatusSummary['state'], string> = {
  connecting: 'Connecting',
  syncing: 'Syncing',
  watching: 'Live',
  backoff: 'Reconnecting',
  stopped: 'Not indexed',
  failed: 'Error',
};
const watching = (w: WatchStatusSummary | undefined): boolean => !!w && w.state !== 'stopped';

type IndexView = Pick<IndexStatus, 'state' | 'retryAt' | 'lastChangeAt' | 'lagMs'> & { stale?: boolean; pid?: number };

/** The index status in words: Live (lag, last change), Syncing, Reconnecting in Ns, Error (retry in Ns), Not indexed. */
export function indexLabel(s: IndexView, now: number): string {
  if (s.stale) return `Not indexed (process ${s.pid ?? '?'} stopped)`;
  const retry = s.retryAt ? Math.max(0, Math.ceil((Date.parse(s.retryAt) - now) / 1000)) : null;
  switch (s.state) {
    case 'watching': {
      const lag = s.lagMs !== null ? `, lag ${(s.lagMs / 1000).toFixed(1)} s` : '';
      const last = s.lastChangeAt ? `, last change ${formatTime(s.lastChangeAt)}` : '';
      return `Live${lag}${last}`;
    }
    case 'backoff':
      return retry !== null ? `Reconnecting in ${retry} s` : 'Reconnecting';
    case 'failed':
      return retry !== null ? `Error, retry in ${retry} s` : 'Error';
    default:
      return watchLabels[s.state];
  }
}

/** Re-renders every second while some site waits to retry, so "in N s" counts down. */
function useSecondTick(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

/** Asks, then removes a site (sites.remove); the list reloads through onRemoved. */
function useRemoveSite(onRemoved: () => void): { remove(site: SiteSummary): void; removing: string | null; dialog: ReactNode } {
  const client = useClient();
  const store = useShellStore();
  const { confirm, dialog } = useConfirmDestructive();
  const [removing, setRemoving] = useState<string | null>(null);
  const remove = (site: SiteSummary): void =>
    confirm(
      {
        title: `Remove vCenter ${site.name}?`,
        body: (
          <>
            <p>
              Outpost stops watching <span className="mono">{site.url}</span>, marks every VM, host and datastore of it removed (the rows stay for the audit
              trail), and deletes its stored password. Nothing changes in vCenter.
            </p>
            <p>A site with enrolled VMs cannot be removed: offboard them first.</p>
          </>
        ),
        confirmLabel: 'Remove vCenter',
      },
      () => {
        setRemoving(site.name);
        client.invoke('sites.remove', { site: site.name }).then(
          (r) => {
            setRemoving(null);
            store.getState().pushToast({ tone: 'info', title: `${r.site} removed`, message: `${r.markedRemoved.vms.toLocaleString('en-US')} VMs marked removed (kept for audit).` });
            onRemoved();
          },
          (err: unknown) => {
            setRemoving(null);
            store.getState().pushToast(errorToast(`Could not remove ${site.name}`, err));
          },
        );
      },
    );
  return { remove, removing, dialog };
}

/** The Connection cell: connected or not, the index's state in words, and the last error. */
function Connection({ site, watch: w, sync, now }: { site: SiteSummary; watch: WatchStatusSummary | undefined; sync: SiteActivity['syncs'][string] | undefined; now: number }) {
  // This process's watcher when it has one, else what the indexing process (maybe `outpost serve`) wrote.
  const index: IndexView | null = w ?? site.index ?? null;
  const lastError = (index && index.state !== 'watching' ? (w?.lastError ?? site.index?.lastError) : null) ?? sync?.error ?? null;
  return (
    <>
      <span className={site.connected ? 'badge badge-succeeded' : 'badge'} data-testid={`site-connection-${site.name}`}>
        {site.connected ? 'Connected' : 'Not connected'}
      </span>
      <span className="small muted site-watch" data-testid={`site-watch-${site.name}`}>
        {' '}
        {index ? indexLabel(index, now) : 'Not indexed'}
        {w && w.reconnects > 0 ? `, ${w.reconnects} reconnects` : ''}
      </span>
      {lastError && (
        <p className="small field-error" data-testid={`site-error-${site.name}`}>
          <span className="mono">{lastError.code}</span> {lastError.message}
        </p>
      )}
    </>
  );
}

function SitesTable({ sites, activity, onRemoved }: { sites: SiteSummary[]; activity: SiteActivity; onRemoved(): void }) {
  const removal = useRemoveSite(onRemoved);
  const waiting = sites.some((site) => (activity.watches[site.name] ?? site.index)?.retryAt);
  const now = useSecondTick(waiting);
  return (
    <>
      {removal.dialog}
      <DataTable
        className="sites-table"
        caption="Configured vCenters"
        columns={[
          { id: 'name', label: 'Name', rowHeader: true, cell: (site) => site.name, sortValue: (site) => site.name },
          { id: 'url', label: 'URL', className: 'mono', cell: (site) => site.url, sortValue: (site) => site.url },
          { id: 'account', label: 'Account', cell: (site) => site.username, sortValue: (site) => site.username },
          { id: 'connection', label: 'Connection', cell: (site) => <Connection site={site} watch={activity.watches[site.name]} sync={activity.syncs[site.name]} now={now} /> },
          {
            id: 'lastSync',
            label: 'Last sync',
            sortValue: (site) => site.lastSyncAt,
            cell: (site) =>
              site.lastSyncAt ? (
                <time dateTime={site.lastSyncAt} title={site.lastSyncAt} data-testid={`site-last-sync-${site.name}`}>
                  {formatTime(site.lastSyncAt)}
                </time>
              ) : (
                <span data-testid={`site-last-sync-${site.name}`}>Never</span>
              ),
          },
        ]}
        rows={sites}
        rowKey={(site) => site.id}
        rowProps={(site) => ({ 'data-testid': `site-row-${site.name}` })}
        actions={(site) => {
          const sync = activity.syncs[site.name];
          const w = activity.watches[site.name];
          return (
            <div className="row-actions">
              <button type="button" className="button button-small" onClick={() => activity.sync(site.name)} disabled={sync?.running} aria-label={`Sync now: ${site.name}`}>
                {sync?.running ? 'Syncing…' : 'Sync now'}
              </button>
              <button type="button" className="button button-small" onClick={() => activity.watch(site.name, !watching(w))} aria-label={watching(w) ? `Stop watching ${site.name}` : `Watch ${site.name}`}>
                {watching(w) ? 'Stop watching' : 'Watch'}
              </button>
              <button
                type="button"
                className="button button-small button-danger"
                onClick={() => removal.remove(site)}
                disabled={sync?.running || removal.removing === site.name}
                aria-label={`Remove ${site.name}`}
              >
                {removal.removing === site.name ? 'Removing…' : 'Remove'}
              </button>
            </div>
          );
        }}
        // The sync's progress and result get a row of their own under the site, the table's full
        // width: inside the Actions cell they widened it until the table scrolled sideways.
        rowDetail={(site) => {
          const sync = activity.syncs[site.name];
          return sync ? <SyncProgress site={site.name} state={sync} /> : null;
        }}
      />
    </>
  );
}

export function SitesPanel({ sites, activity, onAdded, onRemoved }: { sites: SiteSummary[] | null; activity: SiteActivity; onAdded(site: AddedSite): void; onRemoved(): void }) {
  return (
    <div className="split-layout">
      <div className="split-main">
        {sites && sites.length > 0 && <SitesTable sites={sites} activity={activity} onRemoved={onRemoved} />}
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
      <AddSiteForm
        onAdded={(site) => {
          onAdded(site);
          activity.syncThenWatch(site.name);
        }}
      />
    </div>
  );
}
