import { Fragment, useEffect, useId, useMemo, useState, type FormEvent, type ReactNode } from 'react';
import { useStore } from 'zustand';
import { OutpostError, type CommandOutput, type FanoutRow } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { NewCredentialForm } from '../credentials/NewCredentialForm';
import { terminalsStore } from '../terminals/terminals-store';
import { useHashSubPath } from '../use-hash-sub-path';
import { fanoutStore, type SortKey } from './fanout-store';
import { firstLine, formatDuration, parseTargets, rowFailed, sortRows } from './fanout-rows';
import { JumpHostsField, jumpHopsOf } from './JumpHostsField';
import './fanout.css';

type Credential = CommandOutput<'credentials.list'>[number];
type Vm = CommandOutput<'vms.list'>[number];
type ConfigHost = CommandOutput<'sshConfig.hosts'>[number];
interface UnknownKey {
  host: string;
  port: number;
  fingerprint: string;
  keyType: string | null;
  /** The rows (host labels) this key stopped: one for a target's own key, every host behind a jump host for its key. */
  rows: string[];
  /** The key is a jump host's, not the target's. */
  jump: boolean;
}

const SUB_PATH = 'fanout';

/** Unknown keys of a job, one entry per host key (a jump host's key once, with every row behind it). */
function unknownKeysOf(rows: readonly FanoutRow[]): UnknownKey[] {
  const keys = new Map<string, UnknownKey>();
  for (const row of rows) {
    if (row.error?.code !== 'HOST_KEY_UNKNOWN') continue;
    const d = row.error.details as Partial<UnknownKey> | undefined;
    if (!d || typeof d.host !== 'string' || typeof d.port !== 'number' || typeof d.fingerprint !== 'string') continue;
    const id = `${d.host}:${d.port} ${d.fingerprint}`;
    const known = keys.get(id);
    if (known) known.rows.push(row.host);
    else keys.set(id, { host: d.host, port: d.port, fingerprint: d.fingerprint, keyType: typeof d.keyType === 'string' ? d.keyType : null, rows: [row.host], jump: row.jump !== null && row.error.message.startsWith('Jump host') });
  }
  return [...keys.values()];
}

const keyId = (k: UnknownKey): string => `${k.host}:${k.port} ${k.fingerprint}`;
const hostPortLabel = (host: string, port: number): string => `${host.includes(':') ? `[${host}]` : host}:${port}`;

const errorText = (err: unknown): string => (err instanceof OutpostError ? `${err.code}: ${err.message}` : String(err));

/** The Terminals page header's toggle between terminals and "Run on many hosts" (#/terminals/fanout). */
export function FanoutToggle() {
  const open = useHashSubPath('terminals') === SUB_PATH;
  return (
    <button
      type="button"
      className={`button${open ? ' button-on' : ''}`}
      aria-pressed={open}
      data-testid="fanout-toggle"
      title="Run one command on many hosts and watch the results arrive"
      onClick={() => {
        window.location.hash = open ? hashForView('terminals') : hashForView('terminals', SUB_PATH);
      }}
    >
      Run on many hosts
    </button>
  );
}

/** Shown in place of the terminals while #/terminals/fanout is open (the terminals stay connected underneath). */
export function FanoutSection() {
  const open = useHashSubPath('terminals') === SUB_PATH;
  const openRequest = useStore(terminalsStore, (s) => s.openRequest);
  // Opening a terminal (New terminal, Split, or from Inventory) goes back to the terminals.
  useEffect(() => {
    if (openRequest && open) window.location.hash = hashForView('terminals');
  }, [openRequest, open]);
  if (!open) return null;
  return (
    <div className="fanout-open">
      <FanoutPanel />
    </div>
  );
}

