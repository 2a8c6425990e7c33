import type { HostBuildRow } from '../../../core/contract';
import { DataTable, type DataColumn } from '../../ui/DataTable';

const hostColumns: DataColumn<HostBuildRow>[] = [
  { id: 'site', label: 'Site', cell: (h) => h.site, sortValue: (h) => h.site },
  { id: 'cluster', label: 'Cluster', cell: (h) => h.cluster ?? '—', sortValue: (h) => h.cluster },
  { id: 'host', label: 'Host', className: 'mono', cell: (h) => h.name, sortValue: (h) => h.name },
  { id: 'version', label: 'Version', className: 'mono', cell: (h) => h.version ?? '?', sortValue: (h) => h.version },
  { id: 'build', label: 'Build', className: 'mono', cell: (h) => h.build ?? '?', sortValue: (h) => h.build },
  {
    id: 'desired',
    label: 'Desired build',
    className: 'mono',
    cell: (h) => (
      <>
        {h.desiredBuild ?? '—'} {h.behind && <span className="badge badge-failed">behind</span>}
      </>
    ),
    sortValue: (h) => h.desiredBuild,
  },
  { id: 'state', label: 'State', cell: (h) => `${h.connectionState ?? '?'}${h.inMaintenance ? ' · maintenance' : ''}`, sortValue: (h) => h.connectionState },
];

/** Every host with the build it runs and the build a plan wants; hosts behind target stand out. */
export function HostBuildsTable({ hosts }: { hosts: HostBuildRow[] }) {
  const behind = hosts.filter((h) => h.behind).length;
  return (
    <section aria-labelledby="host-builds-heading">
      <h2 id="host-builds-heading" className="section-heading">
        Hosts <span className="muted small" data-testid="hosts-behind-count">{behind === 0 ? 'none behind target' : `${behind} behind target`}</span>
      </h2>
      <DataTable
        scroll
        label="Hosts with actual and desired build"
        columns={hostColumns}
        rows={hosts}
        rowKey={(h) => `${h.site}/${h.moref}`}
        rowProps={(h) => ({ className: h.behind ? 'row-behind' : undefined, 'data-testid': `host-build-${h.name}`, 'data-behind': h.behind })}
      />
    </section>
  );
}
