import { useState, type FormEvent } from 'react';
import type { FirewallDriverKind, FirewallInput, FirewallView } from '../../../core/contract';
import { useClient, useShellStore } from '../../app/shell-context';
import { FieldError } from '../../ui/FieldError';
import { DataTable, type DataColumn } from '../../ui/DataTable';
import { Time } from '../../ui/Time';
import { TextField } from '../../ui/TextField';
import { SegmentedField, segments } from '../../ui/SegmentedField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { useContractQuery } from '../../data/use-contract-query';
import { SubmitButton } from '../../ui/SubmitButton';

const driverLabels: Record<FirewallDriverKind, string> = {
  'linux-iptables': 'Linux iptables',
  'linux-nft': 'Linux nftables',
  manual: 'Manual (commands for a person)',
};

export function describeConnection(fw: FirewallView): string {
  const c = fw.connection;
  if (c.type === 'none') return 'none (by hand)';
  if (c.type === 'ssh') return `ssh ${c.user}@${c.host}:${c.port} (${c.credential})`;
  return c.netns ? `local, netns ${c.netns}` : 'local';
}

function describeSettings(fw: FirewallView): string {
  const parts: string[] = [];
  if (fw.settings.publicInterface) parts.push(`public interface ${fw.settings.publicInterface}`);
  if (fw.driver === 'manual') parts.push(`instructions as ${fw.settings.manualSyntax ?? 'generic'}`);
  return parts.join(', ') || '—';
}

/** The firewalls as the options of a select (name and driver), for every form that targets one. */
export function FirewallOptions({ firewalls }: { firewalls: readonly FirewallView[] }) {
  return (
    <>
      {firewalls.map((fw) => (
        <option key={fw.id} value={fw.name}>
          {fw.name} ({fw.driver})
        </option>
      ))}
    </>
  );
}

const firewallColumns: DataColumn<FirewallView>[] = [
  { id: 'firewall', label: 'Firewall', rowHeader: true, className: 'mono', cell: (fw) => fw.name, sortValue: (fw) => fw.name },
  { id: 'driver', label: 'Driver', cell: (fw) => driverLabels[fw.driver], sortValue: (fw) => driverLabels[fw.driver] },
  { id: 'connection', label: 'Connection', cell: describeConnection, sortValue: describeConnection },
  { id: 'settings', label: 'Settings', className: 'small', cell: describeSettings },
  {
    id: 'added',
    label: 'Added',
    className: 'small',
    cell: (fw) => (
      <>
        {fw.createdBy}, <Time at={fw.createdAt} />
      </>
    ),
    sortValue: (fw) => fw.createdAt,
  },
];

export function FirewallsTable({ firewalls }: { firewalls: readonly FirewallView[] }) {
  return <DataTable columns={firewallColumns} rows={firewalls} rowKey={(fw) => String(fw.id)} caption="Firewalls" />;
}

interface FirewallDraft {
  name: string;
  driver: FirewallDriverKind;
  publicInterface: string;
  manualSyntax: 'iptables' | 'nft' | 'generic';
  connection: 'local' | 'ssh' | 'none';
  netns: string;
  sshHost: string;
  sshPort: string;
  sshUser: string;
  credential: string;
  hostKey: string;
}

const emptyDraft: FirewallDraft = { name: '', driver: 'manual', publicInterface: '', manualSyntax: 'iptables', connection: 'none', netns: '', sshHost: '', sshPort: '22', sshUser: 'root', credential: '', hostKey: '' };

function connectionInput(d: FirewallDraft): FirewallInput['connection'] {
  if (d.connection === 'none') return { type: 'none' };
  if (d.connection === 'local') return { type: 'local', ...(d.netns.trim() ? { netns: d.netns.trim() } : {}) };
  const port = Number(d.sshPort.trim() || '22');
  return { type: 'ssh', host: d.sshHost.trim(), port: Number.isInteger(port) ? port : Number.NaN, user: d.sshUser.trim(), credential: d.credential, hostKey: d.hostKey.trim() };
}

