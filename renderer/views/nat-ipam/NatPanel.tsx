import { useState } from 'react';
import type { FirewallView, NatList, NatRecordView, PoolView } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { EmptyState } from '../../ui/EmptyState';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { formatTime } from '../../ui/format-time';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { DataTable } from '../../ui/DataTable';
import { useContractQuery } from '../../data/use-contract-query';
import { AddNatForm } from './AddNatForm';
import { PolicyPanel } from './PolicyPanel';
import { useContractAction } from '../../data/use-contract-action';

const driftWords: Record<NatRecordView['drift'], string> = {
  'in-sync': 'in sync',
  missing: 'missing on firewall',
  different: 'different on firewall',
  unknown: 'unknown',
  'not-checked': 'not checked',
};

const driftHelp: Record<NatRecordView['drift'], string> = {
  'in-sync': 'The firewall has exactly these rules.',
  missing: 'The firewall has no rules for this record: add them again (remove and re-add the NAT) or investigate.',
  different: 'The firewall has rules for this record that translate other addresses.',
  unknown: 'Outpost cannot read this firewall (a manual firewall, or it was unreachable).',
  'not-checked': 'Press “Verify against firewalls” to read the rules back.',
};

interface Started {
  procedureId: string;
  what: string;
}

const natTitle = (r: NatRecordView): string => `Created ${formatTime(r.createdAt)} by ${r.createdBy}${r.removedAt ? `, removed ${formatTime(r.removedAt)}` : ''}`;

function NatTable({ records, onRemove }: { records: NatRecordView[]; onRemove(record: NatRecordView): void }) {
  return (
    <DataTable
      scroll
      className="data-table-compact"
      caption="NAT records"
      rows={records}
      rowKey={(r) => r.id}
      rowProps={(r) => ({ className: r.state === 'removed' ? 'row-released' : undefined, 'data-testid': `nat-row-${r.publicIp}` })}
      columns={[
        { id: 'public', label: 'Public IP', rowHeader: true, className: 'mono', cell: (r) => r.publicIp, cellTitle: natTitle, sortValue: (r) => r.publicIp },
        { id: 'private', label: 'Private IP', className: 'mono', cell: (r) => r.privateIp, sortValue: (r) => r.privateIp },
        { id: 'firewall', label: 'Firewall', className: 'mono', cell: (r) => r.firewall, sortValue: (r) => r.firewall },
        { id: 'vm', label: 'VM', cell: (r) => r.vm ?? '—', sortValue: (r) => r.vm },
        { id: 'state', label: 'State', cell: (r) => <span className={`badge badge-nat-${r.state}`}>{r.state}</span>, sortValue: (r) => r.state },
        {
          id: 'drift',
          label: 'Drift',
          cell: (r) => (
            <span className={`badge badge-drift-${r.drift}`} title={driftHelp[r.drift]}>
              {driftWords[r.drift]}
            </span>
          ),
          sortValue: (r) => driftWords[r.drift],
        },
        { id: 'procedure', label: 'Procedure', cell: (r) => (r.procedureId ? <ProcedureLink id={r.procedureId} /> : '—') },
      ]}
      actions={(r) =>
        r.state === 'active' ? (
          <button type="button" className="button button-small" aria-label={`Remove NAT ${r.publicIp}`} onClick={() => onRemove(r)}>
            Remove
          </button>
        ) : null
      }
    />
  );
}

function VerifyFindings({ list }: { list: NatList }) {
  return (
    <>
      {list.unreachable.length > 0 && (
        <section className="finding finding-bad" aria-labelledby="unreachable-heading">
          <h3 id="unreachable-heading">Firewalls that could not be read</h3>
          <ul>
            {list.unreachable.map((u) => (
              <li key={u.firewall}>
                <span className="mono">{u.firewall}</span> <code className="toast-code">{u.code}</code> {u.message}
              </li>
            ))}
          </ul>
          <p className="small muted">Their records show drift “unknown”. Check the connection, then verify again.</p>
        </section>
      )}
      {list.orphans.length > 0 && (
        <section className="finding finding-warn" aria-labelledby="orphans-heading">
          <h3 id="orphans-heading">Rules no record explains</h3>
          <p className="small muted">Outpost tagged these rules on a firewall but holds no live NAT record for them. Remove them on the firewall, or investigate what added them.</p>
          <DataTable
            caption="Orphaned NAT rules"
            rows={list.orphans}
            rowKey={(o) => `${o.firewall}-${o.recordId}`}
            columns={[
              { id: 'firewall', label: 'Firewall', className: 'mono', cell: (o) => o.firewall, sortValue: (o) => o.firewall },
              { id: 'record', label: 'Record tag', className: 'mono', cell: (o) => o.recordId, sortValue: (o) => o.recordId },
              { id: 'public', label: 'Public IP', className: 'mono', cell: (o) => o.publicIp ?? '—', sortValue: (o) => o.publicIp },
              { id: 'private', label: 'Private IP', className: 'mono', cell: (o) => o.privateIp ?? '—', sortValue: (o) => o.privateIp },
            ]}
          />
        </section>
      )}
      {list.unreachable.length === 0 && list.orphans.length === 0 && <p className="muted small">No orphaned rules and every firewall answered.</p>}
    </>
  );
}

