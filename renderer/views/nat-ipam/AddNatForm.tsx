import type { FormEvent } from 'react';
import type { CommandInput, FirewallView, PoolView } from '../../../core/contract';
import { useShellStore } from '../../app/shell-context';
import { FieldError } from '../../ui/FieldError';
import { SegmentedField, segments } from '../../ui/SegmentedField';
import { FirewallOptions } from './FirewallsPanel';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { SubmitButton } from '../../ui/SubmitButton';

interface NatDraft {
  firewall: string;
  privateIp: string;
  source: 'pool' | 'address';
  pool: string;
  publicIp: string;
  vm: string;
}

/** Exactly one source of the public address goes to the contract; empty choices go as typed so the contract names them. */
export function natAddInput(d: NatDraft): CommandInput<'nat.add'> {
  return {
    firewall: d.firewall,
    privateIp: d.privateIp,
    ...(d.source === 'pool' ? { pool: d.pool } : { publicIp: d.publicIp }),
    ...(d.vm.trim() ? { vm: d.vm.trim() } : {}),
  };
}

export function AddNatForm({ firewalls, pools, onStarted }: { firewalls: FirewallView[]; pools: PoolView[]; onStarted(procedureId: string, what: string): void }) {
  const store = useShellStore();
  const form = useContractForm('NAT was not started');
  // Public pools first: those are the ones NAT allocates from.
  const choices = [...pools].sort((a, b) => (a.kind === b.kind ? a.name.localeCompare(b.name) : a.kind === 'public' ? -1 : 1));
  const { draft, setDraft, edit, errors, field } = useFormDraft<NatDraft>(() => ({
    firewall: firewalls[0]?.name ?? '',
    privateIp: '',
    source: 'pool',
    pool: choices.find((p) => p.kind === 'public')?.name ?? choices[0]?.name ?? '',
    publicIp: '',
    vm: '',
  }), { forms: [form] });

  // Lists loaded after the form opened fill an empty choice.
  if (draft.firewall === '' && firewalls[0]) setDraft((d) => ({ ...d, firewall: firewalls[0]!.name }));
  if (draft.pool === '' && choices[0]) setDraft((d) => ({ ...d, pool: (choices.find((p) => p.kind === 'public') ?? choices[0])!.name }));

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy) return;
    const input = natAddInput(draft);
    form.run('nat.add', input, ({ procedureId }) => {
      const what = `NAT ${input.publicIp ?? `from ${input.pool ?? '?'}`} → ${input.privateIp}`;
      setDraft((d) => ({ ...d, privateIp: '', publicIp: '', vm: '' }));
      store.getState().pushToast({ tone: 'info', title: 'NAT add started', message: `${what}: follow it in Procedures.` });
      onStarted(procedureId, what);
    });
  };

  return (
    <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="add-nat-heading">
      <h2 id="add-nat-heading">Add NAT</h2>
      <div className="field">
        <label htmlFor="nat-firewall">Firewall</label>
        <select id="nat-firewall" value={draft.firewall} onChange={(e) => edit('firewall', e.target.value)} aria-invalid={errors.firewall ? true : undefined} aria-describedby="nat-firewall-error">
          {firewalls.length === 0 && <option value="">No firewalls yet</option>}
          <FirewallOptions firewalls={firewalls} />
        </select>
        <FieldError id="nat-firewall-error" message={errors.firewall} />
      </div>
      <TextField id="nat-private-ip" label="Private IP" {...field('privateIp')} placeholder="10.0.0.5" mono />
      <SegmentedField legend="Public address" name="nat-source" options={segments(['pool', 'Allocate from a pool'], ['address', 'A specific address'])} {...field('source')} />
      {draft.source === 'pool' ? (
        <div className="field">
          <label htmlFor="nat-pool">Pool</label>
          <select id="nat-pool" value={draft.pool} onChange={(e) => edit('pool', e.target.value)} aria-invalid={errors.pool ?? errors.publicIp ? true : undefined} aria-describedby="nat-pool-hint nat-pool-error">
            {choices.length === 0 && <option value="">No pools yet</option>}
            {choices.map((p) => (
              <option key={p.id} value={p.name}>
                {p.name} ({p.cidr}, {p.kind})
              </option>
            ))}
          </select>
          <p id="nat-pool-hint" className="field-hint">
            The next free address is allocated when the procedure runs, and released if it is rolled back.
          </p>
          <FieldError id="nat-pool-error" message={errors.pool ?? errors.publicIp} />
        </div>
      ) : (
        <TextField
          id="nat-public-ip"
          label="Public IP"
          {...field('publicIp')}
          placeholder="203.0.113.10"
          hint="Used as given; Outpost does not allocate it in IPAM."
          mono
        />
      )}
      <TextField id="nat-vm" label="VM (optional)" {...field('vm')} hint="A label for the record, e.g. the VM's name." />
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Add NAT" busyLabel="Starting…" />
      </div>
    </form>
  );
}
