import { useState, type FormEvent, type ReactNode } from 'react';
import { OutpostError, type AddedSite, type CertificateSummary } from '../../../core/contract';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { UnlockForm } from '../settings/VaultPanel';
import { FieldError } from '../../ui/FieldError';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { certificateFromDetails, TrustPrompt } from './TrustPrompt';

interface SiteDraft {
  name: string;
  url: string;
  username: string;
  password: string;
}
const emptyDraft: SiteDraft = { name: '', url: '', username: '', password: '' };

/** What the form says under itself for the errors an operator can act on. */
function problemFor(err: unknown): ReactNode {
  if (!(err instanceof OutpostError)) return null;
  switch (err.code) {
    case 'TLS_CHANGED':
      return (
        <>
          <strong>Stop: this vCenter&rsquo;s certificate changed.</strong> The certificate pinned for this address is not the one it presents now. That can be a
          planned certificate renewal, or someone between you and vCenter. Nothing was added. Confirm the change with the vCenter&rsquo;s administrators before
          going on.
        </>
      );
    case 'VCENTER_AUTH':
      return <>vCenter refused the user name or password. Check them (an SSO user is usually written user@vsphere.local) and try again.</>;
    case 'VAULT_LOCKED':
      return <>The vault is locked, so the password cannot be stored. Set it up or unlock it below: the vCenter is then added with what you typed.</>;
    default:
      return null;
  }
}

/**
 * Adds a vCenter. An unknown certificate (TLS_UNTRUSTED) is shown for the operator to check;
 * "Trust and add" sends the same request again with that fingerprint, which pins it.
 */
export function AddSiteForm({ onAdded }: { onAdded(site: AddedSite): void }) {
  const client = useClient();
  const store = useShellStore();
  const form = useContractForm('vCenter was not added');
  const [untrusted, setUntrusted] = useState<{ cert: CertificateSummary; url: string } | null>(null);
  const [problem, setProblem] = useState<{ code: string; body: ReactNode } | null>(null);
  const vault = useShell((s) => s.status?.vault ?? null);
  // A fresh install has no vault yet: it is set up (or unlocked) right here, and the form keeps what was typed.
  const vaultNeeded = vault !== null && vault.kind === 'passphrase' && !vault.unlocked;
  // An edit also drops a certificate question or a problem shown for the old input.
  const { draft, setDraft, edit, errors, field } = useFormDraft<SiteDraft>(emptyDraft, {
    forms: [form],
    onEdit: () => {
      setUntrusted(null);
      setProblem(null);
    },
  });

  const add = (trustFingerprint?: string): void => {
    if (form.busy) return;
    setProblem(null);
    form.submit(
      () =>
        client.invoke('sites.add', { ...draft, ...(trustFingerprint ? { trustFingerprint } : {}) }).catch((err: unknown) => {
          // The certificate question is a step of the flow, not a failure: no toast for it.
          const cert = err instanceof OutpostError && err.code === 'TLS_UNTRUSTED' ? certificateFromDetails(err.details) : null;
          if (cert) {
            setUntrusted({ cert, url: draft.url });
            return null;
          }
          const body = problemFor(err);
          if (body && err instanceof OutpostError) setProblem({ code: err.code, body });
          throw err;
        }),
      (site) => {
        if (!site) return;
        setUntrusted(null);
        setDraft(emptyDraft);
        store.getState().pushToast({ tone: 'info', title: `vCenter ${site.name} added`, message: `${site.vcenter.fullName}. Sync it to fill the inventory.` });
        onAdded(site);
      },
    );
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    add();
  };

  return (
    <div className="add-site">
      <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="add-site-heading">
        <h2 id="add-site-heading">Add a vCenter</h2>
        <TextField id="site-name" label="Name" {...field('name')} placeholder="dc1" hint="How Outpost and the CLI call this site." />
        <TextField id="site-url" label="URL" {...field('url')} placeholder="https://vcenter.example.internal" mono />
        <TextField id="site-user" label="User" {...field('username')} placeholder="administrator@vsphere.local" />
        <div className="field">
          <label htmlFor="site-password">Password</label>
          <input
            id="site-password"
            type="password"
            value={draft.password}
            onChange={(event) => edit('password', event.target.value)}
            aria-invalid={errors.password ? true : undefined}
            aria-describedby={['site-password-hint', errors.password ? 'site-password-error' : ''].filter(Boolean).join(' ')}
            autoComplete="off"
          />
          <p id="site-password-hint" className="field-hint">
            Kept sealed in the vault; never shown again.
          </p>
          <FieldError id="site-password-error" message={errors.password} />
        </div>
        {problem && (
          <div className={problem.code === 'TLS_CHANGED' ? 'site-problem site-problem-stop' : 'site-problem'} role="alert" data-testid="site-problem">
            {problem.body}
          </div>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={form.busy}>
            {form.busy && !untrusted ? 'Connecting…' : 'Add vCenter'}
          </button>
        </div>
      </form>
      {vaultNeeded && (
        <section className="panel side-form" aria-labelledby="add-site-vault-heading" data-testid="add-site-vault">
          <h3 id="add-site-vault-heading">{vault.initialised ? 'Unlock the vault' : 'Set up the vault first'}</h3>
          <p className="muted small">
            The vCenter password is stored sealed in the vault.{' '}
            {vault.initialised ? 'Unlock it to add this vCenter.' : 'This is a fresh install: choose the vault passphrase now (also in Settings → Vault).'}
          </p>
          <UnlockForm
            key={vault.initialised ? 'unlock' : 'create'}
            firstTime={!vault.initialised}
            onUnlocked={() => {
              // Go on with what was typed: the add that VAULT_LOCKED stopped, or nothing if it was not tried yet.
              if (problem?.code === 'VAULT_LOCKED') add();
            }}
          />
        </section>
      )}
      {untrusted && <TrustPrompt url={untrusted.url} cert={untrusted.cert} busy={form.busy} onTrust={() => add(untrusted.cert.fingerprint)} onCancel={() => setUntrusted(null)} />}
    </div>
  );
}
