import { useEffect } from 'react';
import type { SiteSummary } from '../../core/contract';
import { useClient } from '../app/shell-context';
import { EmptyState } from '../shell/EmptyState';
import { ViewHeader } from '../shell/ViewHeader';
import { formatTime } from './format-time';
import { useContractQuery } from './use-contract-query';

function SitesTable({ sites }: { sites: SiteSummary[] }) {
  return (
    <table className="data-table">
      <caption className="visually-hidden">Configured vCenters</caption>
      <thead>
        <tr>
          <th scope="col">Name</th>
          <th scope="col">URL</th>
          <th scope="col">Account</th>
          <th scope="col">Connection</th>
          <th scope="col">Last sync</th>
        </tr>
      </thead>
      <tbody>
        {sites.map((site) => (
          <tr key={site.id}>
            <td>{site.name}</td>
            <td className="mono">{site.url}</td>
            <td>{site.username}</td>
            <td>{site.connected ? 'Connected' : 'Not connected'}</td>
            <td>{site.lastSyncAt ? formatTime(site.lastSyncAt) : 'Never'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

export function InventoryView() {
  const client = useClient();
  const sites = useContractQuery('Could not list vCenters', (c) => c.invoke('sites.list', {}));
  const { reload } = sites;
  // A site added or connected elsewhere (CLI, another window) changes the status counts.
  useEffect(() => client.on('status.changed', () => reload()), [client, reload]);

  return (
    <>
      <ViewHeader
        title="Inventory"
        description="vCenters and what they contain: clusters, hosts, VMs, networks and datastores, kept in sync for offline use."
      />
      {sites.data && sites.data.length > 0 && <SitesTable sites={sites.data} />}
      {sites.data && sites.data.length === 0 && (
        <EmptyState
          title="No vCenters yet"
          purpose="Once a vCenter is added, Outpost syncs its inventory into the local database so you can search and act on it even when the link is down."
          firstStep={
            <>
              <p>
                <strong>Add a vCenter</strong>: its address, an account, and a decision to trust its TLS certificate.
              </p>
              <p>
                The form for this arrives with the inventory work and will sit at the top of this view. This build can
                already store settings and keep the audit log; nothing has been connected yet.
              </p>
            </>
          }
          action={
            <>
              <button type="button" className="button" disabled aria-describedby="add-vcenter-note">
                Add a vCenter
              </button>
              <span id="add-vcenter-note" className="muted small">
                Not available in this build yet.
              </span>
            </>
          }
        />
      )}
      {!sites.data && sites.loading && <p className="muted">Loading vCenters…</p>}
      {!sites.data && sites.failed && (
        <p className="muted">
          vCenters could not be read.{' '}
          <button type="button" className="link-button" onClick={reload}>
            Retry
          </button>
        </p>
      )}
    </>
  );
}
