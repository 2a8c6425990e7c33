import { useEffect, useState, type FormEvent } from 'react';
import type { CommandInput, DriftStatus, FirewallView, NatAllowView, NatForwardView, NatRecordView } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { DataTable } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { FirewallOptions } from './FirewallsPanel';
import { formatTime } from '../../ui/format-time';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { useFormDraft } from '../../data/use-form-draft';
import { useContractQuery } from '../../data/use-contract-query';
import { SubmitButton } from '../../ui/SubmitButton';

const driftWords: Record<DriftStatus['state'], string> = {
  'in-sync': 'in sync',
  drift: 'drift',
  unreachable: 'unreachable',
  unknown: 'unknown (manual)',
  'not-checked': 'not checked',
};

/** A row of the policy table: one public address, or a firewall's allow-list for every address. */
interface PolicyRow {
  key: string;
  heading: string;
  mono: boolean;
  firewall: string;
  what: string;
  own: NatAllowView[];
  wide: NatAllowView[];
  forwards: NatForwardView[] | null;
}

const entryText = (a: NatAllowView): string => `${a.source}${a.port !== null ? ` ${a.proto ?? 'tcp'}/${a.port}` : a.proto ? ` ${a.proto}` : ''}`;
/** Optional numbers go as typed (the contract names a bad one); empty ones are left out. */
const portValue = (text: string): number | undefined => (text.trim() === '' ? undefined : Number(text.trim()));

function DriftBox({ status, onStarted }: { status: DriftStatus; onStarted(procedureId: string, what: string): void }) {
  const client = useClient();
  const store = useShellStore();
  const [busy, setBusy] = useState(false);
  const { confirm, dialog } = useConfirmDestructive();
  const call = (repair: boolean): void => {
    setBusy(true);
    client.invoke('nat.reconcile', { firewall: status.firewall, repair }).then(
      (r) => {
        setBusy(false);
        if (r.procedureId) onStarted(r.procedureId, `repair of ${status.firewall}`);
      },
      (err: unknown) => {
        setBusy(false);
        store.getState().pushToast(errorToast(`Could not ${repair ? 'repair' : 'check'} firewall ${status.firewall}`, err));
      },
    );
  };
  const repair = (): void =>
    confirm(
      {
        title: `Repair firewall ${status.firewall}?`,
        body: <p>Starts a procedure that puts Outpost's rules on {status.firewall} back as its records say: missing rules are added, changed and extra tagged rules are removed. Nothing untagged is touched.</p>,
        confirmLabel: 'Repair',
      },
      () => call(true),
    );
  return (
    <section className={`finding ${status.state === 'drift' || status.state === 'unreachable' ? 'finding-bad' : ''}`} aria-label={`Drift of firewall ${status.firewall}`} data-testid={`drift-${status.firewall}`}>
      <h3>
        <span className="mono">{status.firewall}</span> <span className={`badge badge-drift-${status.state}`}>{driftWords[status.state]}</span>
      </h3>
      <p className="small muted">{status.checkedAt ? `Checked ${formatTime(status.checkedAt)}` : 'Not checked since Outpost started.'}</p>
      {status.error && (
        <p>
          <code className="toast-code">{status.error.code}</code> {status.error.message}
        </p>
      )}
      {status.items.length > 0 && (
        <ul>
          {status.items.map((i) => (
            <li key={`${i.kind}-${i.tag}`}>
              <strong>{i.kind}</strong> <span className="mono">{i.tag}</span>: {i.detail}
            </li>
          ))}
        </ul>
      )}
      <div className="toolbar">
        <button type="button" className="button button-small" disabled={busy} onClick={() => call(false)}>
          Check now
        </button>
        {status.state === 'drift' && (
          <button type="button" className="button button-small button-primary" disabled={busy} onClick={repair}>
            Repair
          </button>
        )}
      </div>
      {dialog}
    </section>
  );
}

interface AllowDraft {
  firewall: string;
  publicIp: string;
  source: string;
  port: string;
  proto: '' | 'tcp' | 'udp';
}

