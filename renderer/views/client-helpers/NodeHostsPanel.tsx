import { useState, type FormEvent } from 'react';
import type { CommandInput, CommandOutput } from '../../../core/contract';
import { FieldError } from '../../ui/FieldError';
import { TextField } from '../../ui/TextField';
import { CredentialField } from '../../parts/CredentialField';
import { VmPicker } from '../../parts/VmPicker';
import { useVmSelection } from '../enrollment/use-vm-selection';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { useContractQuery } from '../../data/use-contract-query';
import { SubmitButton } from '../../ui/SubmitButton';

type Plan = CommandOutput<'helpers.hosts.preview'>;

interface NodeDraft {
  host: string;
  user: string;
  credential: string;
  path: string;
  address: 'private' | 'public';
}

/**
 * Hosts entries for inventory VMs, pushed into a node's /etc/hosts over SSH: pick VMs, preview the
 * unified diff of the node's file, then push exactly that (a file edited since the preview is refused).
 */
export function NodeHostsPanel() {
  const sites = useContractQuery('Could not list sites', (c) => c.invoke('sites.list', {}));
  const { selection, picked } = useVmSelection();
  const [plan, setPlan] = useState<{ forKey: string; plan: Plan } | null>(null);
  const [pushed, setPushed] = useState<Plan | null>(null);
  const preview = useContractForm('The hosts file was not previewed');
  const push = useContractForm('The hosts entries were not pushed');
  // A push failure is the newer word on a field: it shows over the preview's.
  const { draft, edit, field } = useFormDraft<NodeDraft>({ host: '', user: '', credential: '', path: '/etc/hosts', address: 'private' }, { forms: [push, preview] });
  const vmsError = push.errors.vms ?? preview.errors.vms;

  const input: CommandInput<'helpers.hosts.preview'> = {
    host: draft.host.trim(),
    credential: draft.credential,
    ...(draft.user.trim() ? { user: draft.user.trim() } : {}),
    path: draft.path.trim(),
    vms: picked.map((vm) => ({ site: vm.site, vm: vm.moref })),
    address: draft.address,
  };
  const key = JSON.stringify(input);
  const current = plan && plan.forKey === key ? plan.plan : null;

  const onPreview = (event: FormEvent): void => {
    event.preventDefault();
    if (preview.busy) return;
    setPushed(null);
    preview.run('helpers.hosts.preview', input, (p) => setPlan({ forKey: key, plan: p }));
  };
  const onPush = (): void => {
    if (!current || push.busy) return;
    push.run('helpers.hosts.push', { ...input, expectSha256: current.baseSha256 }, (p) => {
      setPushed(p);
      setPlan(null);
    });
  };

  return (
    <div className="node-hosts">
      <h2 className="section-heading">Push hosts entries to a node</h2>
      <VmPicker sites={(sites.data ?? []).map((s) => s.name)} selection={selection} invalid={Boolean(vmsError)} purpose="name on the node" />
      <FieldError id="node-hosts-vms-error" message={vmsError} />
      <form className="panel side-form" onSubmit={onPreview} noValidate aria-labelledby="node-hosts-heading">
        <h2 id="node-hosts-heading">Node</h2>
        <TextField id="node-hosts-host" label="Node (host or host:port)" {...field('host')} placeholder="10.0.0.5 or node1:2222" mono />
        <CredentialField id="node-hosts-credential" label="Credential" {...field('credential')} />
        <TextField id="node-hosts-user" label="User (blank: the credential's)" {...field('user')} mono />
        <TextField id="node-hosts-path" label="Hosts file" {...field('path')} mono />
        <fieldset className="field">
          <legend>Address of each VM</legend>
          <label className="checkbox-field">
            <input type="radio" name="node-hosts-address" checked={draft.address === 'private'} onChange={() => edit('address', 'private')} />
            <span>Private (its guest IP)</span>
          </label>
          <label className="checkbox-field">
            <input type="radio" name="node-hosts-address" checked={draft.address === 'public'} onChange={() => edit('address', 'public')} />
            <span>Public (the NAT&apos;d IP of an enrolled VM)</span>
          </label>
        </fieldset>
        <div className="form-actions">
          <SubmitButton busy={preview.busy} label="Preview the change" busyLabel="Reading the node…" primary={false} />
          <button type="button" className="button button-primary" disabled={!current || !current.changed || push.busy} onClick={onPush}>
            {push.busy ? 'Pushing…' : 'Push'}
          </button>
        </div>
      </form>
      {current && (
        <section aria-label="Preview" data-testid="node-hosts-preview">
          {current.changed ? (
            <>
              <p className="muted small" role="status">
                {current.entries.length} entr{current.entries.length === 1 ? 'y' : 'ies'}; this is what Push changes in <span className="mono">{current.path}</span> on {current.host}:
              </p>
              <pre className="copyable-text mono" data-testid="node-hosts-diff" tabIndex={0} aria-label="Unified diff">
                {current.diff}
              </pre>
            </>
          ) : (
            <p role="status">
              <span className="mono">{current.path}</span> on {current.host} already has these {current.entries.length} entries; nothing to push.
            </p>
          )}
        </section>
      )}
      {pushed && (
        <p role="status" data-testid="node-hosts-pushed">
          {pushed.changed ? `Wrote ${pushed.entries.length} entries into ${pushed.path} on ${pushed.host}.` : `${pushed.path} on ${pushed.host} already had these entries; nothing changed.`}
        </p>
      )}
    </div>
  );
}
