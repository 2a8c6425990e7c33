import { useEffect, useId, useMemo, useState, type FormEvent } from 'react';
import { useStore } from 'zustand';
import { useCredentials } from '../../data/use-credentials';
import { SubmitButton } from '../../ui/SubmitButton';
import { NewCredentialForm } from '../credentials/NewCredentialForm';
import { fanoutFormInput } from './fanout-form-input';
import { parseTargets } from './fanout-rows';
import { fanoutStore } from './fanout-store';
import { FanoutResults } from './FanoutResults';
import { FanoutTargets } from './FanoutTargets';
import { JumpHostsField } from './JumpHostsField';
import { TemplatePicker, SaveTemplate } from './Templates';
import { useFanoutJob } from './use-fanout-job';
import './fanout.css';

/**
 * "Run on many hosts": one command over SSH on a pasted list, inventory VMs or ~/.ssh/config
 * hosts, with bounded concurrency. Rows fill in as hosts finish (`fanout.result`); a page opened
 * late reads the job with `fanout.get` (see useFanoutJob).
 */
export function FanoutPanel() {
  const id = useId();
  const f = useStore(fanoutStore);
  const credentials = useCredentials('Credential profiles');
  const job = useFanoutJob();
  const [creating, setCreating] = useState(false);
  const [formError, setFormError] = useState<string | null>(null);
  const [templatesSaved, setTemplatesSaved] = useState(0);
  const parsed = useMemo(() => parseTargets(f.hostsText), [f.hostsText]);
  const sshCredentials = (credentials.data ?? []).filter((c) => c.kind !== 'vcenter');

  // A profile the list no longer holds (or none yet) gives way to the first SSH one.
  useEffect(() => {
    const list = credentials.data;
    if (!list) return;
    const s = fanoutStore.getState();
    if (!s.credential || !list.some((c) => c.name === s.credential)) s.set({ credential: list.find((c) => c.kind !== 'vcenter')?.name ?? '' });
  }, [credentials.data]);

  const formInput = () => fanoutFormInput(fanoutStore.getState(), parsed);
  const run = (event: FormEvent): void => {
    event.preventDefault();
    setFormError(null);
    const input = formInput();
    if ('error' in input) return setFormError(input.error);
    job.start(input);
  };
  const shownError = formError ?? job.startError;

  return (
    <div className="fanout" data-testid="fanout-panel">
      <form className="panel fanout-form" onSubmit={run} noValidate aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`}>Run on many hosts</h2>
        <TemplatePicker refresh={templatesSaved} />
        <FanoutTargets id={id} parsed={parsed} />
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
              fanoutStore.getState().set({ credential: name });
              credentials.reload();
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
        {shownError && (
          <p className="field-error" role="alert" data-testid="fanout-form-error">
            {shownError}
          </p>
        )}
        <div className="form-actions">
          <SubmitButton busy={job.starting} label="Run" busyLabel="Starting…" disabled={f.job?.state === 'running'} />
          <SaveTemplate input={formInput} onSaved={() => setTemplatesSaved((n) => n + 1)} />
        </div>
      </form>

      <FanoutResults cancel={job.cancel} rerun={job.rerun} />
    </div>
  );
}
