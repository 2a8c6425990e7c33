import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { CommandInput } from '../../../core/contract';
import type { PlaybookRun } from '../../../core/contract/upgrades';
import { useClient } from '../../app/shell-context';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { TextField } from '../../ui/TextField';
import { useContractAction } from '../../data/use-contract-action';
import { CredentialField } from '../../parts/CredentialField';
import { VmPicker } from '../../parts/VmPicker';
import { useVmSelection } from '../enrollment/use-vm-selection';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { useContractQuery } from '../../data/use-contract-query';

type PlaybookHost = PlaybookRun['hosts'][number];
const resultTone = (h: PlaybookHost): string => (h.status === 'ok' || h.status === 'changed' ? 'done' : h.status === 'pending' ? 'running' : 'failed');
const playbookColumns: DataColumn<PlaybookHost>[] = [
  { id: 'host', label: 'Host', className: 'mono', cell: (h) => h.name, sortValue: (h) => h.name },
  { id: 'target', label: 'Target', className: 'mono', cell: (h) => h.target, sortValue: (h) => h.target },
  { id: 'result', label: 'Result', cell: (h) => <span className={`badge badge-${resultTone(h)}`}>{h.status}</span>, sortValue: (h) => h.status },
  { id: 'ok', label: 'ok', cell: (h) => h.ok, sortValue: (h) => h.ok },
  { id: 'changed', label: 'changed', cell: (h) => h.changed, sortValue: (h) => h.changed },
  { id: 'failed', label: 'failed', cell: (h) => h.failed, sortValue: (h) => h.failed },
  { id: 'unreachable', label: 'unreachable', cell: (h) => h.unreachable, sortValue: (h) => h.unreachable },
];

/** Lines kept on screen per run (the run keeps its own tail for a page opened late). */
const SHOWN_LINES = 1000;

interface PlaybookDraft {
  playbook: string;
  hosts: string;
  credential: string;
  user: string;
  port: string;
  address: 'private' | 'public';
}

/** A playbook against picked inventory VMs and/or typed hosts: live output, then one result per host. */
export function PlaybooksPanel() {
  const client = useClient();
  const sites = useContractQuery('Could not list sites', (c) => c.invoke('sites.list', {}));
  const { selection, picked } = useVmSelection();
  const action = useContractAction();
  const [run, setRun] = useState<PlaybookRun | null>(null);
  const [lines, setLines] = useState<string[]>([]);
  const form = useContractForm('The playbook did not start');
  // The port goes with every picked VM; the contract names it on the first (vms.0.port).
  const { draft, edit, errors, field } = useFormDraft<PlaybookDraft>({ playbook: '', hosts: '', credential: '', user: '', port: '22', address: 'private' }, { forms: [form], fieldOf: (path) => (path === 'vms.0.port' ? 'port' : (path as keyof PlaybookDraft)) });
  // Lines can arrive before the run's id does (the call returns after the run started): kept by run id.
  const byRun = useRef(new Map<string, string[]>());
  const shownRun = useRef<string | null>(null);

  useEffect(() => {
    const offs = [
      client.on('playbook.output', ({ runId, line }) => {
        const kept = byRun.current.get(runId) ?? [];
        kept.push(line);
        if (kept.length > SHOWN_LINES) kept.shift();
        byRun.current.set(runId, kept);
        if (runId === shownRun.current) setLines([...kept]);
      }),
      client.on('playbook.done', (done) => {
        if (done.id === shownRun.current) setRun(done);
      }),
    ];
    return () => offs.forEach((off) => off());
  }, [client]);

  const port = Number(draft.port);
  const input: CommandInput<'playbook.run'> = {
    playbook: draft.playbook.trim(),
    hosts: draft.hosts.split(/[\s,]+/).filter(Boolean),
    vms: picked.map((vm) => ({ site: vm.site, vm: vm.moref, ...(Number.isInteger(port) && port > 0 ? { port } : {}) })),
    address: draft.address,
    credential: draft.credential,
    ...(draft.user.trim() ? { user: draft.user.trim() } : {}),
  };
  const running = run?.state === 'running';
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy || running) return;
    form.run('playbook.run', input, (started) => {
      shownRun.current = started.id;
      setRun(started);
      setLines([...(byRun.current.get(started.id) ?? [])]);
    });
  };

  return (
    <div className="playbooks">
      <h2 className="section-heading">Run a playbook</h2>
      <VmPicker sites={(sites.data ?? []).map((s) => s.name)} selection={selection} invalid={Boolean(form.errors.vms)} purpose="run the playbook on" />
      <FieldError id="playbook-vms-error" message={form.errors.vms} />
      <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="playbook-form-heading">
        <h2 id="playbook-form-heading">Playbook</h2>
        <TextField id="playbook-path" label="Playbook file (absolute path on the Outpost machine)" {...field('playbook')} placeholder="/srv/ansible/site.yml" mono />
        <div className="field">
          <label htmlFor="playbook-hosts">Other hosts (host or host:port, one per line)</label>
          <textarea id="playbook-hosts" className="mono" rows={3} value={draft.hosts} onChange={(e) => edit('hosts', e.target.value)} spellCheck={false} aria-invalid={errors.hosts ? true : undefined} />
          <FieldError id="playbook-hosts-error" message={errors.hosts} />
        </div>
        <TextField id="playbook-port" label="SSH port of the picked VMs" {...field('port')} mono />
        <div className="field">
          <label htmlFor="playbook-address">Reach the picked VMs by</label>
          <select id="playbook-address" value={draft.address} onChange={(e) => edit('address', e.target.value === 'public' ? 'public' : 'private')}>
            <option value="private">their guest IP</option>
            <option value="public">their public (NAT&apos;d) IP (enrolled VMs)</option>
          </select>
        </div>
        <CredentialField id="playbook-credential" label="Credential (a private key)" {...field('credential')} />
        <TextField id="playbook-user" label="User (blank: the credential's)" {...field('user')} mono />
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={form.busy || running}>
            {running ? 'Running…' : form.busy ? 'Starting…' : 'Run playbook'}
          </button>
          {running && run && (
            <button type="button" className="button" onClick={() => action.run('playbook.cancel', { runId: run.id }, { failure: 'The playbook was not cancelled', done: setRun })}>
              Cancel
            </button>
          )}
        </div>
      </form>
      {run && (
        <section aria-label="Playbook run" data-testid="playbook-run" data-state={run.state}>
          <p role="status">
            {run.state === 'running'
              ? `Running ${run.playbook} on ${run.hosts.length} host${run.hosts.length === 1 ? '' : 's'}…`
              : run.error
                ? `Run ${run.state}: ${run.error}`
                : `${run.hosts.filter((h) => h.status === 'ok' || h.status === 'changed').length}/${run.hosts.length} hosts ok.`}
          </p>
          <DataTable testId="playbook-results" columns={playbookColumns} rows={run.hosts} rowKey={(h) => h.name} rowProps={(h) => ({ 'data-host': h.target, 'data-status': h.status })} />
          <pre className="copyable-text mono" data-testid="playbook-output" tabIndex={0} aria-label="ansible-playbook output" aria-live="off">
            {lines.join('\n')}
          </pre>
        </section>
      )}
    </div>
  );
}
