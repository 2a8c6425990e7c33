import { useEffect, useState, type FormEvent } from 'react';
import type { TeamStatus } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { TextField } from '../../ui/TextField';
import { useContractQuery } from '../../data/use-contract-query';
import { useFormDraft } from '../../data/use-form-draft';
import { validationFieldErrors } from '../../data/validation-fields';
import { SubmitButton } from '../../ui/SubmitButton';

/** Join a team database: URL, password (sealed in this workstation's vault), optional CA. Values live in this form only until the call. */
function ConnectForm({ onSaved }: { onSaved(): void }) {
  const client = useClient();
  const store = useShellStore();
  const { draft, setDraft, edit, setErrors, field } = useFormDraft({ url: '', password: '', ca: '' });
  const { url, password, ca } = draft;
  const [busy, setBusy] = useState(false);

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (busy) return;
    const given = password;
    setDraft((d) => ({ ...d, password: '' }));
    setErrors({});
    setBusy(true);
    client.invoke('team.connect', { url: url.trim(), password: given, ...(ca.trim() ? { ca: ca.trim() } : {}) }).then(
      (r) => {
        setBusy(false);
        store.getState().pushToast({ tone: 'info', title: 'Team database saved', message: `PostgreSQL ${r.serverVersion}${r.tls ? ' over verified TLS' : ' (loopback, plain)'}. Restart Outpost to use it.` });
        onSaved();
      },
      (err: unknown) => {
        setBusy(false);
        setErrors(validationFieldErrors(err));
        store.getState().pushToast(errorToast('Could not join the team database', err));
      },
    );
  };

  return (
    <form onSubmit={onSubmit} noValidate aria-label="Join a team database">
      <TextField id="team-url" label="Team database URL" {...field('url')} mono placeholder="postgres://USER@HOST:5432/outpost" hint="No password in the URL; TLS is required except on this machine." />
      <TextField id="team-password" label="Password" {...field('password')} secret={{ autoComplete: 'current-password' }} hint="Sealed in this workstation's vault; never stored in the team database." />
      <div className="field">
        <label htmlFor="team-ca">CA certificate (PEM, optional)</label>
        <textarea id="team-ca" className="mono" rows={3} value={ca} onChange={(e) => edit('ca', e.target.value)} spellCheck={false} />
      </div>
      <div className="form-actions">
        <SubmitButton busy={busy} label="Check and save" busyLabel="Checking…" disabled={!url.trim() || !password} />
      </div>
    </form>
  );
}

/** Settings → Team: which store this console uses, whether it is reachable, who else is on it, and joining a team. */
export function TeamPanel() {
  const team = useShell((s) => s.status?.team ?? null);
  const query = useContractQuery<TeamStatus>('Could not read the team status', (client) => client.invoke('team.status', {}));
  const { reload } = query;
  // The status bar's team state changes (connected, lost, someone joined): read the details again.
  const stamp = team ? `${team.connected}/${team.others.join(',')}` : '';
  useEffect(() => reload(), [stamp, reload]);
  const status = query.data;
  return (
    <section className="panel" aria-labelledby="team-heading" data-testid="team-panel">
      <h2 id="team-heading">Team</h2>
      {status ? (
        <dl className="facts">
          <dt>Store</dt>
          <dd data-testid="team-engine">{status.engine === 'postgres' ? 'Team database (PostgreSQL)' : 'This workstation (SQLite)'}</dd>
          <dt>Database</dt>
          <dd className="mono">{status.database}</dd>
          <dt>Connected</dt>
          <dd data-testid="team-connected">{status.connected ? 'yes' : `no${status.error ? `: ${status.error}` : ''}`}</dd>
          {status.engine === 'postgres' && (
            <>
              <dt>Others connected</dt>
              <dd data-testid="team-others">{status.others.length ? status.others.join(', ') : 'nobody else'}</dd>
              <dt>Indexing</dt>
              <dd>{status.indexers.length ? status.indexers.map((i) => `${i.site}: ${i.holder}`).join('; ') : 'no site indexed'}</dd>
            </>
          )}
        </dl>
      ) : (
        <p className="muted">Reading the team status…</p>
      )}
      {status && status.engine === 'sqlite' && <ConnectForm onSaved={reload} />}
      {status?.configured && status.engine === 'sqlite' && <p className="muted small">A team connection is saved: it is used from the next start (unless --db or OUTPOST_DB names another store).</p>}
    </section>
  );
}
