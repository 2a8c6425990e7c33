import { useEffect, useState, type FormEvent } from 'react';
import type { CommandInput, CommandOutput } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { ConfirmDialog } from '../../ui/ConfirmDialog';
import { DataTable } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { formatTime } from '../../ui/format-time';
import { TextField } from '../../ui/TextField';
import { SegmentedField, segments } from '../../ui/SegmentedField';
import { useContractForm } from '../../data/use-contract-form';
import { errorsByField, pathMessage, useFormDraft } from '../../data/use-form-draft';
import { useDebouncedValue } from '../../data/use-debounced-value';
import { validationFieldErrors } from '../../data/validation-fields';
import { CopyableBlock } from './CopyableBlock';
import {
  draftFieldOf,
  emptyTranslationDraft,
  readyForPreview,
  translationSpec,
  type TranslationBackend,
  type TranslationDraft,
  type TranslationFormat,
  type TranslationProtocol,
} from './translation-draft';

const formats: { id: TranslationFormat; label: string; what: string }[] = [
  { id: 'iptables', label: 'iptables', what: 'iptables command (Linux)' },
  { id: 'nft', label: 'nftables', what: 'nft commands (Linux)' },
  { id: 'windows', label: 'Windows', what: 'Windows instructions' },
  { id: 'macos', label: 'macOS', what: 'macOS pf instructions' },
];

const backendWhere: Record<TranslationBackend, string> = {
  iptables: 'the nat table’s OUTPUT chain (iptables)',
  nft: 'Outpost’s own nft table outpost_translate',
};

/** Milliseconds of quiet typing before the preview is asked for again. */
export const PREVIEW_DELAY_MS = 250;

type Preview = { request: string; tag: string; rules: string } | { request: string; code: string; message: string; fields: Record<string, string> };
type Applied = { backend: TranslationBackend; rows: CommandOutput<'helpers.translate.applied'>; at: string };

/** Live rules for the selected format; the newest request wins, older answers are dropped. */
function useTranslationPreview(request: string): { preview: Preview | null; pending: boolean } {
  const client = useClient();
  const settled = useDebouncedValue(request, PREVIEW_DELAY_MS);
  const [preview, setPreview] = useState<Preview | null>(null);
  useEffect(() => {
    if (!settled) return undefined;
    let alive = true;
    client.invoke('helpers.translate.preview', JSON.parse(settled) as CommandInput<'helpers.translate.preview'>).then(
      (value) => alive && setPreview({ request: settled, ...value }),
      (err: unknown) => {
        if (!alive) return;
        const toast = errorToast('', err);
        setPreview({ request: settled, code: toast.code ?? 'INTERNAL', message: toast.message ?? '', fields: validationFieldErrors(err) });
      },
    );
    return () => {
      alive = false;
    };
  }, [client, settled]);
  const current = request && preview?.request === request ? preview : null;
  return { preview: request ? (current ?? preview) : null, pending: request !== '' && !current };
}

