import { useEffect, useState } from 'react';
import { useClient } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { HostBuildsTable } from '../host-upgrades/HostBuildsTable';
import { useContractQuery } from '../../data/use-contract-query';

/**
 * The ESXi hosts of every vCenter with the build they run and the build an upgrade plan wants:
 * hosts behind target stand out here, next to the VMs, not only on the Host upgrades page.
 */
export function HostsPanel() {
  const client = useClient();
  const [behindOnly, setBehindOnly] = useState(false);
  const [generation, setGeneration] = useState(0);
  const hosts = useContractQuery('Could not list hosts', (c) => c.invoke('upgrade.hosts', { behindOnly }), `${behindOnly}/${generation}`);
  // Builds move with syncs and watchers (inventory.changed) and desired builds with plans (upgrade.updated).
  useEffect(() => {
    const again = (): void => setGeneration((g) => g + 1);
    const offs = [client.on('inventory.changed', again), client.on('upgrade.updated', again)];
    return () => offs.forEach((off) => off());
  }, [client]);

  return (
    <div>
      <div className="toolbar">
        <label className="inline-field">
          <input type="checkbox" checked={behindOnly} onChange={(e) => setBehindOnly(e.target.checked)} />
          <span>Only hosts behind their target build</span>
        </label>
        <a className="button" href={hashForView('host-upgrades')}>
          Plan an upgrade
        </a>
      </div>
      {hosts.data && hosts.data.length === 0 && (
        <p className="muted">{behindOnly ? 'No host is behind its target build.' : 'No hosts yet: sync a vCenter on the vCenters tab.'}</p>
      )}
      {hosts.data && hosts.data.length > 0 && <HostBuildsTable hosts={hosts.data} />}
      {!hosts.data && hosts.loading && <p className="muted">Loading hosts…</p>}
    </div>
  );
}
