import type { HostBuildRow } from '../../../core/contract';

/** Every host with the build it runs and the build a plan wants; hosts behind target stand out. */
export function HostBuildsTable({ hosts }: { hosts: HostBuildRow[] }) {
  const behind = hosts.filter((h) => h.behind).length;
  return (
    <section aria-labelledby="host-builds-heading">
      <h2 id="host-builds-heading" className="section-heading">
        Hosts <span className="muted small" data-testid="hosts-behind-count">{behind === 0 ? 'none behind target' : `${behind} behind target`}</span>
      </h2>
      <div className="table-scroll">
        <table className="data-table" aria-label="Hosts with actual and desired build">
          <thead>
            <tr>
              <th scope="col">Site</th>
              <th scope="col">Cluster</th>
              <th scope="col">Host</th>
              <th scope="col">Version</th>
              <th scope="col">Build</th>
              <th scope="col">Desired build</th>
              <th scope="col">State</th>
            </tr>
          </thead>
          <tbody>
            {hosts.map((h) => (
              <tr key={`${h.site}/${h.moref}`} className={h.behind ? 'row-behind' : undefined} data-testid={`host-build-${h.name}`} data-behind={h.behind}>
                <td>{h.site}</td>
                <td>{h.cluster ?? '—'}</td>
                <td className="mono">{h.name}</td>
                <td className="mono">{h.version ?? '?'}</td>
                <td className="mono">{h.build ?? '?'}</td>
                <td className="mono">
                  {h.desiredBuild ?? '—'} {h.behind && <span className="badge badge-failed">behind</span>}
                </td>
                <td>
                  {h.connectionState ?? '?'}
                  {h.inMaintenance ? ' · maintenance' : ''}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
