import { useState, type FormEvent } from 'react';
import type { CommandInput, PoolView } from '../../../core/contract';
import { useShellStore } from '../../app/shell-context';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { TextField } from '../../ui/TextField';
import { SegmentedField, segments } from '../../ui/SegmentedField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { formatCount, poolUtilisation, shareOf } from './pool-utilisation';
import { SubmitButton } from '../../ui/SubmitButton';

function UtilisationBar({ pool }: { pool: PoolView }) {
  const u = poolUtilisation(pool);
  const text = `${formatCount(u.allocated)} allocated, ${formatCount(u.reserved)} reserved of ${formatCount(u.size)} usable`;
  return (
    <div className="utilisation">
      <div
        className={`utilisation-bar${u.percent >= 90 ? ' utilisation-high' : ''}`}
        role="meter"
        aria-label={`Utilisation of ${pool.name}`}
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={u.percent}
        aria-valuetext={`${u.percent}%: ${text}`}
      >
        <span className="utilisation-reserved" style={{ width: `${shareOf(u.reserved, u.size)}%` }} />
        <span className="utilisation-allocated" style={{ width: `${shareOf(u.allocated, u.size)}%` }} />
      </div>
      <span className="utilisation-text small" data-testid={`pool-usage-${pool.name}`}>
        {text}
      </span>
    </div>
  );
}

function ReservedRanges({ pool }: { pool: PoolView }) {
  if (pool.reserved.length === 0) return <>—</>;
  return (
    <>
      {pool.reserved.map((r) => (
        <div key={`${r.start}-${r.end}`}>
          <span className="mono">{r.start === r.end ? r.start : `${r.start}–${r.end}`}</span>
          {r.reason && <span className="muted"> {r.reason}</span>}
        </div>
      ))}
    </>
  );
}

const poolColumns: DataColumn<PoolView>[] = [
  {
    id: 'pool',
    label: 'Pool',
    rowHeader: true,
    cell: (pool) => (
      <>
        {pool.name}
        {pool.scope && <span className="muted small"> {pool.scope}</span>}
      </>
    ),
    sortValue: (pool) => pool.name,
  },
  { id: 'cidr', label: 'CIDR', className: 'mono', cell: (pool) => pool.cidr, sortValue: (pool) => pool.cidr },
  { id: 'kind', label: 'Kind', cell: (pool) => <span className={`badge badge-kind-${pool.kind}`}>{pool.kind}</span>, sortValue: (pool) => pool.kind },
  { id: 'gateway', label: 'Gateway', className: 'mono', cell: (pool) => pool.gateway ?? '—', sortValue: (pool) => pool.gateway },
  { id: 'reserved', label: 'Reserved ranges', className: 'small', cell: (pool) => <ReservedRanges pool={pool} /> },
  { id: 'utilisation', label: 'Utilisation', cell: (pool) => <UtilisationBar pool={pool} />, sortValue: (pool) => poolUtilisation(pool).percent },
];

export function PoolsTable({ pools }: { pools: readonly PoolView[] }) {
  return <DataTable columns={poolColumns} rows={pools} rowKey={(pool) => String(pool.id)} caption="Address pools" />;
}

interface ReservedDraft {
  key: number;
  start: string;
  end: string;
  reason: string;
}

interface PoolDraft {
  name: string;
  cidr: string;
  kind: 'public' | 'private';
  gateway: string;
  scope: string;
  reserved: ReservedDraft[];
}

const emptyDraft: PoolDraft = { name: '', cidr: '', kind: 'public', gateway: '', scope: '', reserved: [] };

/** Empty optional fields are left out; what is typed goes to the contract as typed. */
function poolInput(d: PoolDraft): CommandInput<'ipam.pools.add'> {
  return {
    name: d.name,
    cidr: d.cidr,
    kind: d.kind,
    ...(d.scope.trim() ? { scope: d.scope } : {}),
    ...(d.gateway.trim() ? { gateway: d.gateway } : {}),
    ...(d.reserved.length > 0 ? { reserved: d.reserved.map((r) => ({ start: r.start, end: r.end.trim() ? r.end : r.start, reason: r.reason })) } : {}),
  };
}

