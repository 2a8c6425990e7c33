import { useState, type FormEvent } from 'react';
import { OutpostError, type HostNetwork, type HostVlanResult, type VlanEnsureResult } from '../../../core/contract';
import { useClient, useShellStore } from '../../app/shell-context';
import { DataTable } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { choices, emptyVlanDraft, ensureInput, type VlanDraft } from './vlan-draft';

const outcomeLabel = (h: HostVlanResult, dryRun: boolean): string =>
  h.outcome === 'failed' ? 'Fails' : h.outcome === 'create' ? (dryRun ? 'Will create' : 'Create') : h.created ? 'Created' : 'Ready';
const outcomeBadge = (h: HostVlanResult): string => (h.outcome === 'failed' ? 'badge badge-failed' : h.outcome === 'create' ? 'badge badge-waiting' : 'badge badge-succeeded');

/** What the form last showed: a preview for exactly these inputs, or the outcome of an apply. */
type Shown = { key: string; result: Pick<VlanEnsureResult, 'ok' | 'dryRun' | 'hosts'>; applied: boolean; procedureId?: string | undefined };

export function HostVlanResults({ shown }: { shown: Shown['result'] }) {
  return (
    <DataTable
      className="data-table-compact"
      testId="vlan-preview"
      caption={shown.dryRun ? 'What the ensure would do per host' : 'What the ensure did per host'}
      rows={shown.hosts}
      rowKey={(h) => h.host}
      rowProps={(h) => ({ 'data-testid': `vlan-result-${h.host}` })}
      columns={[
        { id: 'host', label: 'Host', rowHeader: true, className: 'mono', cell: (h) => h.host, sortValue: (h) => h.host },
        { id: 'result', label: 'Result', cell: (h) => <span className={outcomeBadge(h)}>{outcomeLabel(h, shown.dryRun)}</span> },
        { id: 'finding', label: 'Finding', className: 'small', cell: (h) => h.failure ?? h.checks[h.checks.length - 1]?.detail ?? '' },
      ]}
    />
  );
}

