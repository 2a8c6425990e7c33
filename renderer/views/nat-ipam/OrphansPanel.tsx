import { useEffect, useState } from 'react';
import type { CmdbAttention, CmdbOrphan } from '../../../core/contract/enrollment';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { formatTime } from '../../ui/format-time';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { DataTable } from '../../ui/DataTable';
import { useContractQuery } from '../../data/use-contract-query';
import { useContractAction } from '../../data/use-contract-action';

/**
 * What the CMDB followed from vCenter and needs the operator: enrolled VMs vCenter deleted, whose
 * NAT and addresses are orphans (one click offboards them: the NAT is removed, the addresses
 * released, the record closed; no guest is contacted), and NAT drift (the guest reports another
 * IP than the one its NAT points at). Live on cmdb.changed and offboard runs.
 */
export function OrphansPanel({ attention, onOffboarded }: { attention: CmdbAttention | null; onOffboarded(): void }) {
  const action = useContractAction();
  const store = useShellStore();
  const { confirm, dialog } = useConfirmDestructive();
  const [started, setStarted] = useState<Record<number, string>>({});

  const offboard = (o: CmdbOrphan): void => {
    const r = o.record;
    confirm(
      {
        title: `Offboard ${r.vmName}?`,
        confirmLabel: `Offboard ${r.vmName}`,
        body: (
          <p>
            vCenter deleted {r.vmName}. Offboarding removes {o.nat ? `the NAT ${o.nat.publicIp} → ${o.nat.privateIp} on ${o.nat.firewall}` : 'its NAT'}, releases{' '}
            {o.addresses.map((a) => a.address).join(', ') || 'its addresses'} and closes the CMDB record (kept as history).
          </p>
        ),
      },
      () => {
        action.run('enrollment.offboard', { site: r.site, vms: [r.vmMoref], removeAccount: false }, {
          failure: `${r.vmName} was not offboarded`,
          done: (batch) => {
            const item = batch.items[0];
            if (item?.procedureId) setStarted((s) => ({ ...s, [r.id]: item.procedureId! }));
            else if (item?.error) store.getState().pushToast(errorToast(`${r.vmName} was not offboarded`, item.error));
            onOffboarded();
          },
        });
      },
    );
  };

  if (!attention) return <p className="muted">Loading…</p>;
  return (
    <>
      <h2 className="section-heading">Orphans: VMs deleted in vCenter</h2>
      {attention.orphans.length === 0 ? (
        <p className="muted">No orphans: every enrolled VM is still in vCenter.</p>
      ) : (
        <DataTable
          testId="orphans-table"
          caption="Enrolled VMs deleted in vCenter, with the NAT and addresses they still hold"
          rows={attention.orphans}
          rowKey={(o) => o.record.id}
          rowProps={(o) => ({ 'data-testid': 'orphan-row', 'data-vm': o.record.vmName })}
          columns={[
            { id: 'vm', label: 'VM', rowHeader: true, cell: (o) => o.record.vmName, sortValue: (o) => o.record.vmName },
            { id: 'site', label: 'Site', cell: (o) => o.record.site, sortValue: (o) => o.record.site },
            {
              id: 'deleted',
              label: 'Deleted in vCenter',
              className: 'small',
              cell: (o) => <time dateTime={o.record.vcenterDeletedAt ?? ''}>{o.record.vcenterDeletedAt ? formatTime(o.record.vcenterDeletedAt) : '—'}</time>,
              sortValue: (o) => o.record.vcenterDeletedAt,
            },
            { id: 'nat', label: 'NAT', className: 'mono small', cell: (o) => (o.nat ? `${o.nat.publicIp} → ${o.nat.privateIp} on ${o.nat.firewall} (record ${o.nat.id})` : '—') },
            { id: 'addresses', label: 'Addresses', className: 'mono small', cell: (o) => o.addresses.map((a) => `${a.address} (${a.pool})`).join(', ') || '—' },
          ]}
          actionsLabel="Action"
          actions={(o) =>
            started[o.record.id] ? (
              <ProcedureLink id={started[o.record.id]!} />
            ) : (
              <button type="button" className="button button-danger" onClick={() => offboard(o)} aria-label={`Offboard ${o.record.vmName}`}>
                Offboard
              </button>
            )
          }
        />
      )}
      <h2 className="section-heading">NAT drift: guest IP changed</h2>
      {attention.drift.length === 0 ? (
        <p className="muted">No drift: every enrolled guest reports the address its NAT points at.</p>
      ) : (
        <DataTable
          testId="drift-table"
          caption="Enrolled VMs whose guest reports another IP than their NAT's private address"
          rows={attention.drift}
          rowKey={(r) => r.id}
          rowProps={() => ({ 'data-testid': 'drift-row' })}
          columns={[
            { id: 'vm', label: 'VM', rowHeader: true, cell: (r) => r.vmName, sortValue: (r) => r.vmName },
            { id: 'site', label: 'Site', cell: (r) => r.site, sortValue: (r) => r.site },
            { id: 'nat', label: 'NAT points at', className: 'mono', cell: (r) => `${r.publicIp ?? '—'} → ${r.privateIp}` },
            { id: 'guest', label: 'Guest reports', className: 'mono', cell: (r) => <span className="badge badge-failed">{r.guestIpSeen}</span> },
            { id: 'since', label: 'Since', className: 'small', cell: (r) => (r.guestIpSeenAt ? formatTime(r.guestIpSeenAt) : '—'), sortValue: (r) => r.guestIpSeenAt },
          ]}
        />
      )}
      {dialog}
    </>
  );
}

/** The orphans and drift, refetched when the CMDB changes or an offboarding moves. */
export function useCmdbAttention(): { data: CmdbAttention | null; reload(): void } {
  const client = useClient();
  const query = useContractQuery('Could not read the CMDB orphans', (c) => c.invoke('cmdb.orphans', {}));
  const { reload } = query;
  useEffect(() => client.on('cmdb.changed', () => reload()), [client, reload]);
  useEffect(
    () =>
      client.on('procedure.updated', (run) => {
        if (run.kind === 'offboard-vm') reload();
      }),
    [client, reload],
  );
  return { data: query.data, reload };
}