function AllowForm({ firewalls, addresses, onStarted }: { firewalls: FirewallView[]; addresses: { firewall: string; publicIp: string }[]; onStarted(id: string, what: string): void }) {
  const form = useContractForm('Allow-list entry was not started');
  const { draft: d, setDraft: setD, edit, errors, field } = useFormDraft<AllowDraft>({ firewall: firewalls[0]?.name ?? '', publicIp: '', source: '', port: '', proto: '' }, { forms: [form] });
  if (d.firewall === '' && firewalls[0]) setD((x) => ({ ...x, firewall: firewalls[0]!.name }));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    const port = portValue(d.port);
    const input: CommandInput<'nat.allow'> = {
      firewall: d.firewall,
      source: d.source,
      ...(d.publicIp ? { publicIp: d.publicIp } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(d.proto ? { proto: d.proto } : {}),
    };
    form.run('nat.allow', input, ({ procedureId }) => {
      setD((x) => ({ ...x, source: '', port: '' }));
      onStarted(procedureId, `allow ${input.source} → ${input.publicIp ?? `all of ${input.firewall}`}`);
    });
  };
  const mine = addresses.filter((a) => a.firewall === d.firewall);
  return (
    <form className="panel side-form" onSubmit={submit} noValidate aria-labelledby="allow-heading">
      <h2 id="allow-heading">Allow a client source</h2>
      <p className="field-hint">A NAT with no allow-list is open to every source. Its first entry closes it to everyone not listed.</p>
      <div className="field">
        <label htmlFor="allow-firewall">Allow on firewall</label>
        <select id="allow-firewall" value={d.firewall} onChange={(e) => edit('firewall', e.target.value)}>
          <FirewallOptions firewalls={firewalls} />
        </select>
      </div>
      <div className="field">
        <label htmlFor="allow-public">Allowed to reach</label>
        <select id="allow-public" value={d.publicIp} onChange={(e) => edit('publicIp', e.target.value)} aria-describedby="allow-public-error">
          <option value="">Every public address of this firewall</option>
          {mine.map((a) => (
            <option key={a.publicIp} value={a.publicIp}>
              {a.publicIp}
            </option>
          ))}
        </select>
        <FieldError id="allow-public-error" message={errors.publicIp} />
      </div>
      <TextField id="allow-source" label="Source (IPv4 or CIDR)" {...field('source')} placeholder="198.51.100.0/24" mono />
      <TextField id="allow-port" label="Allowed port (optional)" {...field('port')} placeholder="443" hint="The public port clients connect to; empty: every port." mono />
      <div className="field">
        <label htmlFor="allow-proto">Allowed protocol</label>
        <select id="allow-proto" value={d.proto} onChange={(e) => edit('proto', e.target.value as AllowDraft['proto'])}>
          <option value="">any (tcp with a port)</option>
          <option value="tcp">tcp</option>
          <option value="udp">udp</option>
        </select>
      </div>
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Allow" busyLabel="Starting…" />
      </div>
    </form>
  );
}

interface ForwardDraft {
  firewall: string;
  publicIp: string;
  publicPort: string;
  privateIp: string;
  privatePort: string;
  proto: 'tcp' | 'udp';
}

