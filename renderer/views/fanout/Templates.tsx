import { useEffect, useId, useState } from 'react';
import type { CommandInput, FanoutTemplate } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { fanoutStore } from './fanout-store';
import { errorText, hostPortLabel } from './fanout-text';

/** Jump hops as the Jump host(s) field types them, with each hop's profile. */
function jumpsOf(t: FanoutTemplate): { text: string; credentials: (string | null)[] } {
  return {
    text: t.jumps.map((j) => `${j.user ? `${j.user}@` : ''}${hostPortLabel(j.host, j.port)}`).join(', '),
    credentials: t.jumps.map((j) => (j.credential === t.credential ? '' : j.credential)),
  };
}

/** Fills the form from a saved template (its VMs by managed object id; names are looked up when the form shows them). */
export function applyTemplate(t: FanoutTemplate): void {
  const jumps = jumpsOf(t);
  fanoutStore.getState().set({
    command: t.command,
    hostsText: t.hosts.join('\n'),
    vms: t.vms.map((v) => ({ site: v.site, vm: v.vm, name: v.vm, address: null })),
    vmPort: String(t.vms[0]?.port ?? 22),
    configHosts: t.sshConfigHosts.map((alias) => ({ alias, address: 'from ~/.ssh/config', proxyJump: [] })),
    jumpsText: jumps.text,
    jumpCredentials: jumps.credentials,
    credential: t.credential,
    user: t.user ?? '',
    concurrency: String(t.concurrency),
    timeoutSeconds: String(Math.round(t.timeoutMs / 1000)),
  });
}

/** "Start from a template": the saved runs, one pick fills the form (command, hosts, jumps, credential). */
export function TemplatePicker({ refresh }: { refresh: number }) {
  const client = useClient();
  const id = useId();
  const [templates, setTemplates] = useState<FanoutTemplate[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    client.invoke('fanout.template.list', {}).then(setTemplates, (err: unknown) => setError(errorText(err)));
  }, [client, refresh]);
  if (error) return <p className="field-error small">Templates: {error}</p>;
  if (templates.length === 0) return null;
  return (
    <div className="inline-field fanout-templates">
      <label htmlFor={`${id}-tpl`}>Start from a template</label>
      <select
        id={`${id}-tpl`}
        value=""
        onChange={(e) => {
          const t = templates.find((x) => x.name === e.target.value);
          if (t) applyTemplate(t);
        }}
      >
        <option value="">Choose…</option>
        {templates.map((t) => (
          <option key={t.name} value={t.name}>
            {t.name}
          </option>
        ))}
      </select>
    </div>
  );
}

/** "Save as template": the form as it is, under a name (a template of that name is replaced). */
export function SaveTemplate({ input, onSaved }: { input: () => Omit<CommandInput<'fanout.template.save'>, 'name'> | { error: string }; onSaved(name: string): void }) {
  const client = useClient();
  const id = useId();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [message, setMessage] = useState<{ error: boolean; text: string } | null>(null);
  const save = (): void => {
    const body = input();
    if ('error' in body) return setMessage({ error: true, text: body.error });
    if (!name.trim()) return setMessage({ error: true, text: 'Give the template a name.' });
    client.invoke('fanout.template.save', { ...body, name: name.trim() }).then(
      (t) => {
        setMessage({ error: false, text: `Saved as "${t.name}".` });
        setOpen(false);
        onSaved(t.name);
      },
      (err: unknown) => setMessage({ error: true, text: errorText(err) }),
    );
  };
  return (
    <div className="fanout-templates" data-testid="fanout-save-template">
      {!open ? (
        <button type="button" className="button" onClick={() => setOpen(true)}>
          Save as template…
        </button>
      ) : (
        <>
          <label htmlFor={`${id}-name`}>Template name</label>
          <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} maxLength={100} autoComplete="off" />
          <button type="button" className="button button-primary" onClick={save}>
            Save template
          </button>
          <button type="button" className="button" onClick={() => setOpen(false)}>
            Cancel
          </button>
        </>
      )}
      {message && (
        <span className={message.error ? 'field-error' : 'muted small'} role={message.error ? 'alert' : 'status'} data-testid="fanout-template-message">
          {message.text}
        </span>
      )}
    </div>
  );
}
