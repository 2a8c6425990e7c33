import type { HostNetwork } from '../../../core/contract';

/** Per host: standard vSwitches with their uplinks, the port groups on each with VLAN ids, and adapters no switch uses. */
export function HostNetworkTable({ hosts }: { hosts: HostNetwork[] }) {
  return (
    <div className="table-scroll">
      <table className="data-table host-network-table" data-testid="host-networks">
        <caption className="visually-hidden">Standard vSwitches, uplinks and port groups per host</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Cluster</th>
            <th scope="col">vSwitch</th>
            <th scope="col">Uplinks</th>
            <th scope="col">Port groups (VLAN)</th>
          </tr>
        </thead>
        <tbody>
          {hosts.map((h) => {
            const unbound = h.nics.filter((n) => !h.vswitches.some((v) => v.uplinks.includes(n)));
            const rows = h.vswitches.length + (unbound.length ? 1 : 0) || 1;
            return [
              ...h.vswitches.map((v, i) => (
                <tr key={`${h.host}/${v.name}`} data-testid={`host-vswitch-${h.host}-${v.name}`}>
                  {i === 0 && (
                    <>
                      <th scope="rowgroup" rowSpan={rows} className="row-heading mono">
                        {h.host}
                      </th>
                      <td rowSpan={rows}>{h.cluster ?? <span className="muted">standalone</span>}</td>
                    </>
                  )}
                  <td className="mono">{v.name}</td>
                  <td className="mono">{v.uplinks.length ? v.uplinks.join(', ') : <span className="muted">none</span>}</td>
                  <td>
                    <ul className="port-group-list">
                      {h.portGroups
                        .filter((p) => p.vswitch === v.name)
                        .map((p) => (
                          <li key={p.name} data-testid={`portgroup-${h.host}-${p.name}`}>
                            <span>{p.name}</span> <span className="badge vlan-badge">{p.vlanId === 0 ? 'no VLAN' : `VLAN ${p.vlanId}`}</span>
                          </li>
                        ))}
                    </ul>
                  </td>
                </tr>
              )),
              unbound.length > 0 || h.vswitches.length === 0 ? (
                <tr key={`${h.host}/unbound`}>
                  {h.vswitches.length === 0 && (
                    <>
                      <th scope="rowgroup" className="row-heading mono">
                        {h.host}
                      </th>
                      <td>{h.cluster ?? <span className="muted">standalone</span>}</td>
                    </>
                  )}
                  <td className="muted">{h.vswitches.length === 0 ? 'no standard vSwitch' : 'not on a vSwitch'}</td>
                  <td className="mono">{unbound.length ? unbound.join(', ') : <span className="muted">none</span>}</td>
                  <td />
                </tr>
              ) : null,
            ];
          })}
        </tbody>
      </table>
    </div>
  );
}