export function TranslationPanel() {
  const client = useClient();
  const store = useShellStore();
  const form = useContractForm('Translation rules were not changed');
  const { draft, edit, errors: formErrors, field } = useFormDraft<TranslationDraft>(emptyTranslationDraft, { forms: [form], fieldOf: draftFieldOf, message: pathMessage });
  const [format, setFormat] = useState<TranslationFormat>('iptables');
  const [backend, setBackend] = useState<TranslationBackend>('iptables');
  const [asking, setAsking] = useState<'apply' | 'remove' | null>(null);
  const [applied, setApplied] = useState<Applied | null>(null);
  const [reading, setReading] = useState(false);

  const spec = translationSpec(draft);
  const ready = readyForPreview(draft);
  const { preview, pending } = useTranslationPreview(ready ? JSON.stringify({ ...spec, format }) : '');
  const previewFailed = preview && 'code' in preview ? preview : null;
  const rules = preview && 'rules' in preview ? preview : null;
  // An apply/remove failure names fields first; a failing preview marks them while typing.
  const errors = { ...errorsByField([previewFailed?.fields ?? {}], draftFieldOf, pathMessage), ...formErrors };
  const bind = <K extends keyof TranslationDraft>(key: K) => ({ ...field(key), error: errors[key] });

  const readApplied = (which: TranslationBackend): void => {
    setReading(true);
    client.invoke('helpers.translate.applied', { backend: which }).then(
      (rows) => {
        setReading(false);
        setApplied({ backend: which, rows, at: new Date().toISOString() });
      },
      (err: unknown) => {
        setReading(false);
        store.getState().pushToast(errorToast(`Could not read the applied ${which} rules`, err));
      },
    );
  };

  const change = (action: 'apply' | 'remove'): void => {
    const input = { ...spec, backend };
    form.run(action === 'apply' ? 'helpers.translate.apply' : 'helpers.translate.remove', input, ({ tag, changed }) => {
      const title = action === 'apply' ? (changed ? 'Translation applied' : 'Already applied') : changed ? 'Translation removed' : 'Nothing to remove';
      const message = changed ? `${tag} (${backend}). Recorded in the audit log.` : `${backend} already ${action === 'apply' ? 'had' : 'had no'} a rule tagged ${tag}.`;
      store.getState().pushToast({ tone: 'info', title, message });
      readApplied(backend);
    });
  };

  const onPreviewSubmit = (event: FormEvent): void => event.preventDefault();
  const target = draft.target === 'address' ? draft.to.trim() || 'the forwarding IP' : draft.toPrefix.trim() || 'the mapped prefix';
  const subnet = draft.subnet.trim() || 'the private prefix';

  return (
    <div className="split-layout">
      <div className="split-main">
        <section aria-labelledby="translation-preview-heading">
          <h2 id="translation-preview-heading" className="section-heading">
            Preview
          </h2>
          <div className="toolbar">
            <div className="segmented segmented-small" role="radiogroup" aria-label="Rules for">
              {formats.map((f) => (
                <label key={f.id} className="segment">
                  <input type="radio" name="translation-format" value={f.id} checked={format === f.id} onChange={() => setFormat(f.id)} />
                  <span>{f.label}</span>
                </label>
              ))}
            </div>
            <span className="muted small" role="status">
              {ready ? (pending ? 'Updating…' : rules ? `Tag ${rules.tag}` : '') : ''}
            </span>
          </div>
          {!ready && <p className="muted">Type the private prefix and a forwarding IP (or a mapped prefix): the rules appear here as you type, for every platform.</p>}
          {ready && rules && (
            <CopyableBlock text={rules.rules} label={`Translation rules: ${formats.find((f) => f.id === format)?.what ?? format}`} copyLabel="Copy the rules" testId="translation-rules" />
          )}
          {ready && previewFailed && (
            <p className="inline-error" role="alert" data-testid="translation-preview-error">
              <code className="toast-code">{previewFailed.code}</code> {previewFailed.message}
            </p>
          )}
        </section>

        <section className="panel helper-apply" aria-labelledby="translation-apply-heading">
          <h2 id="translation-apply-heading">On this workstation</h2>
          <p className="warning-note" id="translation-apply-warning">
            Apply and Remove change <strong>this workstation’s firewall</strong> (Linux only), not a remote one. If Outpost does not run as root, the system asks for an
            administrator password (pkexec). Rules are tagged, so Outpost finds and removes only its own.
          </p>
          <div className="toolbar">
            <div className="segmented segmented-small" role="radiogroup" aria-label="Firewall on this workstation">
              {(['iptables', 'nft'] as const).map((b) => (
                <label key={b} className="segment">
                  <input type="radio" name="translation-backend" value={b} checked={backend === b} onChange={() => setBackend(b)} />
                  <span>{b === 'nft' ? 'nftables' : b}</span>
                </label>
              ))}
            </div>
            <button type="button" className="button" disabled={form.busy || !ready} onClick={() => setAsking('apply')} aria-describedby="translation-apply-warning">
              Apply…
            </button>
            <button type="button" className="button" disabled={form.busy || !ready} onClick={() => setAsking('remove')} aria-describedby="translation-apply-warning">
              Remove…
            </button>
            <button type="button" className="button" disabled={reading} onClick={() => readApplied(backend)}>
              {reading ? 'Reading…' : 'Show applied now'}
            </button>
          </div>
          {applied && (
            <div aria-labelledby="translation-applied-heading">
              <h3 id="translation-applied-heading" className="section-heading">
                Applied now ({applied.backend === 'nft' ? 'nftables' : 'iptables'}, read {formatTime(applied.at)})
              </h3>
              {applied.rows.length === 0 ? (
                <p className="muted small">No Outpost translation rules in {backendWhere[applied.backend]}.</p>
              ) : (
                <DataTable
                  scroll
                  className="data-table-compact"
                  caption="Translation rules applied on this workstation"
                  rows={applied.rows}
                  rowKey={(r) => `${r.tag}|${r.rule}`}
                  columns={[
                    { id: 'tag', label: 'Tag', className: 'mono', cell: (r) => r.tag, sortValue: (r) => r.tag },
                    { id: 'rule', label: 'Rule', className: 'mono', cell: (r) => r.rule },
                  ]}
                />
              )}
            </div>
          )}
        </section>
      </div>

      <form className="panel side-form" onSubmit={onPreviewSubmit} noValidate aria-labelledby="translation-form-heading">
        <h2 id="translation-form-heading">Translation</h2>
        <TextField
          id="translation-subnet"
          label="Private prefix"
          {...bind('subnet')}
          placeholder="192.168.100.0/24"
          hint="What the services advertise (their management addresses)."
          mono
        />
        <SegmentedField legend="Reach it through" name="translation-target" options={segments(['address', 'One IP'], ['prefix', 'Mapped prefix'])} {...bind('target')} />
        {draft.target === 'address' ? (
          <TextField id="translation-to" label="Forwarding IP" {...bind('to')} placeholder="203.0.113.10" hint="Every private address is sent here (DNAT)." mono />
        ) : (
          <TextField
            id="translation-to-prefix"
            label="Public prefix"
            {...bind('toPrefix')}
            placeholder="203.0.113.0/24"
            hint="Same length as the private prefix, mapped address for address (NETMAP)."
            mono
          />
        )}
        <TextField id="translation-ports" label="Ports (optional)" {...bind('ports')} placeholder="22, 443" hint="Up to 15; empty means every port." mono />
        <div className="field">
          <label htmlFor="translation-protocol">Protocol</label>
          <select
            id="translation-protocol"
            value={draft.protocol}
            onChange={(e) => edit('protocol', e.target.value as TranslationProtocol)}
            aria-invalid={errors.protocol ? true : undefined}
            aria-describedby="translation-protocol-error"
          >
            <option value="tcp">TCP</option>
            <option value="udp">UDP</option>
            <option value="all">All (no ports)</option>
          </select>
          <FieldError id="translation-protocol-error" message={errors.protocol} />
        </div>
      </form>

      {asking && (
        <ConfirmDialog
          title={asking === 'apply' ? 'Change this workstation’s firewall?' : 'Remove the rules from this workstation?'}
          body={
            <>
              <p>
                {asking === 'apply' ? 'Adds' : 'Removes'} Outpost’s rule{rules ? <> tagged <span className="mono">{rules.tag}</span></> : ''} {asking === 'apply' ? 'to' : 'from'}{' '}
                {backendWhere[backend]} on <strong>this machine</strong>
                {asking === 'apply' ? (
                  <>
                    : its traffic to <span className="mono">{subnet}</span> then goes to <span className="mono">{target}</span>.
                  </>
                ) : (
                  <>: traffic to <span className="mono">{subnet}</span> goes to the private addresses again.</>
                )}
              </p>
              <p>If Outpost is not running as root, the system asks for an administrator password (pkexec).</p>
            </>
          }
          confirmLabel={asking === 'apply' ? 'Apply rules' : 'Remove rules'}
          onAnswer={(yes) => {
            const action = asking;
            setAsking(null);
            if (yes) change(action);
          }}
        />
      )}
    </div>
  );
}
