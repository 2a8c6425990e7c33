import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { HostBuildRow, PlanPreview, UpgradePlanDetail } from '../../../core/contract';
import { DataTable } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { FieldNotes, TextField, describedBy } from '../../ui/TextField';
import { SegmentedField, segments } from '../../ui/SegmentedField';
import { useContractForm } from '../../data/use-contract-form';
import { createInput, emptyDraft, previewInput, type PlanDraft } from './plan-draft';
import { SubmitButton } from '../../ui/SubmitButton';

function TextArea({ id, label, value, onChange, error, hint, placeholder }: { id: string; label: string; value: string; onChange(v: string): void; error?: string | undefined; hint?: ReactNode; placeholder?: string }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        className="mono"
        rows={3}
        value={value}
        placeholder={placeholder}
        spellCheck={false}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
      />
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}

function PreviewState({ preview, host }: { preview: PlanPreview; host: PlanPreview['hosts'][number] }) {
  const blocked = preview.blocked.find((b) => b.name === host.name);
  if (preview.upToDate.includes(host.name)) return <span className="badge badge-succeeded">at target</span>;
  if (blocked) {
    return (
      <span className="badge badge-failed" title={blocked.reason}>
        blocked: {blocked.reason}
      </span>
    );
  }
  return <>{host.connectionState}</>;
}

function PreviewTable({ preview }: { preview: PlanPreview }) {
  const position = (name: string): number => preview.order.indexOf(name);
  const rows = [...preview.hosts].sort((a, b) => (position(a.name) + 1 || 999) - (position(b.name) + 1 || 999));
  return (
    <section className="panel" aria-labelledby="upgrade-preview-heading" data-testid="upgrade-preview">
      <h2 id="upgrade-preview-heading">Preview: {preview.order.length} host(s) to upgrade, one at a time</h2>
      <p className="muted small">
        {Object.entries(preview.maxParallel)
          .map(([cluster, n]) => `Cluster ${cluster} can lose ${n} host(s) at once and keep its running VMs.`)
          .join(' ')}
      </p>
      <DataTable
        scroll
        className="data-table-compact"
        rows={rows}
        rowKey={(h) => h.moref}
        rowProps={(h) => ({ 'data-testid': `preview-row-${h.name}` })}
        columns={[
          { id: 'order', label: 'Order', cell: (h) => (position(h.name) >= 0 ? position(h.name) + 1 : '—') },
          { id: 'host', label: 'Host', className: 'mono', cell: (h) => h.name, sortValue: (h) => h.name },
          { id: 'build', label: 'Build now', className: 'mono', cell: (h) => h.build ?? '?', sortValue: (h) => h.build },
          { id: 'state', label: 'State', cell: (h) => <PreviewState preview={preview} host={h} /> },
          { id: 'vms', label: 'VMs', cell: (h) => h.vmCount, sortValue: (h) => h.vmCount },
          { id: 'memory', label: 'Running VM memory', cell: (h) => `${h.vmMemoryMB} MB`, sortValue: (h) => h.vmMemoryMB },
        ]}
      />
    </section>
  );
}

