import { useEffect, useState } from 'react';
import { useClient } from '../../app/shell-context';
import { EmptyState } from '../../ui/EmptyState';
import { ViewHeader } from '../../ui/ViewHeader';
import { formatTime } from '../../ui/format-time';
import { useContractQuery } from '../../data/use-contract-query';
import { AttachNicForm } from './AttachNicForm';
import { EnsurePortGroupForm } from './EnsurePortGroupForm';
import { HostNetworkTable } from './HostNetworkTable';

/** Standard vSwitches, uplinks, port groups and VLAN ids per host, read live, and seed 003's VLAN ensure. */
export function NetworkingView() {
  const sites = useContractQuery('Could not list the vCenters', (c) => c.invoke('sites.list', {}));
  const [chosen, setChosen] = useState<string | null>(null);
  const site = chosen ?? sites.data?.[0]?.name ?? '';
  const hosts = useContractQuery('Could not read the hosts’ networking', (c) => (site ? c.invoke('vlan.list', { site }) : Promise.resolve(null)), site);
  const client = useClient();
  const reloadHosts = hosts.reload;
  // A VLAN run that ends (here, from the CLI, or resumed after a crash) changed hosts: read them again.
  useEffect(
    () =>
      client.on('procedure.updated', (run) => {
        if (run.kind === 'vlan.ensure' && (run.state === 'succeeded' || run.state === 'rolled-back')) reloadHosts();
      }),
    [client, reloadHosts],
  );
  const [readAt, setReadAt] = useState<string | null>(null);
  const [lastHosts, setLastHosts] = useState(hosts.data);
  if (hosts.data !== lastHosts) {
    setLastHosts(hosts.data);
    setReadAt(new Date().toISOString());
  }

  const header = (
    <ViewHeader
      title="Networking"
      description="Per ESXi host: standard vSwitches, their uplinks, port groups and VLAN ids, read live from vCenter. Ensure a VLAN port group on a host or a whole cluster, then connect a VM to it."
      actions={
        sites.data && sites.data.length > 0 ? (
          <>
            <label htmlFor="networking-site" className="visually-hidden">
              Site
            </label>
            <select id="networking-site" value={site} onChange={(e) => setChosen(e.target.value)}>
              {sites.data.map((s) => (
                <option key={s.id} value={s.name}>
                  {s.name}
                </option>
              ))}
            </select>
            <button type="button" className="button" onClick={hosts.reload} disabled={hosts.loading}>
              {hosts.loading ? 'Reading…' : 'Refresh'}
            </button>
          </>
        ) : undefined
      }
    />
  );

  if (sites.data && sites.data.length === 0) {
    return (
      <>
        {header}
        <EmptyState
          title="No vCenter yet"
          purpose="This page shows each ESXi host’s standard vSwitches, uplinks, port groups and VLAN ids, and creates VLAN port groups across a cluster with a preview first."
          firstStep={<p>Add a vCenter in Inventory (its address, an account, and its certificate). Its hosts appear here at once.</p>}
          action={
            <a className="button button-primary" href="#/inventory">
              Go to Inventory
            </a>
          }
        />
      </>
    );
  }

  return (
    <>
      {header}
      <div className="split-layout">
        <div className="split-main">
          <h2 className="section-heading">
            Hosts of {site || '…'}
            {readAt && hosts.data && <span className="muted small"> · read {formatTime(readAt)}</span>}
          </h2>
          {hosts.loading && !hosts.data && <p className="muted">Reading each host’s network configuration from vCenter…</p>}
          {hosts.failed && !hosts.data && <p className="inline-error">The hosts could not be read; see the message above, then Refresh.</p>}
          {hosts.data && hosts.data.length === 0 && <p className="muted">This vCenter has no ESXi hosts.</p>}
          {hosts.data && hosts.data.length > 0 && <HostNetworkTable hosts={hosts.data} />}
        </div>
        {site && hosts.data && hosts.data.length > 0 && (
          <div className="side-forms">
            <EnsurePortGroupForm key={site} site={site} hosts={hosts.data} onApplied={hosts.reload} />
            <AttachNicForm key={`attach-${site}`} site={site} portGroups={[...new Set(hosts.data.flatMap((h) => h.portGroups.map((p) => p.name)))].sort()} />
          </div>
        )}
      </div>
    </>
  );
}