function ForwardForm({ firewalls, onStarted }: { firewalls: FirewallView[]; onStarted(id: string, what: string): void }) {
  const form = useContractForm('Port forward was not started');
  const { draft: d, setDraft: setD, edit, field } = useFormDraft<ForwardDraft>({ firewall: firewalls[0]?.name ?? '', publicIp: '', publicPort: '', privateIp: '', privatePort: '', proto: 'tcp' }, { forms: [form] });
  if (d.firewall === '' && firewalls[0]) setD((x) => ({ ...x, firewall: firewalls[0]!.name }));
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    // Numbers go as typed: "" or "abc" becomes NaN, which the contract names as the field's error.
    const input: CommandInput<'nat.forward'> = { firewall: d.firewall, publicIp: d.publicIp, publicPort: Number(d.publicPort || NaN), privateIp: d.privateIp, privatePort: Number(d.privatePort || NaN), proto: d.proto };
    form.run('nat.forward', input, ({ procedureId }) => {
      setD((x) => ({ ...x, publicPort: '', privateIp: '', privatePort: '' }));
      onStarted(procedureId, `forward ${input.publicIp}:${input.publicPort} → ${input.privateIp}:${input.privatePort}`);
    });
  };
  return (
    <form className="panel side-form" onSubmit={submit} noValidate aria-labelledby="forward-heading">
      <h2 id="forward-heading">Add port forward</h2>
      <div className="field">
        <label htmlFor="forward-firewall">Forward on firewall</label>
        <select id="forward-firewall" value={d.firewall} onChange={(e) => edit('firewall', e.target.value)}>
          <FirewallOptions firewalls={firewalls} />
        </select>
      </div>
      <TextField id="forward-public-ip" label="Forward public IP" {...field('publicIp')} placeholder="203.0.113.1" hint="An address on the firewall (e.g. its own), not a 1:1 NAT's." mono />
      <TextField id="forward-public-port" label="Forward public port" {...field('publicPort')} placeholder="2222" mono />
      <TextField id="forward-private-ip" label="Forward to private IP" {...field('privateIp')} placeholder="10.0.0.5" mono />
      <TextField id="forward-private-port" label="Forward to private port" {...field('privatePort')} placeholder="22" mono />
      <div className="field">
        <label htmlFor="forward-proto">Forward protocol</label>
        <select id="forward-proto" value={d.proto} onChange={(e) => edit('proto', e.target.value as ForwardDraft['proto'])}>
          <option value="tcp">tcp</option>
          <option value="udp">udp</option>
        </select>
      </div>
      <div className="form-actions">
        <SubmitButton busy={form.busy} label="Add forward" busyLabel="Starting…" />
      </div>
    </form>
  );
}

/**
 * Per NAT (public address): who may reach it and the ports forwarded beside it; per firewall: its
 * drift against the records, with Repair. `refresh` changes when a NAT procedure moved.
 */