/** Choose the hosts, the target build and the per-host steps; preview before saving. */
export function PlanEditor({ sites, hosts, credentials, onCreated }: { sites: string[]; hosts: HostBuildRow[]; credentials: string[]; onCreated(plan: UpgradePlanDetail): void }) {
  const previewForm = useContractForm('Could not preview the upgrade');
  const createForm = useContractForm('The upgrade plan was not saved');
  const [draft, setDraft] = useState<PlanDraft>(() => ({ ...emptyDraft, site: sites[0] ?? '', sshCredential: credentials[0] ?? '' }));
  const [preview, setPreview] = useState<PlanPreview | null>(null);
  if (draft.site === '' && sites[0]) setDraft((d) => ({ ...d, site: sites[0]! }));
  if (draft.sshCredential === '' && credentials[0]) setDraft((d) => ({ ...d, sshCredential: credentials[0]! }));
  const errors = { ...previewForm.errors, ...createForm.errors };
  const clusters = [...new Set(hosts.filter((h) => h.site === draft.site && h.cluster).map((h) => h.cluster!))].sort();
  if (draft.cluster === '' && clusters[0]) setDraft((d) => ({ ...d, cluster: clusters[0]! }));

  const edit = <K extends keyof PlanDraft>(field: K, value: PlanDraft[K], path: string = field): void => {
    setDraft((d) => ({ ...d, [field]: value }));
    setPreview(null);
    previewForm.clearError(path);
    createForm.clearError(path);
  };
  // The Preview button sits at the end of a long form: bring the result into view (beside the
  // form it is sticky; below it, on a narrow window, this scrolls down to it).
  const previewRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (preview) previewRef.current?.scrollIntoView?.({ block: 'nearest' });
  }, [preview]);

  const runPreview = (): void => previewForm.run('upgrade.plan', previewInput(draft), setPreview);
  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (createForm.busy) return;
    if (!preview) return runPreview();
    createForm.run('upgrade.create', createInput(draft), onCreated);
  };

  return (
    <div className="editor-layout">
      <form className="panel upgrade-editor" onSubmit={onSubmit} noValidate aria-labelledby="plan-editor-heading">
        <h2 id="plan-editor-heading">New upgrade plan</h2>
        <div className="field">
          <label htmlFor="plan-site">Site</label>
          <select id="plan-site" value={draft.site} onChange={(e) => edit('site', e.target.value)}>
            {sites.length === 0 && <option value="">No sites yet</option>}
            {sites.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="plan-cluster">Cluster</label>
          <select id="plan-cluster" value={draft.cluster} onChange={(e) => edit('cluster', e.target.value)} aria-invalid={errors.cluster ? true : undefined} aria-describedby="plan-cluster-error">
            {clusters.length === 0 && <option value="">No clusters in this site's inventory</option>}
            {clusters.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
          <FieldError id="plan-cluster-error" message={errors.cluster} />
        </div>
        <TextField id="plan-target-build" label="Target build" value={draft.targetBuild} onChange={(v) => edit('targetBuild', v)} error={errors.targetBuild} placeholder="24022510" mono />
        <TextField id="plan-target-version" label="Target version (optional)" value={draft.targetVersion} onChange={(v) => edit('targetVersion', v)} error={errors.targetVersion} placeholder="8.0.3" mono />

        <fieldset className="field">
          <legend>SSH to the hosts (backup, configuration, probes)</legend>
          <div className="field">
            <label htmlFor="plan-ssh-credential">Credential</label>
            <select id="plan-ssh-credential" value={draft.sshCredential} onChange={(e) => edit('sshCredential', e.target.value, 'options.ssh.credential')} aria-invalid={errors['options.ssh.credential'] ? true : undefined} aria-describedby="plan-ssh-credential-error">
              {credentials.length === 0 && <option value="">No credentials saved (Settings → Remote access)</option>}
              {credentials.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
            <FieldError id="plan-ssh-credential-error" message={errors['options.ssh.credential']} />
          </div>
          <TextField id="plan-ssh-user" label="User (default: the credential's)" value={draft.sshUser} onChange={(v) => edit('sshUser', v, 'options.ssh.user')} error={errors['options.ssh.user']} mono />
          <TextField id="plan-ssh-port" label="Port" value={draft.sshPort} onChange={(v) => edit('sshPort', v, 'options.ssh.port')} error={errors['options.ssh.port']} mono />
          <TextArea id="plan-host-ssh" label="Host addresses" value={draft.hostSsh} onChange={(v) => edit('hostSsh', v, 'hostSettings')} error={errors.hostSettings} placeholder="esx01=10.0.0.11:22" hint="One host=address[:port] per line; without a line SSH goes to the host's vCenter name." />
        </fieldset>

        <fieldset className="field">
          <legend>Backup before maintenance mode</legend>
          <TextField id="plan-backup-command" label="Backup command (optional)" value={draft.backupCommand} onChange={(v) => edit('backupCommand', v, 'options.backup.command')} error={errors['options.backup.command']} placeholder="/opt/backup/dump-datastore.sh" mono />
          <TextField id="plan-backup-artefact" label="Backup artefact path" value={draft.backupArtefact} onChange={(v) => edit('backupArtefact', v, 'options.backup.artefactPath')} error={errors['options.backup.artefactPath']} hint="Its SHA-256 and size are recorded; a copy off the host must match them before the host is reinstalled." mono />
          <TextField id="plan-backup-to-host" label="Copy backups to SSH server (optional)" value={draft.backupToHost} onChange={(v) => edit('backupToHost', v, 'options.backup.copyTo.host')} error={errors['options.backup.copyTo.host']} placeholder="backup01.example" hint="Empty: this workstation's data folder (upgrade-backups)." mono />
          {draft.backupToHost.trim() && (
            <>
              <TextField id="plan-backup-to-port" label="Backup server port" value={draft.backupToPort} onChange={(v) => edit('backupToPort', v, 'options.backup.copyTo.port')} error={errors['options.backup.copyTo.port']} mono />
              <TextField id="plan-backup-to-path" label="Backup server folder" value={draft.backupToPath} onChange={(v) => edit('backupToPath', v, 'options.backup.copyTo.path')} error={errors['options.backup.copyTo.path']} placeholder="/srv/outpost-backups" mono />
              <div className="field">
                <label htmlFor="plan-backup-to-credential">Backup server credential</label>
                <select id="plan-backup-to-credential" value={draft.backupToCredential} onChange={(e) => edit('backupToCredential', e.target.value, 'options.backup.copyTo.credential')} aria-invalid={errors['options.backup.copyTo.credential'] ? true : undefined} aria-describedby="plan-backup-to-credential-error">
                  <option value="">Choose a credential</option>
                  {credentials.map((c) => (
                    <option key={c}>{c}</option>
                  ))}
                </select>
                <FieldError id="plan-backup-to-credential-error" message={errors['options.backup.copyTo.credential']} />
              </div>
            </>
          )}
        </fieldset>

        <SegmentedField legend="Reinstall" name="plan-reinstall" value={draft.reinstall} options={segments(['manual', 'Manual (boot the ISO, approve)'], ['pxe', 'PXE artefacts'])} onChange={(v) => edit('reinstall', v)}>
          {draft.reinstall === 'pxe' && (
            <>
              <TextField id="plan-iso-dir" label="Extracted ISO folder" value={draft.isoDir} onChange={(v) => edit('isoDir', v, 'options.reinstall.isoDir')} error={errors['options.reinstall.isoDir']} mono />
              <TextField id="plan-out-dir" label="Output folder for the boot server" value={draft.outDir} onChange={(v) => edit('outDir', v, 'options.reinstall.outDir')} error={errors['options.reinstall.outDir']} mono />
              <TextField id="plan-http-base" label="HTTP base URL" value={draft.httpBase} onChange={(v) => edit('httpBase', v, 'options.reinstall.httpBase')} error={errors['options.reinstall.httpBase']} placeholder="http://10.0.0.2/outpost" mono />
              <TextField id="plan-tftp" label="TFTP server" value={draft.tftpServer} onChange={(v) => edit('tftpServer', v, 'options.reinstall.tftpServer')} error={errors['options.reinstall.tftpServer']} mono />
              <TextArea id="plan-host-macs" label="Boot NIC MACs" value={draft.hostMacs} onChange={(v) => edit('hostMacs', v, 'hostSettings')} placeholder="esx01=00:50:56:ab:cd:ef" hint="One host=MAC per line." />
            </>
          )}
          <TextField id="plan-reconnect-poll" label="Seconds between reconnect checks" value={draft.reconnectPollSeconds} onChange={(v) => edit('reconnectPollSeconds', v, 'options.reconnectPollSeconds')} error={errors['options.reconnectPollSeconds']} hint="How often vCenter is asked whether the host is back at the target build." mono />
        </SegmentedField>

        <fieldset className="field">
          <legend>Configuration after the reinstall</legend>
          <TextField id="plan-playbook" label="Ansible playbook (optional)" value={draft.playbook} onChange={(v) => edit('playbook', v, 'options.configure.playbook')} error={errors['options.configure.playbook']} hint="Run with the inventory as it was before the upgrade, when ansible-playbook is installed." mono />
          <TextArea id="plan-config-commands" label="Built-in commands over SSH" value={draft.configCommands} onChange={(v) => edit('configCommands', v, 'options.configure.commands')} error={errors['options.configure.commands']} hint="One per line; used when Ansible is not." />
        </fieldset>

        <fieldset className="field">
          <legend>Soak</legend>
          <TextField id="plan-soak" label="Soak minutes" value={draft.soakMinutes} onChange={(v) => edit('soakMinutes', v, 'options.soakMinutes')} error={errors['options.soakMinutes']} mono />
          <TextField id="plan-probe-interval" label="Seconds between probes" value={draft.probeIntervalSeconds} onChange={(v) => edit('probeIntervalSeconds', v, 'options.probeIntervalSeconds')} error={errors['options.probeIntervalSeconds']} mono />
          <TextField id="plan-log-path" label="Log to scan (optional)" value={draft.logPath} onChange={(v) => edit('logPath', v, 'options.logScan.path')} error={errors['options.logScan.path']} placeholder="/var/log/vmkernel.log" mono />
          <TextArea id="plan-error-patterns" label="Error patterns" value={draft.errorPatterns} onChange={(v) => edit('errorPatterns', v, 'options.logScan.errorPatterns')} error={errors['options.logScan.errorPatterns']} placeholder="PANIC" hint="Extended regular expressions, one per line. Any new matching line turns the probe red." />
        </fieldset>

        <div className="form-actions">
          <button type="button" className="button" onClick={runPreview} disabled={previewForm.busy || !draft.site}>
            {previewForm.busy ? 'Previewing…' : 'Preview'}
          </button>
          <SubmitButton busy={createForm.busy} label="Save plan" busyLabel="Saving…" disabled={!preview || preview.order.length === 0} />
        </div>
        {!preview && <p className="field-hint">Preview the plan before saving it.</p>}
      </form>
      <div ref={previewRef} className="editor-preview">
        {preview ? <PreviewTable preview={preview} /> : <p className="muted">The preview shows the order the hosts go in, hosts already at the target build, and hosts that cannot go now and why.</p>}
      </div>
    </div>
  );
}
