import { useEffect } from 'react';
import { useClient } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { EmptyState } from '../../ui/EmptyState';
import { HostsPanel } from './HostsPanel';
import { InventoryReportsPanel } from './InventoryReportsPanel';
import { SitesPanel } from './SitesPanel';
import { SyncProgress } from './SyncProgress';
import { useSiteActivity } from './use-site-activity';
import { VmsPanel } from './VmsPanel';
import { TabbedPage, type TabSpec } from '../../ui/Tabs';
import { useContractQuery } from '../../data/use-contract-query';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';

type Section = 'vms' | 'reports' | 'hosts' | 'sites';
const DESCRIPTION =
  'vCenters and their VMs, kept in the local database for offline search; watched sites update live.';

export function InventoryView() {
  const client = useClient();
  const sub = useHashSubPath('inventory');
  const section: Section = sub === 'sites' || sub === 'hosts' || sub === 'reports' ? sub : 'vms';
  const select = (next: Section): void => {
    window.location.hash = hashForView('inventory', next === 'vms' ? undefined : next);
  };
  const sites = useContractQuery('Could not list vCenters', (c) => c.invoke('sites.list', {}));
  const { reload } = sites;
  // Connected counts and last-sync times move with watchers and syncs, here or elsewhere (CLI).
  useEffect(() => client.on('status.changed', () => reload()), [client, reload]);
  useEffect(() => client.on('inventory.watch', () => reload()), [client, reload]);
  const activity = useSiteActivity(reload);

  const siteRows = sites.data;
  const tabs: TabSpec<Section>[] = [
    { id: 'vms', label: 'Virtual machines' },
    { id: 'reports', label: 'Reports' },
    { id: 'hosts', label: 'Hosts' },
    { id: 'sites', label: `vCenters${siteRows ? ` (${siteRows.length})` : ''}` },
  ];
  const running = Object.entries(activity.syncs).filter(([, s]) => s.running || s.result || s.error);

  return (
    <TabbedPage view="inventory" description={DESCRIPTION} label="Inventory sections" tabs={tabs} selected={section} onSelect={select}>
      {section === 'hosts' && <HostsPanel />}
      {section === 'reports' && <InventoryReportsPanel />}
      {section === 'sites' && <SitesPanel sites={siteRows} activity={activity} onAdded={reload} onRemoved={reload} />}
      {section === 'vms' && siteRows && siteRows.length === 0 && (
        <EmptyState
          title="No vCenters yet"
          purpose="Once a vCenter is added and synced, its VMs are in the local database: search tens of thousands by name, IP, host name or guest OS, even when the link is down."
          firstStep={
            <p>
              <strong>Add a vCenter</strong>: its address, an account, and a decision to trust its TLS certificate. Then sync it, and watch it to keep it current.
            </p>
          }
          action={
            <a className="button button-primary" href={hashForView('inventory', 'sites')}>
              Add a vCenter
            </a>
          }
        />
      )}
      {section === 'vms' && siteRows && siteRows.length > 0 && (
        <>
          {running.map(([site, state]) => (
            <SyncProgress key={site} site={site} state={state} />
          ))}
          {siteRows.every((s) => !s.lastSyncAt) && running.length === 0 && (
            <p className="notice">
              No vCenter has been synced yet. <a href={hashForView('inventory', 'sites')}>Sync one on the vCenters tab</a> to fill this table.
            </p>
          )}
          <VmsPanel sites={siteRows} />
        </>
      )}
      {!siteRows && sites.loading && <p className="muted">Loading vCenters…</p>}
      {!siteRows && sites.failed && (
        <p className="muted">
          vCenters could not be read.{' '}
          <button type="button" className="link-button" onClick={reload}>
            Retry
          </button>
        </p>
      )}
    </TabbedPage>
  );
}
