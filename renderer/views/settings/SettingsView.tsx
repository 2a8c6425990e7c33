import { useState, type FormEvent } from 'react';
import type { Settings, Theme } from '../../../core/contract';
import { saveSettings } from '../../app/settings-actions';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { ViewHeader } from '../../ui/ViewHeader';
import { SegmentedField } from '../../ui/SegmentedField';
import { AppInfoPanel } from './AppInfoPanel';
import { FieldError } from '../../ui/FieldError';
import { TeamPanel } from './TeamPanel';
import { VaultPanel } from './VaultPanel';
import { VmAddressPanel } from './VmAddressPanel';
import { CredentialsPanel, KnownHostsPanel } from '../credentials/CredentialsPanel';
import { draftFrom, invalidFields, patchFrom, type SettingsDraft, type SettingsField } from './settings-form';

const themeChoices: { value: Theme; label: string; hint: string }[] = [
  { value: 'system', label: 'System', hint: 'Follow the OS light/dark setting' },
  { value: 'light', label: 'Light', hint: 'Always light' },
  { value: 'dark', label: 'Dark', hint: 'Always dark' },
];

function SettingsForm({ saved }: { saved: Settings }) {
  const client = useClient();
  const store = useShellStore();
  const [draft, setDraft] = useState<SettingsDraft>(() => draftFrom(saved));
  const [errors, setErrors] = useState<Partial<Record<SettingsField, string>>>({});
  const [saving, setSaving] = useState(false);
  const patch = patchFrom(draft, saved);
  const dirty = Object.keys(patch).length > 0;

  // Settings saved elsewhere (another window, the CLI) replace an untouched form.
  const [lastSaved, setLastSaved] = useState(saved);
  if (saved !== lastSaved) {
    setLastSaved(saved);
    if (!dirty) setDraft(draftFrom(saved));
  }

  const edit = <K extends SettingsField>(field: K, value: SettingsDraft[K]): void => {
    setDraft((d) => ({ ...d, [field]: value }));
    setErrors((e) => ({ ...e, [field]: undefined }));
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (!dirty || saving) return;
    setSaving(true);
    saveSettings(client, store, patch).then(
      (settings) => {
        setSaving(false);
        setErrors({});
        setDraft(draftFrom(settings));
        store.getState().pushToast({ tone: 'info', title: 'Settings saved', message: 'Stored in this console’s database and recorded in the audit log.' });
      },
      (err: unknown) => {
        setSaving(false);
        setErrors(invalidFields(err));
      },
    );
  };

  return (
    <form className="panel settings-form" onSubmit={onSubmit} noValidate aria-labelledby="settings-form-heading">
      <h2 id="settings-form-heading">Console</h2>

      <SegmentedField legend="Theme" name="theme" value={draft.theme} options={themeChoices} onChange={(v) => edit('theme', v)} error={errors.theme} />

      <div className="field">
        <label htmlFor="operator-name">Operator name</label>
        <input
          id="operator-name"
          type="text"
          value={draft.operatorName}
          onChange={(event) => edit('operatorName', event.target.value)}
          aria-invalid={errors.operatorName ? true : undefined}
          aria-describedby="operator-name-hint operator-name-error"
          autoComplete="name"
        />
        <p id="operator-name-hint" className="field-hint">
          Recorded as the actor in the audit log. Empty means this machine’s account name.
        </p>
        <FieldError id="operator-name-error" message={errors.operatorName} />
      </div>

      <div className="field">
        <label htmlFor="audit-page-size">Audit log page size</label>
        <input
          id="audit-page-size"
          type="number"
          inputMode="numeric"
          min={10}
          max={1000}
          value={draft.auditPageSize}
          onChange={(event) => edit('auditPageSize', event.target.value)}
          aria-invalid={errors.auditPageSize ? true : undefined}
          aria-describedby="audit-page-size-hint audit-page-size-error"
          className="narrow"
        />
        <p id="audit-page-size-hint" className="field-hint">
          Rows per page in the audit log, 10 to 1000.
        </p>
        <FieldError id="audit-page-size-error" message={errors.auditPageSize} />
      </div>

      <div className="field">
        <label htmlFor="nat-reconcile-seconds">Firewall drift check (seconds)</label>
        <input
          id="nat-reconcile-seconds"
          type="number"
          inputMode="numeric"
          min={0}
          max={86400}
          value={draft.natReconcileSeconds}
          onChange={(event) => edit('natReconcileSeconds', event.target.value)}
          aria-invalid={errors.natReconcileSeconds ? true : undefined}
          aria-describedby="nat-reconcile-seconds-hint nat-reconcile-seconds-error"
          className="narrow"
        />
        <p id="nat-reconcile-seconds-hint" className="field-hint">
          How often every firewall is compared with Outpost’s NAT, forward and allow-list records; drift is reported, repaired only when you ask. 0 turns it off.
        </p>
        <FieldError id="nat-reconcile-seconds-error" message={errors.natReconcileSeconds} />
      </div>

      <div className="field">
        <label htmlFor="four-eyes-kinds">Four-eyes procedures</label>
        <input
          id="four-eyes-kinds"
          type="text"
          spellCheck={false}
          placeholder="e.g. nat.add, host.upgrade"
          value={draft.fourEyesKinds}
          onChange={(event) => edit('fourEyesKinds', event.target.value)}
          aria-invalid={errors.fourEyesKinds ? true : undefined}
          aria-describedby="four-eyes-kinds-hint four-eyes-kinds-error"
        />
        <p id="four-eyes-kinds-hint" className="field-hint">
          Procedure kinds, comma-separated, whose approval gates another operator than the one who started the run must approve.
        </p>
        <FieldError id="four-eyes-kinds-error" message={errors.fourEyesKinds} />
      </div>

      <div className="field field-inline">
        <input
          id="confirm-destructive"
          type="checkbox"
          checked={draft.confirmDestructive}
          onChange={(event) => edit('confirmDestructive', event.target.checked)}
          aria-describedby="confirm-destructive-hint"
        />
        <label htmlFor="confirm-destructive">Confirm destructive actions</label>
        <p id="confirm-destructive-hint" className="field-hint">
          Ask before powering off, removing NAT rules or offboarding.
        </p>
      </div>

      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={!dirty || saving}>
          {saving ? 'Saving…' : 'Save settings'}
        </button>
        <button type="button" className="button" disabled={!dirty || saving} onClick={() => { setDraft(draftFrom(saved)); setErrors({}); }}>
          Discard changes
        </button>
      </div>
    </form>
  );
}

export function SettingsView() {
  const saved = useShell((s) => s.settings);
  return (
    <>
      <ViewHeader title="Settings" description="How this console looks and behaves. Saved in the local database; every change is audited." />
      <div className="settings-layout">
        {saved ? <SettingsForm saved={saved} /> : <p className="muted">Loading settings…</p>}
        <div className="settings-side">
          <VaultPanel />
          <VmAddressPanel />
          <TeamPanel />
          <AppInfoPanel />
        </div>
      </div>
      <div className="settings-remote">
        <CredentialsPanel />
        <KnownHostsPanel />
      </div>
    </>
  );
}
