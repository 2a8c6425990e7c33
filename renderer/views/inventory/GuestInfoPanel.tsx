import { useState, type FormEvent } from 'react';
import { GUEST_INFO_KEY, type GuestInfo, type VmSummary } from '../../../core/contract';
import { useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { DataTable } from '../../ui/DataTable';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { useContractQuery } from '../../data/use-contract-query';
import { SubmitButton } from '../../ui/SubmitButton';

/**
 * The VM's guestinfo.* keys and a form to set or remove one; audited by key. Read on request:
 * each read is a vCenter login, too much for every VM an operator clicks through.
 */
export function GuestInfoPanel({ vm }: { vm: VmSummary }) {
  const [open, setOpen] = useState(false);
  if (!open) {
    return (
      <section className="guest-info-panel" aria-labelledby="guest-info-heading" data-testid="guest-info">
        <h3 id="guest-info-heading" className="vm-notes-heading">
          Guest info
        </h3>
        <button type="button" className="button button-small" onClick={() => setOpen(true)}>
          Show guestinfo keys
        </button>
      </section>
    );
  }
  return <GuestInfoEditor vm={vm} />;
}

function GuestInfoEditor({ vm }: { vm: VmSummary }) {
  const store = useShellStore();
  const current = useContractQuery(`Could not read the guestinfo keys of ${vm.name}`, (c) => c.invoke('vm.guestinfo.get', { site: vm.site, vm: vm.moref }), `${vm.site}/${vm.moref}`);
  const [shown, setShown] = useState<GuestInfo | null>(null);
  const form = useContractForm(`guestinfo of ${vm.name} not changed`);
  const { confirm, dialog } = useConfirmDestructive();
  // One key is set at a time: the contract marks it as set.0.
  const { draft, setErrors, field } = useFormDraft({ key: 'guestinfo.', value: '' }, { forms: [form], fieldOf: (path) => (path === 'set.0.key' ? 'key' : path === 'set.0.value' ? 'value' : undefined) });
  const info = shown?.moref === vm.moref ? shown : current.data;

  const change = (input: { set?: { key: string; value: string }[]; remove?: string[] }, done: string): void => {
    form.run('vm.guestinfo.set', { site: vm.site, vm: vm.moref, ...input }, (r) => {
      setShown(r);
      store.getState().pushToast({ tone: 'info', title: done, message: `${vm.name} now has ${r.entries.length} guestinfo key(s). Recorded in the audit log (keys only).` });
    });
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    const k = draft.key.trim();
    if (!GUEST_INFO_KEY.test(k)) {
      setErrors({ key: 'A key is "guestinfo." followed by letters, digits, ".", "_" or "-".' });
      return;
    }
    change({ set: [{ key: k, value: draft.value }] }, `${k} set`);
  };

  return (
    <section className="guest-info-panel" aria-labelledby="guest-info-heading" data-testid="guest-info">
      <h3 id="guest-info-heading" className="vm-notes-heading">
        Guest info
      </h3>
      <p className="small muted">
        Extra-config keys the guest reads with VMware Tools (<span className="mono">vmtoolsd --cmd &quot;info-get guestinfo.…&quot;</span>).
      </p>
      {!info && current.loading && <p className="small muted">Reading from vCenter…</p>}
      {info && info.entries.length === 0 && <p className="small muted">No guestinfo keys on this VM.</p>}
      {info && info.entries.length > 0 && (
        <DataTable
          className="data-table-compact"
          testId="guest-info-entries"
          caption={`guestinfo keys of ${vm.name}`}
          columns={[
            { id: 'key', label: 'Key', rowHeader: true, className: 'mono', sortValue: (e) => e.key, cell: (e) => e.key },
            { id: 'value', label: 'Value', className: 'mono value-cell', cell: (e) => e.value },
          ]}
          rows={info.entries}
          rowKey={(e) => e.key}
          actions={(e) => (
            <button
              type="button"
              className="button button-small button-danger"
              disabled={form.busy}
              aria-label={`Remove ${e.key}`}
              onClick={() => confirm({ title: `Remove ${e.key}?`, body: <p>The guest will no longer read this key.</p>, confirmLabel: 'Remove' }, () => change({ remove: [e.key] }, `${e.key} removed`))}
            >
              Remove
            </button>
          )}
        />
      )}
      <form onSubmit={onSubmit} noValidate>
        <TextField
          id="guest-info-key"
          label="Key"
          {...field('key')}
          mono
        />
        <TextField id="guest-info-value" label="Value" {...field('value')} mono />
        <div className="form-actions">
          <SubmitButton busy={form.busy} label="Set key" busyLabel="Saving…" primary={false} small />
        </div>
      </form>
      {dialog}
    </section>
  );
}