/** Targets from the inventory: search a site's VMs and add them (they are reached at their guest IP). */
function VmPicker() {
  const client = useClient();
  const id = useId();
  const picked = useStore(fanoutStore, (s) => s.vms);
  const [sites, setSites] = useState<string[]>([]);
  const [site, setSite] = useState('');
  const [query, setQuery] = useState('');
  const [found, setFound] = useState<Vm[]>([]);

  useEffect(() => {
    client.invoke('sites.list', {}).then(
      (list) => {
        setSites(list.map((s) => s.name));
        setSite((s) => s || list[0]?.name || '');
      },
      () => undefined,
    );
  }, [client]);

  useEffect(() => {
    if (!site) return;
    let live = true;
    const timer = setTimeout(() => {
      client.invoke('vms.list', { site, ...(query.trim() ? { query: query.trim() } : {}), limit: 50 }).then(
        (list) => live && setFound(list),
        () => live && setFound([]),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [client, site, query]);

  const add = (vms: Vm[]): void => {
    const s = fanoutStore.getState();
    const have = new Set(s.vms.map((v) => `${v.site}/${v.vm}`));
    s.set({ vms: [...s.vms, ...vms.filter((v) => !have.has(`${v.site}/${v.moref}`)).map((v) => ({ site: v.site, vm: v.moref, name: v.name, address: v.ipAddress }))] });
  };

  if (sites.length === 0) return <p className="muted small">No vCenter site yet: add one in Inventory to pick VMs here.</p>;
  return (
    <div className="fanout-vm-picker" data-testid="fanout-vm-picker">
      <div className="inline-field">
        <label htmlFor={`${id}-site`}>Site</label>
        <select id={`${id}-site`} value={site} onChange={(e) => setSite(e.target.value)}>
          {sites.map((s) => (
            <option key={s}>{s}</option>
          ))}
        </select>
        <label htmlFor={`${id}-q`} className="visually-hidden">
          Search VMs
        </label>
        <input id={`${id}-q`} type="search" placeholder="Search VMs by name, IP, guest OS" value={query} onChange={(e) => setQuery(e.target.value)} />
        <button type="button" className="button button-small" disabled={found.length === 0} onClick={() => add(found)}>
          Add all {found.length}
        </button>
      </div>
      <ul className="fanout-vm-list" aria-label="Matching VMs">
        {found.map((v) => {
          const already = picked.some((p) => p.site === v.site && p.vm === v.moref);
          return (
            <li key={v.moref}>
              <span className="mono">{v.name}</span> <span className="muted small">{v.ipAddress ?? 'no guest IP'}</span>
              <button type="button" className="button button-small" disabled={already} onClick={() => add([v])} aria-label={`Add ${v.name}`}>
                {already ? 'Added' : 'Add'}
              </button>
            </li>
          );
        })}
      </ul>
    </div>
  );
}

/** Hosts of the operator's ~/.ssh/config, offered as targets (HostName:Port). */
function SshConfigImport({ onClose }: { onClose(): void }) {
  const client = useClient();
  const [hosts, setHosts] = useState<ConfigHost[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  useEffect(() => {
    client.invoke('sshConfig.hosts', {}).then(
      (list) => {
        setHosts(list);
        setChosen(list.map((h) => h.alias));
      },
      (err: unknown) => setError(errorText(err)),
    );
  }, [client]);
  const add = (): void => {
    const s = fanoutStore.getState();
    const have = new Set(s.configHosts.map((c) => c.alias));
    const picked = (hosts ?? []).filter((h) => chosen.includes(h.alias) && !have.has(h.alias));
    s.set({ configHosts: [...s.configHosts, ...picked.map((h) => ({ alias: h.alias, address: `${h.user ? `${h.user}@` : ''}${hostPortLabel(h.hostName, h.port)}`, proxyJump: h.proxyJump }))] });
    onClose();
  };
  return (
    <fieldset className="fanout-ssh-config" data-testid="fanout-ssh-config">
      <legend>Hosts from ~/.ssh/config</legend>
      <p className="muted small">Each is reached as ssh would: HostName, Port, User and its ProxyJump chain (jump hosts resolved through the same file), after any jump host(s) set below; every hop logs in with the job&apos;s credential.</p>
      {error && <p className="field-error">{error}</p>}
      {hosts && hosts.length === 0 && <p className="muted small">Your ~/.ssh/config names no hosts (wildcard entries are skipped).</p>}
      {hosts && hosts.length > 0 && (
        <ul className="fanout-vm-list">
          {hosts.map((h) => (
            <li key={h.alias}>
              <label className="checkbox-field">
                <input type="checkbox" checked={chosen.includes(h.alias)} onChange={(e) => setChosen((c) => (e.target.checked ? [...c, h.alias] : c.filter((a) => a !== h.alias)))} />
                <span className="mono">{h.alias}</span>
                <span className="muted small">
                  {h.user ? `${h.user}@` : ''}
                  {h.hostName}:{h.port}
                  {h.proxyJump.length > 0 ? ` via ${h.proxyJump.join(', ')} (its ProxyJump)` : ''}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      <div className="form-actions">
        <button type="button" className="button" onClick={onClose}>
          Close
        </button>
        <button type="button" className="button button-primary" disabled={chosen.length === 0} onClick={add}>
          Add {chosen.length} hosts
        </button>
      </div>
    </fieldset>
  );
}

/** One target in the form's chip list (a VM, a ~/.ssh/config host): its name, a detail, and a remove button. */
function RemovableChip({ name, children, onRemove }: { name: string; children: ReactNode; onRemove(): void }) {
  return (
    <li className="fanout-chip">
      <span className="mono">{name}</span> <span className="muted small">{children}</span>
      <button type="button" className="fanout-chip-remove" aria-label={`Remove ${name}`} onClick={onRemove}>
        ×
      </button>
    </li>
  );
}

function SortHeader({ label, sortKey }: { label: string; sortKey: SortKey }) {
  const sort = useStore(fanoutStore, (s) => s.sort);
  const active = sort.key === sortKey;
  return (
    <th scope="col" aria-sort={active ? (sort.descending ? 'descending' : 'ascending') : 'none'}>
      <button type="button" className="fanout-sort" onClick={() => fanoutStore.getState().sortBy(sortKey)}>
        {label}
        <span aria-hidden="true">{active ? (sort.descending ? ' ▼' : ' ▲') : ''}</span>
      </button>
    </th>
  );
}

function statusOf(r: FanoutRow): { text: string; className: string } {
  if (r.state === 'pending') return { text: 'pending', className: 'badge' };
  if (r.state === 'running') return { text: 'running', className: 'badge badge-running' };
  if (r.state === 'cancelled') return { text: 'cancelled', className: 'badge badge-cancelled' };
  if (r.error) return { text: r.error.code, className: 'badge badge-failed' };
  if (r.exitCode === 0) return { text: 'ok', className: 'badge badge-succeeded' };
  return { text: r.exitCode === null ? 'signal' : 'exit ≠ 0', className: 'badge badge-failed' };
}

function ResultsTable() {
  const job = useStore(fanoutStore, (s) => s.job);
  const sort = useStore(fanoutStore, (s) => s.sort);
  const failedOnly = useStore(fanoutStore, (s) => s.failedOnly);
  const expanded = useStore(fanoutStore, (s) => s.expanded);
  const rows = useMemo(() => {
    const all = job?.rows ?? [];
    return sortRows(failedOnly ? all.filter(rowFailed) : all, sort.key, sort.descending);
  }, [job, sort, failedOnly]);
  if (!job) return null;
  if (rows.length === 0) return <p className="muted">{failedOnly ? 'No host has failed (so far).' : 'No hosts.'}</p>;
  return (
    <div className="table-scroll">
      <table className="data-table data-table-compact fanout-table" data-testid="fanout-results">
        <caption className="visually-hidden">Results per host; select a row to see its first lines of output</caption>
        <thead>
          <tr>
            <SortHeader label="Host" sortKey="host" />
            <th scope="col">Status</th>
            <SortHeader label="Exit" sortKey="exit" />
            <SortHeader label="Duration" sortKey="duration" />
            <th scope="col">Output (first line)</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const status = statusOf(r);
            const open = expanded.includes(r.index);
            const summary = r.error ? r.error.message : firstLine(r.stdoutHead) || firstLine(r.stderrHead);
            return (
              <Fragment key={r.index}>
                <tr
                  className={`fanout-row${rowFailed(r) ? ' fanout-row-failed' : ''}`}
                  data-testid="fanout-row"
                  data-host={r.host}
                  onClick={() => fanoutStore.getState().toggleExpanded(r.index)}
                >
                  <th scope="row" className="row-heading mono">
                    {/* The row opens on a click anywhere; for the keyboard (and the accessibility tree, where a table row cannot be expanded) the host is the toggle. */}
                    <button
                      type="button"
                      className="fanout-row-toggle"
                      aria-expanded={open}
                      onClick={(e) => {
                        e.stopPropagation();
                        fanoutStore.getState().toggleExpanded(r.index);
                      }}
                    >
                      {r.host}
                    </button>
                    {r.vm && r.vm !== r.host && <span className="muted small"> {r.vm}</span>}
                    {r.jump && (
                      <span className="muted small fanout-via" data-testid="fanout-jump">
                        {' '}
                        via {r.jump}
                      </span>
                    )}
                  </th>
                  <td>
                    <span className={status.className} data-testid="fanout-status">
                      {status.text}
                    </span>
                  </td>
                  <td className="numeric mono" data-testid="fanout-exit">
                    {r.exitCode ?? '—'}
                  </td>
                  <td className="numeric">{formatDuration(r.durationMs)}</td>
                  <td className={`mono fanout-first-line${r.error || (!r.stdoutHead && r.stderrHead) ? ' fanout-stderr' : ''}`}>{summary}</td>
                </tr>
                {open && (
                  <tr className="fanout-detail" data-testid="fanout-detail">
                    <td colSpan={5}>
                      {r.error && (
                        <p className="field-error">
                          <strong>{r.error.code}</strong>: {r.error.message}
                        </p>
                      )}
                      <div className="fanout-streams">
                        <div>
                          <h4>stdout</h4>
                          <pre className="mono">{r.stdoutHead || <span className="muted">(nothing)</span>}</pre>
                        </div>
                        <div>
                          <h4>stderr</h4>
                          <pre className="mono">{r.stderrHead || <span className="muted">(nothing)</span>}</pre>
                        </div>
                      </div>
                      {r.truncated && <p className="muted small">Only the first lines are kept; the command printed more.</p>}
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/** Hosts whose key is not trusted yet: fingerprints to compare, then trust them and run those hosts again. */
function UnknownKeys({ onTrusted }: { onTrusted(hosts: string[]): void }) {
  const client = useClient();
  const job = useStore(fanoutStore, (s) => s.job);
  const keys = useMemo(() => unknownKeysOf(job?.rows ?? []), [job]);
  const [chosen, setChosen] = useState<string[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!job || keys.length === 0) return null;
  const selected = chosen ?? keys.map(keyId);
  const selectedKeys = keys.filter((k) => selected.includes(keyId(k)));
  const hostsToRerun = [...new Set(selectedKeys.flatMap((k) => k.rows))];
  const trust = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      for (const k of selectedKeys) {
        await client.invoke('knownHosts.trust', { host: k.host, port: k.port, fingerprint: k.fingerprint, ...(k.keyType ? { keyType: k.keyType } : {}) });
      }
      setChosen(null);
      onTrusted(hostsToRerun);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="panel fanout-unknown-keys" data-testid="fanout-unknown-keys" aria-labelledby="fanout-unknown-heading">
      <h2 id="fanout-unknown-heading">
        {keys.length} host {keys.length === 1 ? 'key is' : 'keys are'} not known
      </h2>
      <p className="small">
        Nothing was sent to these hosts (or through these jump hosts). Compare each fingerprint with the one the host&apos;s owner reads with <code>ssh-keygen -lf</code> on the host before you trust it.
      </p>
      <ul className="fanout-key-list">
        {keys.map((k) => (
          <li key={keyId(k)}>
            <label className="checkbox-field">
              <input
                type="checkbox"
                checked={selected.includes(keyId(k))}
                disabled={job.state === 'running'}
                onChange={(e) => setChosen(e.target.checked ? [...selected, keyId(k)] : selected.filter((h) => h !== keyId(k)))}
              />
              <span className="mono">{k.jump ? hostPortLabel(k.host, k.port) : k.rows[0]}</span>
              {k.jump && (
                <span className="badge" data-testid="fanout-jump-key">
                  jump host of {k.rows.length} {k.rows.length === 1 ? 'host' : 'hosts'}
                </span>
              )}
              <span className="mono fingerprint" data-testid="fanout-fingerprint">
                {k.keyType ? `${k.keyType} ` : ''}
                {k.fingerprint}
              </span>
            </label>
          </li>
        ))}
      </ul>
      {error && <p className="field-error">{error}</p>}
      <button type="button" className="button button-primary" disabled={busy || job.state === 'running' || hostsToRerun.length === 0} onClick={() => void trust()}>
        {busy ? 'Trusting…' : `Trust and re-run ${hostsToRerun.length === 1 ? 'this host' : `these ${hostsToRerun.length} hosts`}`}
      </button>
    </section>
  );
}

/**
 * "Run on many hosts": one command over SSH on a pasted list, inventory VMs or ~/.ssh/config
 * hosts, with bounded concurrency. Rows fill in as hosts finish (`fanout.result`); a page opened
 * late reads the job with `fanout.get`.
 */
export function FanoutPanel() {
  const client = useClient();
  const shell = useShellStore();
  const connected = useShell((s) => s.connection.phase === 'connected');
  const id = useId();
  const f = useStore(fanoutStore);
  const [credentials, setCredentials] = useState<Credential[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [picking, setPicking] = useState<'vms' | 'ssh-config' | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const parsed = useMemo(() => parseTargets(f.hostsText), [f.hostsText]);
  const targetCount = parsed.hosts.length + f.vms.length + f.configHosts.length;

  const loadCredentials = (select?: string): void => {
    client.invoke('credentials.list', {}).then(
      (list) => {
        setCredentials(list);
        const s = fanoutStore.getState();
        if (select) s.set({ credential: select });
        else if (!s.credential || !list.some((c) => c.name === s.credential)) s.set({ credential: list.find((c) => c.kind !== 'vcenter')?.name ?? '' });
      },
      (err: unknown) => shell.getState().pushToast(errorToast('Credential profiles', err)),
    );
  };

  // On (re)connection: credential profiles, and the job on screen (or the latest one) as it is now.
  useEffect(() => {
    if (!connected) return;
    loadCredentials();
    const current = fanoutStore.getState().job;
    const read = current ? Promise.resolve(current.id) : client.invoke('fanout.list', {}).then((list) => list[0]?.id ?? null);
    read
      .then((jobId) => (jobId ? client.invoke('fanout.get', { jobId }) : null))
      .then(
        (job) => job && fanoutStore.getState().set({ job }),
        (err: unknown) => {
          if (err instanceof OutpostError && err.code === 'NOT_FOUND') fanoutStore.getState().set({ job: null });
          else shell.getState().pushToast(errorToast('Fan-out', err));
        },
      );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, connected]);

  useEffect(() => {
    const offResult = client.on('fanout.result', (e) => fanoutStore.getState().applyResult(e));
    const offDone = client.on('fanout.done', (e) => {
      fanoutStore.getState().applyDone(e);
      if (fanoutStore.getState().job?.id === e.jobId) {
        client.invoke('fanout.get', { jobId: e.jobId }).then(
          (job) => fanoutStore.getState().job?.id === job.id && fanoutStore.getState().set({ job }),
          () => undefined,
        );
      }
    });
    return () => {
      offResult();
      offDone();
    };
  }, [client]);

  const run = (event: FormEvent): void => {
    event.preventDefault();
    setFormError(null);
    if (parsed.invalid.length > 0) return setFormError(`Line ${parsed.invalid[0]!.line}: "${parsed.invalid[0]!.text}" is not host, host:port or [IPv6]:port.`);
    if (parsed.hosts.length + f.vms.length + f.configHosts.length === 0) return setFormError('Give at least one host (paste a list, add VMs or import from ~/.ssh/config).');
    if (!f.credential) return setFormError('Choose a credential profile (or save a new one).');
    const jumps = jumpHopsOf({ text: f.jumpsText, credentials: f.jumpCredentials }, f.credential);
    if ('error' in jumps) return setFormError(jumps.error);
    const concurrency = Number(f.concurrency);
    if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 200) return setFormError('Concurrency is a whole number from 1 to 200.');
    const timeout = Number(f.timeoutSeconds);
    if (!Number.isFinite(timeout) || timeout < 1 || timeout > 86_400) return setFormError('The timeout per host is 1 to 86400 seconds.');
    const vmPort = Number(f.vmPort);
    if (f.vms.length > 0 && (!Number.isInteger(vmPort) || vmPort < 1 || vmPort > 65535)) return setFormError('The SSH port on the VMs is a number from 1 to 65535.');
    if (!f.command.trim()) return setFormError('Give the command to run.');
    setStarting(true);
    client
      .invoke('fanout.start', {
        hosts: parsed.hosts,
        vms: f.vms.map((v) => ({ site: v.site, vm: v.vm, port: vmPort })),
        ...(f.configHosts.length ? { sshConfigHosts: f.configHosts.map((c) => c.alias) } : {}),
        credential: f.credential,
        ...(jumps.hops.length ? { jumps: jumps.hops } : {}),
        ...(f.user.trim() ? { user: f.user.trim() } : {}),
        command: f.command,
        concurrency,
        timeoutMs: Math.round(timeout * 1000),
      })
      .then(
        (job) => {
          setStarting(false);
          fanoutStore.getState().set({ job, expanded: [] });
          // Results that raced the answer are in this snapshot.
          return client.invoke('fanout.get', { jobId: job.id }).then((now) => fanoutStore.getState().job?.id === now.id && fanoutStore.getState().set({ job: now }));
        },
        (err: unknown) => {
          setStarting(false);
          setFormError(errorText(err));
        },
      )
      .catch(() => undefined);
  };

  const cancel = (): void => {
    if (!f.job) return;
    client.invoke('fanout.cancel', { jobId: f.job.id }).catch((err: unknown) => shell.getState().pushToast(errorToast('Cancel fan-out', err)));
  };

  const rerun = (hosts: string[]): void => {
    if (!f.job) return;
    client
      .invoke('fanout.rerun', { jobId: f.job.id, hosts })
      .then((job) => {
        fanoutStore.getState().set({ job });
        // Results that raced the answer are in this snapshot.
        return client.invoke('fanout.get', { jobId: job.id }).then((now) => fanoutStore.getState().job?.id === now.id && fanoutStore.getState().set({ job: now }));
      })
      .catch((err: unknown) => shell.getState().pushToast(errorToast('Re-run', err)));
  };

  const job = f.job;
  const t = job?.totals;
  const sshCredentials = (credentials ?? []).filter((c) => c.kind !== 'vcenter');

  return (
    <div className="fanout" data-testid="fanout-panel">
      <form className="panel fanout-form" onSubmit={run} noValidate aria-labelledby={`${id}-heading`}>
        <h2 id={`${id}-heading`}>Run on many hosts</h2>
        <div className="field">
          <label htmlFor={`${id}-hosts`}>Hosts</label>
          <textarea
            id={`${id}-hosts`}
            className="mono"
            rows={5}
            spellCheck={false}
            placeholder={'10.0.0.11\n10.0.0.12:2222\nesx-03.lab.example'}
            value={f.hostsText}
            onChange={(e) => fanoutStore.getState().set({ hostsText: e.target.value })}
            aria-describedby={`${id}-hosts-hint`}
          />
          <p id={`${id}-hosts-hint`} className="field-hint">
            One host[:port] per line ([IPv6]:port with a port); # starts a comment.{' '}
            <span data-testid="fanout-target-count">
              {targetCount} {targetCount === 1 ? 'target' : 'targets'}
            </span>
            {parsed.invalid.length > 0 && <span className="field-error"> · {parsed.invalid.length} not understood (line {parsed.invalid[0]!.line})</span>}
          </p>
          <div className="fanout-target-sources">
            <button type="button" className="button button-small" aria-pressed={picking === 'vms'} onClick={() => setPicking(picking === 'vms' ? null : 'vms')}>
              Add VMs from inventory…
            </button>
            <button type="button" className="button button-small" aria-pressed={picking === 'ssh-config'} onClick={() => setPicking(picking === 'ssh-config' ? null : 'ssh-config')}>
              Import ~/.ssh/config hosts…
            </button>
          </div>
        </div>
        {picking === 'vms' && <VmPicker />}
        {picking === 'ssh-config' && <SshConfigImport onClose={() => setPicking(null)} />}
        {f.vms.length > 0 && (
          <div className="inline-field fanout-vm-port">
            <label htmlFor={`${id}-vmport`}>SSH port on the VMs</label>
            <input id={`${id}-vmport`} type="number" min={1} max={65535} value={f.vmPort} onChange={(e) => fanoutStore.getState().set({ vmPort: e.target.value })} />
            <span className="muted small">each VM is reached at its guest IP</span>
          </div>
        )}
        {f.vms.length > 0 && (
          <ul className="fanout-chips" aria-label="VMs to run on">
            {f.vms.map((v) => (
              <RemovableChip key={`${v.site}/${v.vm}`} name={v.name} onRemove={() => fanoutStore.getState().set({ vms: fanoutStore.getState().vms.filter((x) => x !== v) })}>
                {v.address ?? 'no guest IP'}
              </RemovableChip>
            ))}
          </ul>
        )}
        {f.configHosts.length > 0 && (
          <ul className="fanout-chips" aria-label="~/.ssh/config hosts to run on" data-testid="fanout-config-hosts">
            {f.configHosts.map((c) => (
              <RemovableChip key={c.alias} name={c.alias} onRemove={() => fanoutStore.getState().set({ configHosts: fanoutStore.getState().configHosts.filter((x) => x !== c) })}>
                {c.address}
                {c.proxyJump.length > 0 && ` via ${c.proxyJump.join(', ')}`}
              </RemovableChip>
            ))}
          </ul>
        )}
        <JumpHostsField
          value={{ text: f.jumpsText, credentials: f.jumpCredentials }}
          credentials={sshCredentials}
          onChange={(v) => fanoutStore.getState().set({ jumpsText: v.text, jumpCredentials: v.credentials })}
        />
        <div className="fanout-form-row">
          <div className="field">
            <label htmlFor={`${id}-cred`}>Credential profile</label>
            <select id={`${id}-cred`} value={f.credential} onChange={(e) => fanoutStore.getState().set({ credential: e.target.value })}>
              {sshCredentials.length === 0 && <option value="">No profile yet</option>}
              {sshCredentials.map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name} ({c.username ?? 'no user'}, {c.kind === 'password' ? 'password' : 'key'})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${id}-user`}>User (optional)</label>
            <input id={`${id}-user`} value={f.user} onChange={(e) => fanoutStore.getState().set({ user: e.target.value })} placeholder="the profile's" spellCheck={false} autoComplete="off" />
          </div>
          <div className="field fanout-narrow">
            <label htmlFor={`${id}-conc`}>Concurrency</label>
            <input id={`${id}-conc`} type="number" min={1} max={200} value={f.concurrency} onChange={(e) => fanoutStore.getState().set({ concurrency: e.target.value })} />
          </div>
          <div className="field fanout-narrow">
            <label htmlFor={`${id}-timeout`} title="Per host, for the command (connecting has its own limit of up to 15 s)">
              Timeout (s)
            </label>
            <input id={`${id}-timeout`} type="number" min={1} max={86400} value={f.timeoutSeconds} onChange={(e) => fanoutStore.getState().set({ timeoutSeconds: e.target.value })} />
          </div>
        </div>
        {!creating ? (
          <p className="fanout-new-credential">
            <button type="button" className="button button-small" onClick={() => setCreating(true)}>
              New credential…
            </button>
          </p>
        ) : (
          <NewCredentialForm
            onCancel={() => setCreating(false)}
            onSaved={(name) => {
              setCreating(false);
              loadCredentials(name);
            }}
          />
        )}
        <div className="field">
          <label htmlFor={`${id}-cmd`}>Command</label>
          <textarea
            id={`${id}-cmd`}
            className="mono"
            rows={2}
            spellCheck={false}
            placeholder="uptime"
            value={f.command}
            onChange={(e) => fanoutStore.getState().set({ command: e.target.value })}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
                e.preventDefault();
                e.currentTarget.form?.requestSubmit();
              }
            }}
          />
          <p className="field-hint">Run by each host&apos;s login shell, as over ssh. Ctrl+Enter runs it. Host keys must be known; unknown ones are listed for you to check.</p>
        </div>
        {formError && (
          <p className="field-error" role="alert" data-testid="fanout-form-error">
            {formError}
          </p>
        )}
        <div className="form-actions">
          <button type="submit" className="button button-primary" disabled={starting || job?.state === 'running'}>
            {starting ? 'Starting…' : 'Run'}
          </button>
        </div>
      </form>

      <section className="fanout-results" aria-labelledby={`${id}-results`}>
        <div className="panel-heading-row">
          <h2 id={`${id}-results`}>Results</h2>
          {job && (
            <div className="toolbar fanout-toolbar">
              <label className="checkbox-field">
                <input type="checkbox" checked={f.failedOnly} onChange={(e) => fanoutStore.getState().set({ failedOnly: e.target.checked })} />
                Failed only
              </label>
              {job.state === 'running' && (
                <button type="button" className="button button-danger" onClick={cancel} data-testid="fanout-cancel">
                  Cancel
                </button>
              )}
            </div>
          )}
        </div>
        {!job ? (
          <p className="muted">No run yet. Results appear here host by host as they finish.</p>
        ) : (
          <>
            <p className="fanout-job-line small">
              <code className="mono">{job.command.length > 120 ? `${job.command.slice(0, 120)}…` : job.command}</code> as <strong>{job.credential}</strong> · concurrency {job.concurrency} ·{' '}
              {job.state === 'running' ? 'running' : job.state === 'cancelled' ? 'cancelled' : 'finished'}
            </p>
            {t && (
              <div className="fanout-summary" data-testid="fanout-summary" aria-live="polite">
                <span>
                  <strong>{t.total - t.pending - t.running}</strong>/{t.total} done
                </span>
                <span className="badge badge-succeeded">{t.ok} ok</span>
                <span className={`badge${t.failed ? ' badge-failed' : ''}`}>{t.failed} failed</span>
                {t.running > 0 && <span className="badge badge-running">{t.running} running</span>}
                {t.cancelled > 0 && <span className="badge badge-cancelled">{t.cancelled} cancelled</span>}
                <progress max={t.total} value={t.total - t.pending - t.running} aria-label="Hosts finished" />
              </div>
            )}
            <UnknownKeys onTrusted={rerun} />
            <ResultsTable />
          </>
        )}
      </section>
    </div>
  );
}
