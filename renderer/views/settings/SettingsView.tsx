import { useState, type FormEvent } from 'react';
import type { Settings, Theme } from '../../../core/contract';
import { saveSettings } from '../../app/settings-actions';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { ViewHeader } from '../../ui/ViewHeader';
import { SegmentedField } from '../../ui/SegmentedField';
import { TextField } from '../../ui/TextField';
import { AppInfoPanel } from './AppInfoPanel';
import { TeamPanel } from './TeamPanel';
import { VaultPanel } from './VaultPanel';
import { VmAddressPanel } from './VmAddressPanel';
import { CredentialsPanel, KnownHostsPanel } from '../credentials/CredentialsPanel';
import { useFormDraft } from '../../data/use-form-draft';
import { draftFrom, invalidFields, patchFrom, type SettingsDraft } from './settings-form';

const themeChoices: { value: Theme; label: string; hint: string }[] = [
  { value: 'system', label: 'System', hint: 'Follow the OS light/dark setting' },
  { value: 'light', label: 'Light', hint: 'Always light' },
  { value: 'dark', label: 'Dark', hint: 'Always dark' },
];

function SettingsForm({ saved }: { saved: Settings }) {
  const client = useClient();
  const store = useShellStore();
  const { draft, setDraft, edit, setErrors, field } = useFormDraft<SettingsDraft>(() => draftFrom(saved));
  const [saving, setSaving] = useState(false);
  const patch = patchFrom(draft, saved);
  const dirty = Object.keys(patch).length > 0;

  // Settings saved elsewhere (another window, the CLI) replace an untouched form.
  const [lastSaved, setLastSaved] = useState(saved);
  if (saved !== lastSaved) {
    setLastSaved(saved);
    if (!dirty) setDraft(draftFrom(saved));
  }

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

      <SegmentedField legend="Theme" name="theme" options={themeChoices} {...field('theme')} />

      <TextField id="operator-name" label="Operator name" {...field('operatorName')} hint="Recorded as the actor in the audit log. Empty means this machine’s account name." autoComplete="name" />

      <TextField id="audit-page-size" label="Audit log page size" {...field('auditPageSize')} hint="Rows per page in the audit log, 10 to 1000." number={{ min: 10, max: 1000 }} />

      <TextField
        id="nat-reconcile-seconds"
        label="Firewall drift check (seconds)"
        {...field('natReconcileSeconds')}
        hint="How often every firewall is compared with Outpost’s NAT, forward and allow-list records; drift is reported, repaired only when you ask. 0 turns it off."
        number={{ min: 0, max: 86400 }}
      />

      <TextField
        id="four-eyes-kinds"
        label="Four-eyes procedures"
        {...field('fourEyesKinds')}
        placeholder="e.g. nat.add, host.upgrade"
        hint="Procedure kinds, comma-separated, whose approval gates another operator than the one who started the run must approve."
      />

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