/** Seed 003's VLAN workflow as a form: preview (dry run) first, then apply exactly what was previewed. */
export function EnsurePortGroupForm({ site, hosts, onApplied }: { site: string; hosts: HostNetwork[]; onApplied(): void }) {
  const client = useClient();
  const store = useShellStore();
  const form = useContractForm('Port group not ensured');
  const [draft, setDraft] = useState<VlanDraft>(() => ({ ...emptyVlanDraft, cluster: choices(hosts).clusters[0] ?? '', host: hosts[0]?.host ?? '', scope: choices(hosts).clusters.length ? 'cluster' : 'host' }));
  const [vlanError, setVlanError] = useState<string | null>(null);
  const [shown, setShown] = useState<Shown | null>(null);
  const options = choices(hosts);
  const key = JSON.stringify({ site, ...draft });
  const current = shown?.key === key ? shown : null;

  const edit = <K extends keyof VlanDraft>(field: K, value: VlanDraft[K]): void => {
    setDraft((d) => ({ ...d, [field]: value }));
    if (field === 'vlan') setVlanError(null);
    for (const path of Object.keys(form.errors)) form.clearError(path);
  };

  const run = (dryRun: boolean): void => {
    const input = ensureInput(site, draft, dryRun);
    if ('error' in input) {
      setVlanError(input.error);
      return;
    }
    form.submit(
      () =>
        client.invoke('vlan.ensure', input).catch((err: unknown) => {
          // Failed checks come back with every host's finding: show them in the table as well.
          if (err instanceof OutpostError && err.code === 'VLAN_CHECK_FAILED') {
            const hostsFound = (err.details as { hosts?: HostVlanResult[] } | undefined)?.hosts;
            const procedureId = (err.details as { procedureId?: string } | undefined)?.procedureId;
            if (hostsFound) setShown({ key, result: { ok: false, dryRun: false, hosts: hostsFound }, applied: false, procedureId });
          }
          throw err;
        }),
      (result) => {
        setShown({ key, result, applied: !dryRun, procedureId: result.procedureId });
        if (!dryRun) {
          const created = result.hosts.filter((h) => h.created).length;
          store.getState().pushToast({
            tone: 'info',
            title: created ? `Port group ${result.portGroup} created` : `Port group ${result.portGroup} already ready`,
            message: `${created ? `Created on ${created} host(s); ` : ''}${result.hosts.length} host(s) carry VLAN ${result.vlanId} on the vSwitch bound to ${result.nic}. Recorded in the audit log.`,
          });
          onApplied();
        }
      },
    );
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    run(true);
  };
  const toCreate = current && !current.applied && current.result.dryRun ? current.result.hosts.filter((h) => h.outcome === 'create').length : 0;
  const canApply = current !== null && current.result.dryRun && current.result.ok && !current.applied;

  return (
    <form className="panel side-form vlan-form" onSubmit={onSubmit} aria-labelledby="vlan-form-heading" noValidate>
      <h2 id="vlan-form-heading">Ensure a port group</h2>
      <p className="small muted">
        On each host: the adapter exists → a standard vSwitch is bound to it → the port group exists (else it is created there with the VLAN id) → it is on that vSwitch → it
        carries that VLAN. Nothing changes unless every host passes.
      </p>
      <div className="segmented segmented-small" role="radiogroup" aria-label="Where">
        {(['cluster', 'host'] as const).map((s) => (
          <label key={s} className="segment">
            <input type="radio" name="vlan-scope" value={s} checked={draft.scope === s} onChange={() => edit('scope', s)} disabled={s === 'cluster' && options.clusters.length === 0} />
            <span>{s === 'cluster' ? 'Every host of a cluster' : 'One host'}</span>
          </label>
        ))}
      </div>
      <div className="field">
        <label htmlFor="vlan-target">{draft.scope === 'cluster' ? 'Cluster' : 'Host'}</label>
        <select id="vlan-target" value={draft.scope === 'cluster' ? draft.cluster : draft.host} onChange={(e) => edit(draft.scope === 'cluster' ? 'cluster' : 'host', e.target.value)}>
          {(draft.scope === 'cluster' ? options.clusters : options.hosts).map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        <FieldError id="vlan-target-error" message={form.errors['host'] ?? form.errors['cluster']} />
      </div>
      <TextField id="vlan-nic" label="Physical adapter" value={draft.nic} onChange={(v) => edit('nic', v)} error={form.errors['nic']} mono hint={options.nics.length ? `On these hosts: ${options.nics.join(', ')}` : undefined} />
      <TextField id="vlan-portgroup" label="Port group" value={draft.portGroup} onChange={(v) => edit('portGroup', v)} error={form.errors['portGroup']} placeholder="e.g. VLAN100" />
      <TextField id="vlan-id" label="VLAN id" value={draft.vlan} onChange={(v) => edit('vlan', v)} error={vlanError ?? form.errors['vlanId']} mono placeholder="0-4095" />
      <div className="form-actions">
        <button type="submit" className="button" disabled={form.busy}>
          {form.busy && !canApply ? 'Checking…' : 'Preview'}
        </button>
        <button type="button" className="button button-primary" disabled={form.busy || !canApply} onClick={() => run(false)} data-testid="vlan-apply">
          {toCreate ? `Create on ${toCreate} host(s)` : 'Apply'}
        </button>
      </div>
      {!current && shown && <p className="small muted">The inputs changed since the last preview: preview again before applying.</p>}
      {current && (
        <section aria-live="polite" aria-label={current.result.dryRun ? 'Preview' : 'Result'}>
          <h3 className="section-heading">{current.applied ? 'Result' : current.result.dryRun ? 'Preview (nothing changed yet)' : 'Checks failed (nothing changed)'}</h3>
          {current.result.dryRun && current.result.ok && toCreate === 0 && <p className="small">Every host is ready already: nothing to create.</p>}
          {current.procedureId && (
            <p className="small" data-testid="vlan-procedure">
              Ran as procedure <ProcedureLink id={current.procedureId} /> (journal, steps and audit in Procedures).
            </p>
          )}
          <HostVlanResults shown={current.result} />
        </section>
      )}
    </form>
  );
}
