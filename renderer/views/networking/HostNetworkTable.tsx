import { useMemo } from 'react';
import type { HostNetwork } from '../../../core/contract';
import { DataTable, type DataColumn } from '../../ui/DataTable';

/** One row of the table: a host's standard vSwitch, or the host's adapters no switch uses (vswitch null). */
interface SwitchRow {
  key: string;
  host: string;
  cluster: string | null;
  vswitch: string | null;
  /** What the vSwitch cell says when there is no switch. */
  note: string | null;
  uplinks: string[];
  portGroups: HostNetwork['portGroups'];
}

function rowsOf(hosts: readonly HostNetwork[]): SwitchRow[] {
  return hosts.flatMap((h) => {
    const unbound = h.nics.filter((n) => !h.vswitches.some((v) => v.uplinks.includes(n)));
    const switches: SwitchRow[] = h.vswitches.map((v) => ({ key: `${h.host}/${v.name}`, host: h.host, cluster: h.cluster, vswitch: v.name, note: null, uplinks: v.uplinks, portGroups: h.portGroups.filter((p) => p.vswitch === v.name) }));
    if (unbound.length === 0 && h.vswitches.length > 0) return switches;
    const note = h.vswitches.length === 0 ? 'no standard vSwitch' : 'not on a vSwitch';
    return [...switches, { key: `${h.host}/unbound`, host: h.host, cluster: h.cluster, vswitch: null, note, uplinks: unbound, portGroups: [] }];
  });
}

const columns: DataColumn<SwitchRow>[] = [
  { id: 'host', label: 'Host', rowHeader: true, className: 'mono', sortValue: (r) => r.host, cell: (r) => r.host },
  { id: 'cluster', label: 'Cluster', sortValue: (r) => r.cluster, cell: (r) => r.cluster ?? <span className="muted">standalone</span> },
  { id: 'vswitch', label: 'vSwitch', sortValue: (r) => r.vswitch, cellClassName: (r) => (r.vswitch ? 'mono' : 'muted'), cell: (r) => r.vswitch ?? r.note },
  { id: 'uplinks', label: 'Uplinks', className: 'mono', cell: (r) => (r.uplinks.length ? r.uplinks.join(', ') : <span className="muted">none</span>) },
  {
    id: 'portGroups',
    label: 'Port groups (VLAN)',
    cell: (r) => (
      <ul className="port-group-list">
        {r.portGroups.map((p) => (
          <li key={p.name} data-testid={`portgroup-${r.host}-${p.name}`}>
            <span>{p.name}</span> <span className="badge vlan-badge">{p.vlanId === 0 ? 'no VLAN' : `VLAN ${p.vlanId}`}</span>
          </li>
        ))}
      </ul>
    ),
  },
];

/** Per host: standard vSwitches with their uplinks, the port groups on each with VLAN ids, and adapters no switch uses. */
export function HostNetworkTable({ hosts }: { hosts: HostNetwork[] }) {
  const rows = useMemo(() => rowsOf(hosts), [hosts]);
  return (
    <DataTable
      columns={columns}
      rows={rows}
      rowKey={(r) => r.key}
      caption="Standard vSwitches, uplinks and port groups per host"
      className="host-network-table"
      scroll
      testId="host-networks"
      rowProps={(r) => (r.vswitch ? { 'data-testid': `host-vswitch-${r.host}-${r.vswitch}` } : {})}
    />
  );
}
