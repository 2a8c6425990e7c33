import { useState, type FormEvent } from 'react';
import type { CommandInput, CommandOutput } from '../../../core/contract';
import { FieldError } from '../../ui/FieldError';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { CopyableBlock } from './CopyableBlock';
import { SubmitButton } from '../../ui/SubmitButton';

interface HostsDraft {
  text: string;
  map: boolean;
  mapSubnet: string;
  toPrefix: string;
}

/** The mapping goes only when asked for, both halves as typed (the contract wants them together). */
export function hostsInput(d: HostsDraft): CommandInput<'helpers.hosts.render'> {
  return { text: d.text, ...(d.map ? { mapSubnet: d.mapSubnet.trim(), toPrefix: d.toPrefix.trim() } : {}) };
}

/** /etc/hosts entries for named services from a pasted list, optionally mapped to a public prefix. */
export function HostsPanel() {
  const form = useContractForm('Hosts entries were not rendered');
  const { draft, edit, errors, field } = useFormDraft<HostsDraft>({ text: '', map: false, mapSubnet: '', toPrefix: '' }, { forms: [form] });
  const [rendered, setRendered] = useState<CommandOutput<'helpers.hosts.render'> | null>(null);

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy) return;
    // A block from older input must not sit there to be copied after this render fails.
    setRendered(null);
    form.run('helpers.hosts.render', hostsInput(draft), setRendered);
  };

  return (
    <div className="split-layout">
      <div className="split-main">
        <h2 className="section-heading">Entries for /etc/hosts</h2>
        {rendered ? (
          <>
            <p className="muted small" role="status">
              {rendered.entries.length} entr{rendered.entries.length === 1 ? 'y' : 'ies'}. Paste the block into <span className="mono">/etc/hosts</span> (Windows:{' '}
              <span className="mono">C:\Windows\System32\drivers\etc\hosts</span>); replace an older Outpost block between the same markers.
            </p>
            <CopyableBlock text={rendered.block} label="Hosts block" copyLabel="Copy the hosts block" testId="hosts-block" />
          </>
        ) : (
          <p className="muted">
            Paste one service per line (an address and its names, in either order, e.g. <span className="mono">192.168.100.12 keystone controller</span>) and render: the
            block appears here, between markers so it can be replaced later.
          </p>
        )}
      </div>
      <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="hosts-form-heading">
        <h2 id="hosts-form-heading">Hosts entries</h2>
        <div className="field">
          <label htmlFor="hosts-text">Services</label>
          <textarea
            id="hosts-text"
            className="mono"
            rows={8}
            value={draft.text}
            onChange={(e) => edit('text', e.target.value)}
            placeholder={'192.168.100.12 keystone\n192.168.100.13 glance'}
            spellCheck={false}
            aria-invalid={errors.text ? true : undefined}
            aria-describedby="hosts-text-hint hosts-text-error"
          />
          <p id="hosts-text-hint" className="field-hint">
            # starts a comment. A line Outpost cannot read is named in the error.
          </p>
          <FieldError id="hosts-text-error" message={errors.text} />
        </div>
        <div className="field field-inline">
          <input id="hosts-map" type="checkbox" checked={draft.map} onChange={(e) => edit('map', e.target.checked)} aria-describedby="hosts-map-hint" />
          <label htmlFor="hosts-map">Map to a public prefix</label>
          <p id="hosts-map-hint" className="field-hint">
            For a mapped prefix (NETMAP): addresses inside the private prefix are rewritten to the same offset.
          </p>
        </div>
        {draft.map && (
          <>
            <TextField id="hosts-map-subnet" label="Private prefix" {...field('mapSubnet')} placeholder="192.168.100.0/24" mono />
            <TextField id="hosts-to-prefix" label="Public prefix" {...field('toPrefix')} placeholder="203.0.113.0/24" mono />
          </>
        )}
        <div className="form-actions">
          <SubmitButton busy={form.busy} label="Render entries" busyLabel="Rendering…" />
        </div>
      </form>
    </div>
  );
}
