import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { OutpostError, type CommandInput, type CommandOutput, type FanoutJob, type FanoutRow } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { NewCredentialForm } from '../credentials/NewCredentialForm';
import { terminalsStore } from '../terminals/terminals-store';
import { useHashSubPath } from '../../navigation/use-hash-sub-path';
import { fanoutOutputStore } from './fanout-output';
import { fanoutStore } from './fanout-store';
import { parseTargets } from './fanout-rows';
import { errorText } from './fanout-text';
import { HostOutputPane } from './HostOutputPane';
import { JumpHostsField, jumpHopsOf } from './JumpHostsField';
import { ResultsTable } from './ResultsTable';
import { InventoryVmTargets, RemovableChip, SshConfigImport } from './TargetPicker';
import { TemplatePicker, SaveTemplate } from './Templates';
import { UnknownKeys } from './UnknownKeys';
import './fanout.css';
import { SubmitButton } from '../../ui/SubmitButton';

type Credential = CommandOutput<'credentials.list'>[number];
const SUB_PATH = 'fanout';

/** What fanout.rerun {failed: true} runs again: a non-zero exit or an error (cancelled hosts are not failures). */
const rowFailedToRerun = (r: FanoutRow): boolean => r.state === 'done' && (r.exitCode !== 0 || r.error !== null);

/** The Terminals page header's toggle between terminals and "Run on many hosts" (#/terminals/fanout). */
export function FanoutToggle() {
  const open = useHashSubPath('terminals') === SUB_PATH;
  return (
    <button
      type="button"
      className={`button${open ? ' button-on' : ''}`}
      aria-pressed={open}
      data-testid="fanout-toggle"
      title="Run one command on many hosts and watch the results arrive"
      onClick={() => {
        window.location.hash = open ? hashForView('terminals') : hashForView('terminals', SUB_PATH);
      }}
    >
      Run on many hosts
    </button>
  );
}

/** Shown in place of the terminals while #/terminals/fanout is open (the terminals stay connected underneath). */
export function FanoutSection() {
  const open = useHashSubPath('terminals') === SUB_PATH;
  const openRequest = useStore(terminalsStore, (s) => s.openRequest);
  // Opening a terminal (New terminal, Split, or from Inventory) goes back to the terminals.
  useEffect(() => {
    if (openRequest && open) window.location.hash = hashForView('terminals');
  }, [openRequest, open]);
  if (!open) return null;
  return (
    <div className="fanout-open">
      <FanoutPanel />
    </div>
  );
}

/**
 * "Run on many hosts": one command over SSH on a pasted list, inventory VMs or ~/.ssh/config
 * hosts, with bounded concurrency. Rows fill in as hosts finish (`fanout.result`); a page opened
 * late reads the job with `fanout.get`.
 */