export function AddPoolForm({ onAdded }: { onAdded(): void }) {
  const store = useShellStore();
  const form = useContractForm('Pool was not added');
  const { draft, setDraft, field } = useFormDraft<PoolDraft>(emptyDraft, { forms: [form] });
  const [nextKey, setNextKey] = useState(1);
  // A reserved range's messages sit at "reserved.<i>.<start|end|reason>", not under one draft field.
  const { errors } = form;
  const editRange = (index: number, field: 'start' | 'end' | 'reason', value: string): void => {
    setDraft((d) => ({ ...d, reserved: d.reserved.map((r, i) => (i === index ? { ...r, [field]: value } : r)) }));
    form.clearError(`reserved.${index}.${field}`);
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy) return;
    form.run('ipam.pools.add', poolInput(draft), (pool) => {
      setDraft(emptyDraft);
      store.getState().pushToast({ tone: 'info', title: `Pool ${pool.name} added`, message: `${pool.cidr}: ${formatCount(poolUtilisation(pool).size)} usable addresses.` });
      onAdded();
    });
  };

  return (
    <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="add-pool-heading">
      <h2 id="add-pool-heading">Add a pool</h2>
      <TextField id="pool-name" label="Name" {...field('name')} placeholder="public-dc1" mono />
      <TextField
        id="pool-cidr"
        label="CIDR"
        {...field('cidr')}
        placeholder="203.0.113.0/28"
        hint="IPv4 or IPv6 network, e.g. 203.0.113.0/28 or 2001:db8:1::/64."
        mono
      />
      <SegmentedField legend="Kind" name="pool-kind" options={segments(['public', 'Public'], ['private', 'Private'])} {...field('kind')} hint="Public pools give NAT its outside addresses; private pools record what VMs use inside." />
      <TextField id="pool-gateway" label="Gateway (optional)" {...field('gateway')} mono />
      <TextField id="pool-scope" label="Scope (optional)" {...field('scope')} hint="A site or segment name, for your own reference." />

      <fieldset className="field">
        <legend>Reserved ranges</legend>
        {draft.reserved.length === 0 && <p className="field-hint">None. Reserved addresses are never allocated (routers, firewalls, VIPs).</p>}
        {draft.reserved.map((r, i) => (
          <div key={r.key} className="range-row" role="group" aria-label={`Reserved range ${i + 1}`}>
            <input
              type="text"
              className="mono"
              aria-label={`Range ${i + 1} start`}
              placeholder="start"
              value={r.start}
              onChange={(e) => editRange(i, 'start', e.target.value)}
              aria-invalid={errors[`reserved.${i}.start`] ? true : undefined}
            />
            <input
              type="text"
              className="mono"
              aria-label={`Range ${i + 1} end`}
              placeholder="end (= start)"
              value={r.end}
              onChange={(e) => editRange(i, 'end', e.target.value)}
              aria-invalid={errors[`reserved.${i}.end`] ? true : undefined}
            />
            <input type="text" aria-label={`Range ${i + 1} reason`} placeholder="reason" value={r.reason} onChange={(e) => editRange(i, 'reason', e.target.value)} />
            <button
              type="button"
              className="button button-small"
              aria-label={`Remove range ${i + 1}`}
              onClick={() => setDraft((d) => ({ ...d, reserved: d.reserved.filter((_, j) => j !== i) }))}
            >
              ×
            </button>
            <FieldError id={`pool-range-${i}-error`} message={errors[`reserved.${i}.start`] ?? errors[`reserved.${i}.end`] ?? errors[`reserved.${i}.reason`]} />
          </div>
        ))}
        <button
          type="button"
          className="button button-small"
          onClick={() => {
            setDraft((d) => ({ ...d, reserved: [...d.reserved, { key: nextKey, start: '', end: '', reason: '' }] }));
            setNextKey((k) => k + 1);
          }}
        >
          Add a reserved range
        </button>
        <FieldError id="pool-reserved-error" message={errors.reserved} />
      </fieldset>

      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Add pool" busyLabel="Adding…" />
      </div>
    </form>
  );
}
