import { useState, type FormEvent } from 'react';
import type { VlanAttachResult, VmNicInfo } from '../../../core/contract';
import { useShellStore } from '../../app/shell-context';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { SubmitButton } from '../../ui/SubmitButton';

const nicColumns: DataColumn<VmNicInfo>[] = [
  {
    id: 'adapter',
    label: 'Adapter',
    rowHeader: true,
    cell: (n) => (
      <>
        {n.index} <span className="muted small">{n.label}</span>
      </>
    ),
    sortValue: (n) => n.index,
  },
  { id: 'network', label: 'Network', className: 'mono', cell: (n) => n.network ?? <span className="muted">({n.backing})</span>, sortValue: (n) => n.network },
  { id: 'mac', label: 'MAC', className: 'mono', cell: (n) => n.macAddress ?? '—', sortValue: (n) => n.macAddress },
  { id: 'connected', label: 'Connected', cell: (n) => (n.connected ? 'Yes' : n.startConnected ? 'At power-on' : 'No') },
];

/** A VM's network adapters: number, label, network, MAC, connected. */
export function NicTable({ nics, caption }: { nics: readonly VmNicInfo[]; caption: string }) {
  return <DataTable className="data-table-compact" testId="vm-nics" caption={caption} columns={nicColumns} rows={nics} rowKey={(n) => n.key} rowProps={(n) => ({ 'data-testid': `vm-nic-${n.index}` })} />;
}

const NEW_NIC = 'new';

/**
 * Seed 003 step 6 as a form: put a VM's adapter on a port group (or add a vmxnet3 adapter on it).
 * Runs as the durable `vlan.attach` procedure; the result shows the adapters read back. With `vm`
 * given (the VM pane) the VM is fixed and its adapters are offered; else the operator names it.
 */
export function AttachNicForm({ site, vm, nics, portGroups, onAttached }: { site: string; vm?: { ref: string; name: string }; nics?: readonly VmNicInfo[]; portGroups: readonly string[]; onAttached?(r: VlanAttachResult): void }) {
  const store = useShellStore();
  const form = useContractForm('Adapter not connected');
  const [vmRef, setVmRef] = useState('');
  const [portGroup, setPortGroup] = useState('');
  const [nic, setNic] = useState(nics && nics.length === 0 ? NEW_NIC : '1');
  const [result, setResult] = useState<VlanAttachResult | null>(null);
  const target = vm?.ref ?? vmRef.trim();

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    const add = nic === NEW_NIC;
    const index = add ? undefined : Number(nic);
    form.run('vlan.attach', { site, vm: target, portGroup: portGroup.trim(), ...(index !== undefined && Number.isInteger(index) ? { nic: index } : {}), add }, (r) => {
      setResult(r);
      store.getState().pushToast({
        tone: 'info',
        title: r.added ? `Adapter ${r.nic} added on ${r.portGroup}` : r.changed ? `Adapter ${r.nic} moved to ${r.portGroup}` : `Adapter ${r.nic} already on ${r.portGroup}`,
        message: `${r.vm}${r.previous && r.changed ? `: was on ${r.previous}` : ''}. Recorded in the audit log.`,
      });
      onAttached?.(r);
    });
  };

  const id = vm ? 'vm-attach' : 'net-attach';
  return (
    <form className={vm ? 'vm-attach-form' : 'panel side-form'} onSubmit={onSubmit} aria-labelledby={`${id}-heading`} noValidate data-testid={id}>
      <h3 id={`${id}-heading`} className={vm ? 'vm-notes-heading' : 'section-heading'}>
        Connect {vm ? 'an adapter' : 'a VM'} to a port group
      </h3>
      {!vm && <TextField id={`${id}-vm`} label="VM" value={vmRef} onChange={setVmRef} error={form.errors['vm']} hint="Name, moref or UUID, as in Inventory" />}
      <div className="field">
        <label htmlFor={`${id}-portgroup`}>Port group</label>
        <input id={`${id}-portgroup`} list={`${id}-portgroups`} value={portGroup} onChange={(e) => setPortGroup(e.target.value)} placeholder="e.g. VLAN100" aria-describedby={form.errors['portGroup'] ? `${id}-portgroup-error` : undefined} />
        <datalist id={`${id}-portgroups`}>
          {portGroups.map((p) => (
            <option key={p} value={p} />
          ))}
        </datalist>
        <FieldError id={`${id}-portgroup-error`} message={form.errors['portGroup']} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-nic`}>Adapter</label>
        <select id={`${id}-nic`} value={nic} onChange={(e) => setNic(e.target.value)}>
          {(nics ?? [1, 2, 3, 4].map((index) => ({ index, label: '', network: null }) as const)).map((n) => (
            <option key={n.index} value={String(n.index)}>
              {`${n.index}${n.label ? ` (${n.label}${n.network ? `, on ${n.network}` : ''})` : ''}`}
            </option>
          ))}
          <option value={NEW_NIC}>A new vmxnet3 adapter</option>
        </select>
        <FieldError id={`${id}-nic-error`} message={form.errors['nic']} />
      </div>
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Connect" busyLabel="Connecting…" disabled={!target || !portGroup.trim()} small />
      </div>
      {result && (
        <section aria-live="polite" aria-label="Result">
          <p className="small" data-testid={`${id}-result`}>
            {result.added ? `Adapter ${result.nic} added on ${result.portGroup}` : result.changed ? `Adapter ${result.nic} moved from ${result.previous ?? '?'} to ${result.portGroup}` : `Adapter ${result.nic} was on ${result.portGroup} already`} (procedure{' '}
            <ProcedureLink id={result.procedureId} />
            ).
          </p>
          {!vm && <NicTable nics={result.nics} caption={`Network adapters of ${result.vm}`} />}
        </section>
      )}
    </form>
  );
}