export function PolicyPanel({ firewalls, records, refresh, onStarted }: { firewalls: FirewallView[]; records: NatRecordView[]; refresh: number; onStarted(procedureId: string, what: string): void }) {
  const client = useClient();
  const store = useShellStore();
  const policy = useContractQuery('Could not read the firewall policy', (c) => c.invoke('nat.policy', {}), String(refresh));
  const reload = policy.reload;
  useEffect(() => client.on('nat.drift', () => reload()), [client, reload]);
  const { confirm, dialog } = useConfirmDestructive();

  const p = policy.data;
  const live = records.filter((r) => r.state !== 'removed');
  const addresses = [
    ...live.map((r) => ({ firewall: r.firewall, publicIp: r.publicIp, what: `1:1 NAT → ${r.privateIp}` })),
    ...(p?.forwards ?? []).filter((f) => !live.some((r) => r.publicIp === f.publicIp)).map((f) => ({ firewall: f.firewall, publicIp: f.publicIp, what: 'port forwards' })),
  ].filter((a, i, all) => all.findIndex((b) => b.publicIp === a.publicIp) === i);

  const follow = (call: Promise<{ procedureId: string }>, what: string): void => {
    call.then(
      ({ procedureId }) => onStarted(procedureId, what),
      (err: unknown) => store.getState().pushToast(errorToast(`Could not start ${what}`, err)),
    );
  };
  const removeAllow = (a: NatAllowView): void =>
    confirm(
      {
        title: `Remove ${a.source} from the allow-list?`,
        body: <p>{a.source} can no longer reach {a.publicIp ?? `the addresses of ${a.firewall}`}. When it is the last entry, the address is open to every source again.</p>,
        confirmLabel: 'Remove entry',
      },
      () =>
        follow(
          client.invoke('nat.disallow', { firewall: a.firewall, source: a.source, ...(a.publicIp ? { publicIp: a.publicIp } : {}), ...(a.port !== null ? { port: a.port } : {}), ...(a.proto ? { proto: a.proto } : {}) }),
          `disallow ${a.source}`,
        ),
    );
  const removeForward = (f: NatForwardView): void =>
    confirm(
      { title: `Remove forward ${f.publicIp}:${f.publicPort}?`, body: <p>Traffic to {f.publicIp}:{f.publicPort} no longer reaches {f.privateIp}:{f.privatePort}.</p>, confirmLabel: 'Remove forward' },
      () => follow(client.invoke('nat.unforward', { firewall: f.firewall, publicIp: f.publicIp, publicPort: f.publicPort, proto: f.proto }), `unforward ${f.publicIp}:${f.publicPort}`),
    );

  const AllowChips = ({ list }: { list: NatAllowView[] }) =>
    list.length === 0 ? (
      <span className="muted">open to every source</span>
    ) : (
      <ul className="inline-list">
        {list.map((a) => (
          <li key={a.id}>
            <span className="mono">{entryText(a)}</span>{' '}
            <button type="button" className="button button-small" aria-label={`Remove ${entryText(a)} from ${a.publicIp ?? a.firewall}`} onClick={() => removeAllow(a)}>
              Remove
            </button>
          </li>
        ))}
      </ul>
    );

  return (
    <section aria-labelledby="policy-heading" className="policy-panel">
      <h2 id="policy-heading">Allow-lists, port forwards and drift</h2>
      <div className="split-layout">
        <div className="split-main">
          {p && p.drift.map((s) => <DriftBox key={s.firewall} status={s} onStarted={onStarted} />)}
          {p && (
            <DataTable
              scroll
              className="data-table-compact"
              caption="Allow-lists and port forwards by public address"
              rows={[
                ...addresses.map((a): PolicyRow => ({ key: a.publicIp, heading: a.publicIp, mono: true, firewall: a.firewall, what: a.what, own: p.allows.filter((x) => x.publicIp === a.publicIp), wide: p.allows.filter((x) => x.publicIp === null && x.firewall === a.firewall), forwards: p.forwards.filter((f) => f.publicIp === a.publicIp) })),
                ...firewalls
                  .filter((fw) => p.allows.some((x) => x.publicIp === null && x.firewall === fw.name))
                  .map((fw): PolicyRow => ({ key: `wide-${fw.name}`, heading: 'every address', mono: false, firewall: fw.name, what: 'the whole firewall', own: p.allows.filter((x) => x.publicIp === null && x.firewall === fw.name), wide: [], forwards: null })),
              ]}
              rowKey={(r) => r.key}
              rowProps={(r) => (r.mono ? { 'data-testid': `policy-row-${r.heading}` } : {})}
              columns={[
                { id: 'public', label: 'Public IP', rowHeader: true, cell: (r) => (r.mono ? <span className="mono">{r.heading}</span> : r.heading), sortValue: (r) => r.heading },
                { id: 'firewall', label: 'Firewall', className: 'mono', cell: (r) => r.firewall, sortValue: (r) => r.firewall },
                { id: 'serves', label: 'Serves', cell: (r) => r.what },
                {
                  id: 'allowed',
                  label: 'Allowed sources',
                  cell: (r) => (
                    <>
                      <AllowChips list={r.own} />
                      {r.wide.length > 0 && <p className="small muted">and the whole firewall's: {r.wide.map(entryText).join(', ')}</p>}
                    </>
                  ),
                },
                {
                  id: 'forwards',
                  label: 'Port forwards',
                  cell: (r) =>
                    r.forwards === null || r.forwards.length === 0 ? (
                      '—'
                    ) : (
                      <ul className="inline-list">
                        {r.forwards.map((f) => (
                          <li key={f.id}>
                            <span className="mono">
                              {f.publicPort}/{f.proto} → {f.privateIp}:{f.privatePort}
                            </span>{' '}
                            <button type="button" className="button button-small" aria-label={`Remove forward ${f.publicIp}:${f.publicPort}`} onClick={() => removeForward(f)}>
                              Remove
                            </button>
                          </li>
                        ))}
                      </ul>
                    ),
                },
              ]}
            />
          )}
          {!p && policy.loading && <p className="muted">Loading the firewall policy…</p>}
        </div>
        {firewalls.length > 0 && (
          <div className="side-forms">
            <AllowForm firewalls={firewalls} addresses={addresses} onStarted={onStarted} />
            <ForwardForm firewalls={firewalls} onStarted={onStarted} />
          </div>
        )}
      </div>
      {dialog}
    </section>
  );
}
