import { useId, useState } from 'react';
import { OutpostError } from '../../../core/contract';
import type { CredentialScope } from '../../../core/contract/remote';
import { useClient } from '../../app/shell-context';

/**
 * Saves a credential profile where it is needed (Settings, the terminal dialog, the enrollment
 * wizard). The secret crosses the contract once, into the vault; nothing ever shows it again.
 */
export function NewCredentialForm({ onSaved, onCancel, allowScope = false }: { onSaved(name: string): void; onCancel(): void; allowScope?: boolean }) {
  const client = useClient();
  const id = useId();
  const [name, setName] = useState('');
  const [username, setUsername] = useState('');
  const [kind, setKind] = useState<'password' | 'private-key'>('password');
  const [secret, setSecret] = useState('');
  const [passphrase, setPassphrase] = useState('');
  const [scopeType, setScopeType] = useState<CredentialScope['type']>('global');
  const [scopeRef, setScopeRef] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  const save = (): void => {
    setSaving(true);
    setError(null);
    const payload = kind === 'password' ? { type: 'password' as const, password: secret } : { type: 'private-key' as const, privateKey: secret, ...(passphrase ? { passphrase } : {}) };
    const scope: CredentialScope = scopeType === 'global' ? { type: 'global' } : { type: scopeType, ref: scopeRef };
    client.invoke('credentials.add', { name, username, scope, secret: payload }).then(
      (saved) => {
        setSaving(false);
        setSecret('');
        setPassphrase('');
        onSaved(saved.name);
      },
      (err: unknown) => {
        setSaving(false);
        setError(err instanceof OutpostError ? `${err.code}: ${err.message}` : String(err));
      },
    );
  };

  return (
    <fieldset className="new-credential" data-testid="new-credential">
      <legend>New credential profile</legend>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} onChange={(e) => setName(e.target.value)} spellCheck={false} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-user`}>User name</label>
        <input id={`${id}-user`} value={username} onChange={(e) => setUsername(e.target.value)} spellCheck={false} autoComplete="off" />
      </div>
      <div className="field">
        <label htmlFor={`${id}-kind`}>Authentication</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as 'password' | 'private-key')}>
          <option value="password">Password</option>
          <option value="private-key">Private key (OpenSSH or PEM)</option>
        </select>
      </div>
      {kind === 'password' ? (
        <div className="field">
          <label htmlFor={`${id}-secret`}>Password</label>
          <input id={`${id}-secret`} type="password" className="password-input" value={secret} onChange={(e) => setSecret(e.target.value)} autoComplete="new-password" />
        </div>
      ) : (
        <>
          <div className="field">
            <label htmlFor={`${id}-secret`}>Private key</label>
            <textarea id={`${id}-secret`} className="mono" rows={5} value={secret} onChange={(e) => setSecret(e.target.value)} spellCheck={false} placeholder="-----BEGIN OPENSSH PRIVATE KEY-----" />
          </div>
          <div className="field">
            <label htmlFor={`${id}-pass`}>Key passphrase (if any)</label>
            <input id={`${id}-pass`} type="password" className="password-input" value={passphrase} onChange={(e) => setPassphrase(e.target.value)} autoComplete="off" />
          </div>
        </>
      )}
      {allowScope && (
        <div className="field">
          <label htmlFor={`${id}-scope`}>Scope</label>
          <div className="input-with-action">
            <select id={`${id}-scope`} value={scopeType} onChange={(e) => setScopeType(e.target.value as CredentialScope['type'])}>
              <option value="global">Any target</option>
              <option value="site">One site</option>
              <option value="vm">One VM</option>
            </select>
            {scopeType !== 'global' && (
              <input aria-label={scopeType === 'site' ? 'Site name' : 'VM name or UUID'} value={scopeRef} onChange={(e) => setScopeRef(e.target.value)} spellCheck={false} placeholder={scopeType === 'site' ? 'site name' : 'VM name or UUID'} />
            )}
          </div>
        </div>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <p className="field-hint">Sealed in the vault; Outpost never shows it again.</p>
      <div className="form-actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="button" className="button button-primary" disabled={saving || !name || !username || !secret || (scopeType !== 'global' && !scopeRef.trim())} onClick={save}>
          {saving ? 'Saving…' : 'Save credential'}
        </button>
      </div>
    </fieldset>
  );
}