export function FanoutPanel() {
  const client = useClient();
  const shell = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const id = useId();
  const f = useStore(fanoutStore);
  const [credentials, setCredentials] = useState<Credential[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [picking, setPicking] = useState<'vms' | 'ssh-config' | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const [templatesSaved, setTemplatesSaved] = useState(0);
  const parsed = useMemo(() => parseTargets(f.hostsText), [f.hostsText]);
  const targetCount = parsed.hosts.length + f.vms.length + f.configHosts.length;

  const loadCredentials = (select?: string): void => {
    client.invoke('credentials.list', {}).then(
      (list) => {
        setCredentials(list);
        const s = fanoutStore.getState();
        if (select) s.set({ credential: select });
        else if (!s.credential || !list.some((c) => c.name === s.credential)) s.set({ credential: list.find((c) => c.kind !== 'vcenter')?.name ?? '' });
      },
      (err: unknown) => shell.getState().pushToast(errorToast('Credential profiles', err)),
    );
  };

  // On (re)connection: credential profiles, and the job on screen (or the latest one) as it is now.
  useEffect(() => {
    if (!connected) return;
    loadCredentials();
    const current = fanoutStore.getState().job;
    const read = current ? Promise.resolve(current.id) : client.invoke('fanout.list', {}).then((list) => list[0]?.id ?? null);
    read
      .then((jobId) => (jobId ? client.invoke('fanout.get', { jobId }) : null))
      .then(
        (job) => {
          if (!job) return;
          if (fanoutOutputStore.getState().jobId !== job.id) fanoutOutputStore.getState().reset(job.id);
          fanoutStore.getState().set({ job });
        },
        (err: unknown) => {
          if (err instanceof OutpostError && err.code === 'NOT_FOUND') fanoutStore.getState().set({ job: null });
          else shell.getState().pushToast(errorToast('Fan-out', err));
        },
      );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, connected]);

  useEffect(() => {
    const offResult = client.on('fanout.result', (e) => fanoutStore.getState().applyResult(e));
    const offOutput = client.on('fanout.output', (e) => fanoutOutputStore.getState().append(e));
    const offDone = client.on('fanout.done', (e) => {
      fanoutStore.getState().applyDone(e);
      if (fanoutStore.getState().job?.id === e.jobId) {
        client.invoke('fanout.get', { jobId: e.jobId }).then(
          (job) => fanoutStore.getState().job?.id === job.id && fanoutStore.getState().set({ job }),
          () => undefined,
        );
      }
    });
    return () => {
      offResult();
      offOutput();
      offDone();
    };
  }, [client]);

  /** The form as fanout.start / fanout.template.save take it, or the first thing wrong with it (checked before anything is sent). */
  const formInput = (): CommandInput<'fanout.start'> | { error: string } => {
    if (parsed.invalid.length > 0) return { error: `Line ${parsed.invalid[0]!.line}: "${parsed.invalid[0]!.text}" is not host, host:port or [IPv6]:port.` };
    if (parsed.hosts.length + f.vms.length + f.configHosts.length === 0) return { error: 'Give at least one host (paste a list, add VMs or import from ~/.ssh/config).' };
    if (!f.credential) return { error: 'Choose a credential profile (or save a new one).' };
    const jumps = jumpHopsOf({ text: f.jumpsText, credentials: f.jumpCredentials }, f.credential);
    if ('error' in jumps) return { error: jumps.error };
    const concurrency = Number(f.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) return { error: 'Concurrency is a whole number from 1 to 200.' };
    const timeout = Number(f.timeoutSeconds);
    if (!Number.isFinite(timeout) || timeout < 1 || timeout > 86_400) return { error: 'The timeout per host is 1 to 86400 seconds.' };
    const vmPort = Number(f.vmPort);
    if (f.vms.length > 0 && (!Number.isInteger(vmPort) || vmPort < 1 || vmPort > 65535)) return { error: 'The SSH port on the VMs is a number from 1 to 65535.' };
    if (!f.command.trim()) return { error: 'Give the command to run.' };
    return {
      hosts: parsed.hosts,
      vms: f.vms.map((v) => ({ site: v.site, vm: v.vm, port: vmPort })),
      ...(f.configHosts.length ? { sshConfigHosts: f.configHosts.map((c) => c.alias) } : {}),
      credential: f.credential,
      ...(jumps.hops.length ? { jumps: jumps.hops } : {}),
      ...(f.user.trim() ? { user: f.user.trim() } : {}),
      command: f.command,
      concurrency,
      timeoutMs: Math.round(timeout * 1000),
    };
  };

  const showJob = (job: FanoutJob): Promise<unknown> => {
    fanoutStore.getState().set({ job });
    // Results that raced the answer are in this snapshot.
    return client.invoke('fanout.get', { jobId: job.id }).then((now) => fanoutStore.getState().job?.id === now.id && fanoutStore.getState().set({ job: now }));
  };

  const run = (event: FormEvent): void => {
    event.preventDefault();
    setFormError(null);
    const input = formInput();
    if ('error' in input) return setFormError(input.error);
    setStarting(true);
    client
      .invoke('fanout.start', input)
      .then(
        (job) => {
          setStarting(false);
          fanoutOutputStore.getState().reset(job.id);
          return showJob(job);
        },
        (err: unknown) => {
          setStarting(false);
          setFormError(errorText(err));
        },
      )
      .catch(() => undefined);
  };

  const cancel = (): void => {
    if (!f.job) return;
    client.invoke('fanout.cancel', { jobId: f.job.id }).catch((err: unknown) => shell.getState().pushToast(errorToast('Cancel fan-out', err)));
  };

  /** Runs hosts of the finished job again (these hosts, or every failed one); their rows and output start over. */
  const rerun = (which: { hosts: string[] } | { failed: true }): void => {
    const current = f.job;
    if (!current) return;
    const again = 'failed' in which ? current.rows.filter(rowFailedToRerun) : current.rows.filter((r) => which.hosts.includes(r.host));
    // Cleared before asking: the new run's first output can arrive before the answer does.
    fanoutOutputStore.getState().clear(again.map((r) => r.index));
    client
      .invoke('fanout.rerun', { jobId: current.id, ...which })
      .then(showJob)
      .catch((err: unknown) => shell.getState().pushToast(errorToast('Re-run', err)));
  };

  const job = f.job;
  const t = job?.totals;
  const sshCredentials = (credentials ?? []).filter((c) => c.kind !== 'vcenter');

  return (
    <div className="fanout" data-testid="fanout-panel">
      <form className="panel fanout-form" onSubmit={run} noValidate aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`}>Run on many hosts</h2>
        <TemplatePicker refresh={templatesSaved} />
        <div className="field">
          <label htmlFor={`${id}-hosts`}>Hosts</label>
          <textarea
            id={`${id}-hosts`}
            className="mono"
            rows={5}
            spellCheck={false}
            placeholder={'10.0.0.11\n10.0.0.12:2222\nesx-03.lab.example'}
            value={f.hostsText}
            onChange={(e) => fanoutStore.getState().set({ hostsText: e.target.value })}
            aria-describedby={`${id}-hosts-hint`}
          />
          <p id={`${id}-hosts-hint`} className="field-hint">
            One host[:port] per line ([IPv6]:port with a port); # starts a comment.{' '}
            <span data-testid="fanout-target-count">
              {targetCount} {targetCount === 1 ? 'target' : 'targets'}
            </span>
            {parsed.invalid.length > 0 && <span className="field-error"> · {parsed.invalid.length} not understood (line {parsed.invalid[0]!.line})</span>}
          </p>
          <div className="fanout-target-sources">
            <button type="button" className="button button-small" aria-pressed={picking === 'vms'} onClick={() => setPicking(picking === 'vms' ? null : 'vms')}>
              Add VMs from inventory…
            </button>
            <button type="button" className="button button-small" aria-pressed={picking === 'ssh-config'} onClick={() => setPicking(picking === 'ssh-config' ? null : 'ssh-config')}>
              Import ~/.ssh/config hosts…
            </button>
          </div>
        </div>
        {picking === 'vms' && <InventoryVmTargets />}
        {picking === 'ssh-config' && <SshConfigImport onClose={() => setPicking(null)} />}
        {f.vms.length > 0 && (
          <div className="inline-field fanout-vm-port">
            <label htmlFor={`${id}-vmport`}>SSH port on the VMs</label>
            <input id={`${id}-vmport`} type="number" min={1} max={65535} value={f.vmPort} onChange={(e) => fanoutStore.getState().set({ vmPort: e.target.value })} />
            <span className="muted small">each VM is reached at its guest IP</span>
          </div>
        )}
        {f.vms.length > 0 && (
          <ul className="fanout-chips" aria-label="VMs to run on">
            {f.vms.map((v) => (
              <RemovableChip key={`${v.site}/${v.vm}`} name={v.name} onRemove={() => fanoutStore.getState().set({ vms: fanoutStore.getState().vms.filter((x) => x !== v) })}>
                {v.address ?? 'no guest IP'}
              </RemovableChip>
            ))}
          </ul>
        )}
        {f.configHosts.length > 0 && (
          <ul className="fanout-chips" aria-label="~/.ssh/config hosts to run on" data-testid="fanout-config-hosts">
            {f.configHosts.map((c) => (
              <RemovableChip key={c.alias} name={c.alias} onRemove={() => fanoutStore.getState().set({ configHosts: fanoutStore.getState().configHosts.filter((x) => x !== c) })}>
                {c.address}
                {c.proxyJump.length > 0 && ` via ${c.proxyJump.join(', ')}`}
              </RemovableChip>
            ))}
          </ul>
        )}
        <JumpHostsField
          value={{ text: f.jumpsText, credentials: f.jumpCredentials }}
          credentials={sshCredentials}
          onChange={(v) => fanoutStore.getState().set({ jumpsText: v.text, jumpCredentials: v.credentials })}
        />
        <div className="fanout-form-row">
          <div className="field">
            <label htmlFor={`${id}-cred`}>Credential profile</label>
            <select id={`${id}-cred`} value={f.credential} onChange={(e) => fanoutStore.getState().set({ credential: e.target.value })}>
              {sshCredentials.length === 0 && <option value="">No profile yet</option>}
              {sshCredentials.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} ({c.username ?? 'no user'}, {c.kind === 'password' ? 'password' : 'key'})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-user`}>User (optional)</label>
            <input id={`${id}-user`} value={f.user} onChange={(e) => fanoutStore.getState().set({ user: e.target.value })} placeholder="the profile's" spellCheck={false} autoComplete="off" />
          </div>
          <div className="field fanout-narrow">
            <label htmlFor={`${id}-conc`}>Concurrency</label>
            <input id={`${id}-conc`} type="number" min={1} max={200} value={f.concurrency} onChange={(e) => fanoutStore.getState().set({ concurrency: e.target.value })} />
          </div>
          <div className="field fanout-narrow">
            <label htmlFor={`${id}-timeout`} title="Per host, for the command (connecting has its own limit of up to 15 s)">
              Timeout (s)
            </label>
            <input id={`${id}-timeout`} type="number" min={1} max={86400} value={f.timeoutSeconds} onChange={(e) => fanoutStore.getState().set({ timeoutSeconds: e.target.value })} />
          </div>
        </div>
        {!creating ? (
          <p className="fanout-new-credential">
            <button type="button" className="button button-small" onClick={() => setCreating(true)}>
              New credential…
            </button>
          </p>
        ) : (
          <NewCredentialForm
            onCancel={() => setCreating(false)}
            onSaved={(name) => {
              setCreating(false);
              loadCredentials(name);
            }}
          />
        )}
        <div className="field">
          <label htmlFor={`${id}-cmd`}>Command</label>
          <textarea
            id={`${id}-cmd`}
            className="mono"
            rows={2}
            spellCheck={false}
            placeholder="uptime"
            value={f.command}
            onChange={(e) => fanoutStore.getState().set({ command: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <p className="field-hint">Run by each host&apos;s login shell, as over ssh. Ctrl+Enter runs it. Host keys must be known; unknown ones are listed for you to check.</p>
        </div>
        {formError && (
          <p className="field-error" role="alert" data-testid="fanout-form-error">
            {formError}
          </p>
        )}
        <div className="form-actions">
          <SubmitButton busy={starting} label="Run" busyLabel="Starting…" disabled={job?.state === 'running'} />
          <SaveTemplate input={formInput} onSaved={() => setTemplatesSaved((n) => n + 1)} />
        </div>
      </form>

      <section className="fanout-results" aria-labelledby={`${id}-results`}>
        <div className="panel-heading-row">
          <h2 id={`${id}-results`}>Results</h2>
          {job && (
            <div className="toolbar fanout-toolbar">
              <label className="checkbox-field">
                <input type="checkbox" checked={f.failedOnly} onChange={(e) => fanoutStore.getState().set({ failedOnly: e.target.checked })} />
                Failed only
              </label>
              {job.state !== 'running' && job.rows.some(rowFailedToRerun) && (
                <button type="button" className="button" onClick={() => rerun({ failed: true })} data-testid="fanout-rerun-failed" title="Run the command again on every host that failed (non-zero exit or an error)">
                  Re-run failed hosts ({job.rows.filter(rowFailedToRerun).length})
                </button>
              )}
              {job.state === 'running' && (
                <button type="button" className="button button-danger" onClick={cancel} data-testid="fanout-cancel">
                  Cancel
                </button>
              )}
            </div>
          )}
        </div>
        {!job ? (
          <p className="muted">No run yet. Results appear here host by host as they finish.</p>
        ) : (
          <>
            <p className="fanout-job-line small">
              <code className="mono">{job.command.length > 120 ? `${job.command.slice(0, 120)}…` : job.command}</code> as <strong>{job.credential}</strong> · concurrency {job.concurrency} ·{' '}
              {job.state === 'running' ? 'running' : job.state === 'cancelled' ? 'cancelled' : 'finished'}
            </p>
            {t && (
              <div className="fanout-summary" data-testid="fanout-summary" aria-live="polite">
                <span>
                  <strong>{t.total - t.pending - t.running}</strong>/{t.total} done
                </span>
                <span className="badge badge-succeeded">{t.ok} ok</span>
                <span className={`badge${t.failed ? ' badge-failed' : ''}`}>{t.failed} failed</span>
                {t.running > 0 && <span className="badge badge-running">{t.running} running</span>}
                {t.cancelled > 0 && <span className="badge badge-cancelled">{t.cancelled} cancelled</span>}
                <progress max={t.total} value={t.total - t.pending - t.running} aria-label="Hosts finished" />
              </div>
            )}
            <UnknownKeys onTrusted={(hosts) => rerun({ hosts })} />
            <ResultsTable />
            <HostOutputPane />
          </>
        )}
      </section>
    </div>
  );
}
