import { useState, type FormEvent } from 'react';
import { OutpostError, type VaultState } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { PassphraseField } from '../certificates/PassphraseField';
import { useFormDraft } from '../../data/use-form-draft';
import { validationFieldErrors } from '../../data/validation-fields';

const kindWords: Record<VaultState['kind'], string> = {
  os: 'OS keychain (the desktop app’s safeStorage)',
  passphrase: 'Passphrase (AES-256-GCM, key derived with scrypt)',
};

/** Passphrase (+ confirm the first time) -> vault.unlock; the values live in this form only until the call. */
export function UnlockForm({ firstTime, onUnlocked }: { firstTime: boolean; onUnlocked?: () => void }) {
  const client = useClient();
  const store = useShellStore();
  const { draft, setDraft, setErrors, field } = useFormDraft({ passphrase: '', confirm: '' });
  const { passphrase, confirm } = draft;
  const [busy, setBusy] = useState(false);

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (busy) return;
    if (firstTime && passphrase !== confirm) {
      setErrors({ confirm: 'The two passphrases differ. Type the same one twice.' });
      return;
    }
    const given = passphrase;
    setDraft({ passphrase: '', confirm: '' });
    setErrors({});
    setBusy(true);
    client.invoke('vault.unlock', { passphrase: given }).then(
      (vault) => {
        setBusy(false);
        // The host also announces it (status.changed); this keeps the status bar right at once.
        const status = store.getState().status;
        if (status) store.getState().setStatus({ ...status, vault });
        store.getState().pushToast({
          tone: 'info',
          title: firstTime ? 'Vault set up' : 'Vault unlocked',
          message: firstTime ? 'Secrets can now be stored. Keep the passphrase somewhere safe: it cannot be recovered.' : 'Stored secrets can be used until the console stops.',
        });
        onUnlocked?.();
      },
      (err: unknown) => {
        setBusy(false);
        if (err instanceof OutpostError && err.code === 'VAULT_PASSPHRASE') {
          setErrors({ passphrase: `${err.message} (VAULT_PASSPHRASE)` });
          return;
        }
        setErrors({ passphrase: validationFieldErrors(err).passphrase });
        store.getState().pushToast(errorToast(firstTime ? 'Vault was not set up' : 'Vault was not unlocked', err));
      },
    );
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label={firstTime ? 'Set up the vault' : 'Unlock the vault'}>
      {firstTime && (
        <p className="warning-note" id="vault-unrecoverable">
          Choose a passphrase of at least 12 characters. It encrypts every stored credential and <strong>cannot be recovered</strong>: lose it and the saved secrets must be
          entered again.
        </p>
      )}
      <PassphraseField
        id="vault-passphrase"
        label={firstTime ? 'New vault passphrase' : 'Vault passphrase'}
        {...field('passphrase')}
        hint={firstTime ? 'At least 12 characters; a few unrelated words work well.' : undefined}
        autoComplete={firstTime ? 'new-password' : 'current-password'}
      />
      {firstTime && (
        <PassphraseField
          id="vault-passphrase-confirm"
          label="Confirm the passphrase"
          {...field('confirm')}
          autoComplete="new-password"
        />
      )}
      <div className="form-actions">
        <button type="submit" className="button button-primary" disabled={busy}>
          {busy ? (firstTime ? 'Setting up…' : 'Unlocking…') : firstTime ? 'Set up vault' : 'Unlock vault'}
        </button>
      </div>
    </form>
  );
}

/** Where secrets are sealed and whether they can be used now (follows status.changed through the shell store). */
export function VaultPanel() {
  const vault = useShell((s) => s.status?.vault ?? null);
  return (
    <section className="panel" aria-labelledby="vault-heading" data-testid="vault-panel">
      <h2 id="vault-heading">Vault</h2>
      {vault ? (
        <>
          <dl className="facts">
            <dt>Kind</dt>
            <dd>{kindWords[vault.kind]}</dd>
            <dt>Set up</dt>
            <dd data-testid="vault-initialised">{vault.kind === 'os' || vault.initialised ? 'yes' : 'no'}</dd>
            <dt>Unlocked</dt>
            <dd data-testid="vault-unlocked">{vault.unlocked ? 'yes' : 'no'}</dd>
          </dl>
          {vault.kind === 'passphrase' && !vault.unlocked && (
            <div className="vault-form">
              <UnlockForm key={vault.initialised ? 'unlock' : 'create'} firstTime={!vault.initialised} />
            </div>
          )}
          {vault.kind === 'passphrase' && vault.unlocked && <p className="muted small vault-note">Unlocked until this console stops; it asks for the passphrase again after a restart.</p>}
          {vault.kind === 'os' && <p className="muted small vault-note">The OS keychain seals secrets for your account; there is no passphrase to enter.</p>}
        </>
      ) : (
        <p className="muted">Waiting for the host…</p>
      )}
    </section>
  );
}
