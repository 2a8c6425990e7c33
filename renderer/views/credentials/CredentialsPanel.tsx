import { useState } from 'react';
import type { CommandOutput } from '../../../core/contract';
import type { CredentialView } from '../../../core/contract/remote';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { DataTable } from '../../ui/DataTable';
import { Time } from '../../ui/Time';
import { useContractQuery } from '../../data/use-contract-query';
import { useCredentials } from '../../data/use-credentials';
import { NewCredentialForm } from './NewCredentialForm';
import { useContractAction } from '../../data/use-contract-action';

type KnownHost = CommandOutput<'knownHosts.list'>[number];

const kindLabels: Record<CredentialView['kind'], string> = { password: 'password', 'private-key': 'private key', vcenter: 'vCenter login' };

const hostLabel = (k: KnownHost): string => (k.hashed ? `(hashed) :${k.port}` : `${k.host}:${k.port}`);

function describeScope(c: CredentialView): string {
  return c.scope.type === 'global' ? 'any target' : `${c.scope.type} ${c.scope.ref}`;
}

/** Credential profiles (names and metadata only; secrets stay in the vault) with add and remove. */
export function CredentialsPanel() {
  const action = useContractAction();
  const store = useShellStore();
  const list = useCredentials();
  const [adding, setAdding] = useState(false);
  const { confirm, dialog } = useConfirmDestructive();

  const remove = (c: CredentialView): void =>
    confirm(
      {
        title: `Remove credential ${c.name}?`,
        body: <p>The secret is deleted from the vault. Firewalls, terminals and enrollments that use this profile stop working until you save it again.</p>,
        confirmLabel: 'Remove',
      },
      () => {
        action.run('credentials.remove', { name: c.name }, {
          failure: `Credential ${c.name} was not removed`,
          done: () => {
            store.getState().pushToast({ tone: 'info', title: `Credential ${c.name} removed`, message: 'Its secret is gone from the vault.' });
            list.reload();
          },
        });
      },
    );

  const rows = (list.data ?? []).filter((c) => c.kind !== 'vcenter');
  return (
    <section className="panel" aria-labelledby="credentials-heading">
      <div className="panel-heading-row">
        <h2 id="credentials-heading">Credential profiles</h2>
        {!adding && (
          <button type="button" className="button" onClick={() => setAdding(true)}>
            New credential…
          </button>
        )}
      </div>
      <p className="field-hint">For SSH and WinRM: guests, firewalls and hosts. The vault must be unlocked to add one. vCenter logins live with their site.</p>
      {adding && (
        <NewCredentialForm
          allowScope
          onCancel={() => setAdding(false)}
          onSaved={(name) => {
            setAdding(false);
            store.getState().pushToast({ tone: 'info', title: `Credential ${name} saved`, message: 'The secret is sealed in the vault.' });
            list.reload();
          }}
        />
      )}
      {list.data && rows.length === 0 && !adding && <p className="muted">No credential profiles yet.</p>}
      {rows.length > 0 && (
        <DataTable
          testId="credentials-table"
          caption="Credential profiles"
          rows={rows}
          rowKey={(c) => c.id}
          columns={[
            { id: 'name', label: 'Name', rowHeader: true, className: 'mono', cell: (c) => c.name, sortValue: (c) => c.name },
            { id: 'user', label: 'User', className: 'mono', cell: (c) => c.username ?? '—', sortValue: (c) => c.username },
            { id: 'kind', label: 'Kind', cell: (c) => kindLabels[c.kind], sortValue: (c) => kindLabels[c.kind] },
            { id: 'scope', label: 'Scope', cell: describeScope, sortValue: describeScope },
            { id: 'saved', label: 'Saved', className: 'small', cell: (c) => <Time at={c.updatedAt} />, sortValue: (c) => c.updatedAt },
          ]}
          actions={(c) => (
            <button type="button" className="button button-small" onClick={() => remove(c)} aria-label={`Remove credential ${c.name}`}>
              Remove
            </button>
          )}
        />
      )}
      {dialog}
    </section>
  );
}

/** The SSH host keys Outpost trusts: what was confirmed or imported, with remove and import. */
export function KnownHostsPanel() {
  const client = useClient();
  const action = useContractAction();
  const store = useShellStore();
  const list = useContractQuery('Could not list known hosts', (c) => c.invoke('knownHosts.list', {}));
  // A file the operator picks in the window's own file dialog: the core gets its text, never a path.
  const [picked, setPicked] = useState<File | null>(null);
  const { confirm, dialog } = useConfirmDestructive();

  const remove = (k: KnownHost): void =>
    confirm(
      {
        title: `Forget the host keys of ${k.host}:${k.port}?`,
        body: <p>The next connection to {k.host} asks you to confirm its fingerprint again.</p>,
        confirmLabel: 'Forget',
      },
      () => {
        action.run('knownHosts.remove', { host: k.host, port: k.port }, { failure: `Host keys of ${k.host} were not forgotten`, done: () => list.reload() });
      },
    );

  const importFile = (): void => {
    (picked ? picked.text().then((text) => ({ text, fileName: picked.name })) : Promise.resolve({}))
      .then((input) => client.invoke('knownHosts.import', input))
      .then(
        (r) => {
          store.getState().pushToast({
            tone: 'info',
            title: `Imported ${r.imported} host key${r.imported === 1 ? '' : 's'}`,
            message: `${r.alreadyKnown} already known${r.skipped.length > 0 ? `, ${r.skipped.length} lines skipped (first: line ${r.skipped[0]!.line}, ${r.skipped[0]!.why})` : ''}.`,
          });
          list.reload();
        },
        (err: unknown) => store.getState().pushToast(errorToast('known_hosts was not imported', err)),
      );
  };

  return (
    <section className="panel" aria-labelledby="known-hosts-heading">
      <h2 id="known-hosts-heading">SSH host keys</h2>
      <p className="field-hint">A key is trusted when you confirm its fingerprint or import it; a different key later is a hard stop.</p>
      <div className="input-with-action">
        <input type="file" aria-label="known_hosts file" aria-describedby="known-hosts-file-hint" onChange={(e) => setPicked(e.target.files?.[0] ?? null)} />
        <button type="button" className="button" onClick={importFile}>
          Import known_hosts
        </button>
      </div>
      <p id="known-hosts-file-hint" className="field-hint">
        Choose a known_hosts file, or import without one to read your <span className="mono">~/.ssh/known_hosts</span>.
      </p>
      {list.data && list.data.length === 0 && <p className="muted">No trusted host keys yet.</p>}
      {list.data && list.data.length > 0 && (
        <DataTable
          testId="known-hosts-table"
          caption="Trusted SSH host keys"
          rows={list.data}
          rowKey={(k) => k.id}
          columns={[
            { id: 'host', label: 'Host', rowHeader: true, className: 'mono', cell: hostLabel, sortValue: hostLabel },
            { id: 'key', label: 'Key', className: 'mono small', cell: (k) => k.keyType ?? '—', sortValue: (k) => k.keyType },
            { id: 'fingerprint', label: 'Fingerprint', className: 'mono small', cell: (k) => k.fingerprint },
            { id: 'source', label: 'Source', className: 'small', cell: (k) => `${k.source === 'import' ? 'imported' : 'confirmed'} by ${k.addedBy}` },
          ]}
          actions={(k) =>
            k.hashed ? null : (
              <button type="button" className="button button-small" onClick={() => remove(k)} aria-label={`Forget host keys of ${k.host}:${k.port}`}>
                Forget
              </button>
            )
          }
        />
      )}
      {dialog}
    </section>
  );
}