/** NAT records with drift, verify, add and remove. `refresh` changes when a NAT procedure moved. */
export function NatPanel({ firewalls, pools, refresh, onChanged }: { firewalls: FirewallView[]; pools: PoolView[]; refresh: number; onChanged(): void }) {
  const client = useClient();
  const action = useContractAction();
  const store = useShellStore();
  const [includeRemoved, setIncludeRemoved] = useState(false);
  const list = useContractQuery('Could not list NAT records', (c) => c.invoke('nat.list', { verify: false, includeRemoved }), `${includeRemoved}|${refresh}`);
  const [verified, setVerified] = useState<{ list: NatList; at: string; basis: NatList | null } | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [started, setStarted] = useState<Started | null>(null);
  const { confirm, dialog } = useConfirmDestructive();

  // A verify result stands until the records are read again (a NAT moved, or the filter changed).
  const current = verified && verified.basis === list.data ? verified : null;
  const shown = current?.list ?? list.data;

  const verify = (): void => {
    setVerifying(true);
    const basis = list.data;
    client.invoke('nat.list', { verify: true, includeRemoved }).then(
      (result) => {
        setVerifying(false);
        setVerified({ list: result, at: new Date().toISOString(), basis });
      },
      (err: unknown) => {
        setVerifying(false);
        store.getState().pushToast(errorToast('Could not verify NAT against the firewalls', err));
      },
    );
  };

  const remove = (record: NatRecordView): void =>
    confirm(
      {
        title: `Remove NAT ${record.publicIp}?`,
        body: (
          <p>
            Starts a procedure that removes the rules for <span className="mono">{record.publicIp}</span> → <span className="mono">{record.privateIp}</span> on{' '}
            <span className="mono">{record.firewall}</span> and releases the address. Traffic to it stops.
          </p>
        ),
        confirmLabel: 'Remove NAT',
      },
      () => {
        action.run('nat.remove', { publicIp: record.publicIp }, {
          failure: `Could not remove NAT ${record.publicIp}`,
          done: ({ procedureId }) => {
            setStarted({ procedureId, what: `NAT remove ${record.publicIp}` });
            store.getState().pushToast({ tone: 'info', title: 'NAT remove started', message: `${record.publicIp}: follow it in Procedures.` });
            onChanged();
          },
        });
      },
    );

  const needsFirst = pools.length === 0 || firewalls.length === 0;

  return (
    <>
      <div className="split-layout">
        <div className="split-main">
          {started && (
            <p className="notice" role="status">
              Started {started.what}: <ProcedureLink id={started.procedureId}>open the procedure</ProcedureLink>
              {firewalls.some((f) => f.driver === 'manual') ? ' (a manual firewall waits there for your approval).' : '.'}
            </p>
          )}
          <div className="toolbar">
            <button type="button" className="button" onClick={verify} disabled={verifying || !list.data}>
              {verifying ? 'Verifying…' : 'Verify against firewalls'}
            </button>
            <label className="inline-field">
              <input type="checkbox" checked={includeRemoved} onChange={(e) => setIncludeRemoved(e.target.checked)} />
              <span>Include removed</span>
            </label>
            <span className="muted small" role="status">
              {current ? `Drift checked ${formatTime(current.at)}` : 'Drift not checked yet'}
            </span>
          </div>
          {shown && shown.records.length > 0 && <NatTable records={shown.records} onRemove={remove} />}
          {shown && shown.records.length === 0 && !needsFirst && (
            <p className="muted">No NAT records{includeRemoved ? '' : ' in place'}. Add one with the form: it runs as a procedure you can follow in Procedures.</p>
          )}
          {shown && shown.records.length === 0 && needsFirst && (
            <EmptyState
              title="No NAT yet"
              purpose="Each NAT maps a public address to a VM's private address on a firewall, and is added or removed by a procedure with verify and undo."
              firstStep={
                <p>
                  {pools.length === 0 && firewalls.length === 0
                    ? 'Add a public pool (Pools tab), then a firewall (Firewalls tab). Then add a NAT here.'
                    : pools.length === 0
                      ? 'Add a public pool in the Pools tab (or give a specific public IP). Then add a NAT here.'
                      : 'Add a firewall in the Firewalls tab. Then add a NAT here.'}
                </p>
              }
            />
          )}
          {!shown && list.loading && <p className="muted">Loading NAT records…</p>}
          {current && <VerifyFindings list={current.list} />}
        </div>
        {firewalls.length > 0 && (
          <AddNatForm
            firewalls={firewalls}
            pools={pools}
            onStarted={(procedureId, what) => {
              setStarted({ procedureId, what });
              onChanged();
            }}
          />
        )}
        {dialog}
      </div>
      {firewalls.length > 0 && (
        <PolicyPanel
          firewalls={firewalls}
          records={list.data?.records ?? []}
          refresh={refresh}
          onStarted={(procedureId, what) => {
            setStarted({ procedureId, what });
            onChanged();
          }}
        />
      )}
    </>
  );
}