function firewallInput(d: FirewallDraft): FirewallInput {
  const manual = d.driver === 'manual';
  return {
    name: d.name,
    driver: d.driver,
    settings: {
      ...(d.publicInterface.trim() ? { publicInterface: d.publicInterface.trim() } : {}),
      ...(manual ? { manualSyntax: d.manualSyntax } : {}),
    },
    connection: connectionInput(d),
  };
}

/** The draft field a firewalls.add VALIDATION path marks (the input nests settings and connection). */
const pathFields: Record<string, keyof FirewallDraft> = {
  'settings.manualSyntax': 'manualSyntax',
  'settings.publicInterface': 'publicInterface',
  'connection.type': 'connection',
  'connection.netns': 'netns',
  'connection.host': 'sshHost',
  'connection.port': 'sshPort',
  'connection.user': 'sshUser',
  'connection.credential': 'credential',
  'connection.hostKey': 'hostKey',
};
function firewallFieldOf(path: string): keyof FirewallDraft | undefined {
  return pathFields[path] ?? (path === 'name' || path === 'driver' || path === 'connection' ? path : undefined);
}

export function AddFirewallForm({ onAdded }: { onAdded(): void }) {
  const client = useClient();
  const store = useShellStore();
  const form = useContractForm('Firewall was not added');
  const { draft, setDraft, edit, errors, field } = useFormDraft<FirewallDraft>(emptyDraft, { forms: [form], fieldOf: firewallFieldOf });
  const credentials = useContractQuery('Could not list credential profiles', (c) => c.invoke('credentials.list', {}));
  const [probe, setProbe] = useState<{ busy: boolean; keyType: string | null; error: string | null }>({ busy: false, keyType: null, error: null });

  const readHostKey = (): void => {
    const port = Number(draft.sshPort.trim() || '22');
    setProbe({ busy: true, keyType: null, error: null });
    client.invoke('ssh.hostKey', { host: draft.sshHost.trim(), port }).then(
      (key) => {
        edit('hostKey', key.fingerprint);
        setProbe({ busy: false, keyType: key.keyType, error: null });
      },
      (err: unknown) => {
        const e = err as { code?: string; message?: string };
        setProbe({ busy: false, keyType: null, error: `${e.code ?? 'ERROR'} ${e.message ?? String(err)}` });
      },
    );
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (form.busy) return;
    form.run('firewalls.add', firewallInput(draft), (fw) => {
      setDraft(emptyDraft);
      store.getState().pushToast({ tone: 'info', title: `Firewall ${fw.name} added`, message: `${driverLabels[fw.driver]}, connection ${describeConnection(fw)}.` });
      onAdded();
    });
  };

  return (
    <form className="panel side-form" onSubmit={onSubmit} noValidate aria-labelledby="add-firewall-heading">
      <h2 id="add-firewall-heading">Add a firewall</h2>
      <TextField id="firewall-name" label="Name" {...field('name')} placeholder="edge-fw1" mono />
      <div className="field">
        <label htmlFor="firewall-driver">Driver</label>
        <select
          id="firewall-driver"
          value={draft.driver}
          onChange={(event) => {
            const driver = event.target.value as FirewallDriverKind;
            // A Linux firewall is driven by running commands; a manual one has no connection.
            setDraft((d) => ({ ...d, driver, connection: driver === 'manual' ? 'none' : 'local' }));
            form.clearError('driver');
          }}
          aria-invalid={errors.driver ? true : undefined}
          aria-describedby="firewall-driver-hint"
        >
          {(Object.keys(driverLabels) as FirewallDriverKind[]).map((d) => (
            <option key={d} value={d}>
              {driverLabels[d]}
            </option>
          ))}
        </select>
        <p id="firewall-driver-hint" className="field-hint">
          {draft.driver === 'manual'
            ? 'Outpost writes the exact commands or a change request; each NAT change waits until you confirm it was applied.'
            : 'Outpost adds, reads back and removes its own tagged 1:1 NAT rules.'}
        </p>
        <FieldError id="firewall-driver-error" message={errors.driver} />
      </div>
      {draft.driver === 'manual' ? (
        <div className="field">
          <label htmlFor="firewall-syntax">Write instructions as</label>
          <select id="firewall-syntax" value={draft.manualSyntax} onChange={(event) => edit('manualSyntax', event.target.value as FirewallDraft['manualSyntax'])}>
            <option value="iptables">iptables commands</option>
            <option value="nft">nft commands</option>
            <option value="generic">a change request (any firewall)</option>
          </select>
          <FieldError id="firewall-syntax-error" message={errors.manualSyntax} />
        </div>
      ) : (
        <>
          <TextField
            id="firewall-interface"
            label="Public interface (optional)"
            {...field('publicInterface')}
            hint="Where public addresses are added, e.g. eth0."
            mono
          />
          <SegmentedField legend="Connection" name="firewall-connection" options={segments(['local', 'This machine'], ['ssh', 'SSH'], ['none', 'None'])} {...field('connection')} />
          {draft.connection === 'local' && (
            <TextField
              id="firewall-netns"
              label="Network namespace (optional)"
              {...field('netns')}
              hint="Run the commands inside this namespace (ip netns exec)."
              mono
            />
          )}
          {draft.connection === 'ssh' && (
            <>
              <TextField id="firewall-ssh-host" label="SSH host" {...field('sshHost')} placeholder="fw1.example.net" mono />
              <TextField id="firewall-ssh-port" label="SSH port" {...field('sshPort')} mono />
              <TextField id="firewall-ssh-user" label="SSH user" {...field('sshUser')} hint="Needs root, or sudo without a password, for iptables/nft." mono />
              <div className="field">
                <label htmlFor="firewall-credential">Credential profile</label>
                <select
                  id="firewall-credential"
                  value={draft.credential}
                  onChange={(event) => edit('credential', event.target.value)}
                  aria-invalid={errors.credential ? true : undefined}
                >
                  <option value="">Choose a profile…</option>
                  {(credentials.data ?? []).map((c) => (
                    <option key={c.name} value={c.name}>
                      {c.name} ({c.username}, {c.kind})
                    </option>
                  ))}
                </select>
                {credentials.data && credentials.data.length === 0 && <p className="field-hint">No credential profiles yet: add one under Settings or with outpost credential add.</p>}
                <FieldError id="firewall-credential-error" message={errors.credential} />
              </div>
              <div className="field">
                <label htmlFor="firewall-host-key">Host key (pinned)</label>
                <div className="input-with-action">
                  <input
                    id="firewall-host-key"
                    className="mono"
                    value={draft.hostKey}
                    onChange={(event) => edit('hostKey', event.target.value)}
                    placeholder="SHA256:…"
                    aria-invalid={errors.hostKey ? true : undefined}
                    aria-describedby="firewall-host-key-hint"
                  />
                  <button type="button" className="button" onClick={readHostKey} disabled={probe.busy || draft.sshHost.trim() === ''}>
                    {probe.busy ? 'Reading…' : 'Read host key'}
                  </button>
                </div>
                <p id="firewall-host-key-hint" className="field-hint">
                  {probe.keyType
                    ? `The server presented this ${probe.keyType} key. Compare it with the firewall's owner (ssh-keygen -lf on the firewall) before adding: any other key later is a hard stop.`
                    : 'As ssh-keygen -lf prints it. Read it from the server (no credential is sent), then compare it with the firewall\'s owner.'}
                </p>
                {probe.error && (
                  <p className="field-error" role="alert">
                    {probe.error}
                  </p>
                )}
                <FieldError id="firewall-host-key-error" message={errors.hostKey} />
              </div>
            </>
          )}
        </>
      )}
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Add firewall" busyLabel="Adding…" />
      </div>
    </form>
  );
}
