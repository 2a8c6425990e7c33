import { useEffect, useId, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import { OutpostError, type CommandOutput, type TerminalInfo, type TerminalTarget } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { useCredentials } from '../../data/use-credentials';
import { NewCredentialForm } from '../credentials/NewCredentialForm';
import { emptyJumpHosts, JumpHostsField, jumpHopsOf, type JumpHostsValue } from '../fanout/JumpHostsField';
import '../fanout/fanout.css';
import { HostKeyPrompt, hostKeyQuestion, type HostKeyQuestion } from './HostKeyPrompt';
import { HostShortcuts } from './HostShortcuts';
import { rememberHost } from './recent-hosts';
import { VmTargetFields, type PickedVm } from './VmTargetFields';
import type { OpenPrefill } from './terminals-store';

type Mode = 'host' | 'vm' | 'winrm';
/**
 * Opens a terminal: a saved host over SSH (with a credential profile), an inventory VM by its
 * guest IP (PowerShell over WinRM for Windows guests), or a WinRM endpoint. An unknown host key
 * stops here with its fingerprint; the operator trusts it and the connection is retried.
 */
export function OpenTerminalDialog({ prefill, split, onOpened, onClose }: { prefill: OpenPrefill; split: boolean; onOpened(info: TerminalInfo): void; onClose(): void }) {
  const client = useClient();
  const id = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const [mode, setMode] = useState<Mode>(prefill.kind);
  const saved = prefill.kind === 'host' ? prefill : null;
  const [host, setHost] = useState(saved?.host ?? '');
  const [port, setPort] = useState(saved?.port !== undefined && saved.port !== 22 ? String(saved.port) : '');
  const [user, setUser] = useState(saved?.user ?? '');
  const [credential, setCredential] = useState(saved?.credential ?? '');
  const credentialList = useCredentials('Credential profiles');
  const credentials = credentialList.data;
  const [creating, setCreating] = useState(false);
  const [vm, setVm] = useState<PickedVm | null>(prefill.kind === 'vm' ? { site: prefill.site, moref: prefill.vm, name: prefill.name } : null);
  const [protocol, setProtocol] = useState<'auto' | 'ssh' | 'winrm'>(prefill.kind === 'vm' ? prefill.protocol : 'auto');
  const [url, setUrl] = useState('');
  const [auth, setAuth] = useState<'ntlm' | 'basic'>('ntlm');
  const [log, setLog] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ code: string; message: string } | null>(null);
  const [question, setQuestion] = useState<HostKeyQuestion | null>(null);
  const [configHosts, setConfigHosts] = useState<CommandOutput<'sshConfig.hosts'>>([]);
  const [jumps, setJumps] = useState<JumpHostsValue>(emptyJumpHosts);

  // The first profile until the operator picks one.
  useEffect(() => {
    if (credentials) setCredential((c) => c || credentials[0]?.name || '');
  }, [credentials]);

  useEffect(() => {
    // The operator's ~/.ssh/config, when there is one, offers its hosts as a shortcut; a failure leaves the shortcut out.
    client.invoke('sshConfig.hosts', {}).then(setConfigHosts, () => undefined);
  }, [client]);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    dialogRef.current?.querySelector<HTMLElement>('input, select')?.focus();
    return () => previous?.focus();
  }, []);

  const target = (): TerminalTarget | string => {
    if (!credential) return 'Choose a credential profile (or save a new one).';
    if (mode === 'host') {
      if (!host.trim()) return 'Give the host name or address.';
      const p = port.trim() ? Number(port) : 22;
      if (!Number.isInteger(p) || p < 1 || p > 65535) return 'The port is a number from 1 to 65535.';
      const chain = jumpHopsOf(jumps, credential);
      if ('error' in chain) return chain.error;
      return { type: 'ssh', host: host.trim(), port: p, credential, jumps: chain.hops, ...(user.trim() ? { user: user.trim() } : {}) };
    }
    if (mode === 'vm') {
      if (!vm) return 'Pick a VM.';
      const p = port.trim() ? Number(port) : undefined;
      if (p !== undefined && (!Number.isInteger(p) || p < 1 || p > 65535)) return 'The port is a number from 1 to 65535.';
      const chain = jumpHopsOf(jumps, credential);
      if ('error' in chain) return chain.error;
      return { type: 'vm', site: vm.site, vm: vm.moref, credential, protocol, jumps: chain.hops, ...(user.trim() ? { user: user.trim() } : {}), ...(p ? { port: p } : {}) };
    }
    if (!url.trim()) return 'Give the WinRM URL, e.g. http://10.0.0.5:5985/wsman.';
    return { type: 'winrm', url: url.trim(), credential, auth };
  };

  const connect = (): void => {
    const t = target();
    if (typeof t === 'string') {
      setError({ code: 'VALIDATION', message: t });
      return;
    }
    setBusy(true);
    setError(null);
    setQuestion(null);
    // The pane fits itself once it is drawn and sends the real size (terminal.resize).
    client.invoke('terminal.open', { target: t, cols: 100, rows: 30, log }).then(
      (info) => {
        setBusy(false);
        if (t.type === 'ssh') rememberHost({ host: t.host, port: t.port, user: t.user ?? null, credential: t.credential });
        onOpened(info);
      },
      (err: unknown) => {
        setBusy(false);
        const q = hostKeyQuestion(err);
        if (q) setQuestion(q);
        else setError(err instanceof OutpostError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String(err) });
      },
    );
  };

  const trustAndConnect = (): void => {
    if (!question) return;
    setBusy(true);
    client.invoke('knownHosts.trust', { host: question.host, port: question.port, fingerprint: question.fingerprint, ...(question.keyType ? { keyType: question.keyType } : {}) }).then(
      () => {
        setQuestion(null);
        connect();
      },
      (err: unknown) => {
        setBusy(false);
        setError(err instanceof OutpostError ? { code: err.code, message: err.message } : { code: 'INTERNAL', message: String(err) });
      },
    );
  };

  const onSubmit = (event: FormEvent): void => {
    event.preventDefault();
    if (question) trustAndConnect();
    else connect();
  };

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onClose();
    }
  };

  const noCredentials = credentials !== null && credentials.length === 0;
  return (
    <div className="dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onClose()}>
      <div ref={dialogRef} className="dialog terminal-open-dialog" role="dialog" aria-modal="true" aria-labelledby={`${id}-title`} onKeyDown={onKeyDown} data-testid="open-terminal-dialog">
        <h2 id={`${id}-title`}>{split ? 'Open a terminal beside this one' : 'Open a terminal'}</h2>
        <form onSubmit={onSubmit}>
          <div className="segmented" role="radiogroup" aria-label="Connect to">
            {(
              [
                ['host', 'Host (SSH)'],
                ['vm', 'Inventory VM'],
                ['winrm', 'WinRM PowerShell'],
              ] as const
            ).map(([m, label]) => (
              <label key={m} className={`segmented-option${mode === m ? ' segmented-option-on' : ''}`}>
                <input type="radio" name={`${id}-mode`} value={m} checked={mode === m} onChange={() => setMode(m)} /> {label}
              </label>
            ))}
          </div>
          {mode === 'host' && (
            <>
              <HostShortcuts
                id={id}
                configHosts={configHosts}
                onPick={(h) => {
                  setHost(h.host);
                  setPort(String(h.port));
                  setUser(h.user ?? '');
                  if (h.credential && credentials?.some((c) => c.name === h.credential)) setCredential(h.credential);
                  if (h.jumpText !== undefined) setJumps({ text: h.jumpText, credentials: [] });
                }}
              />
              <div className="terminal-host-row">
                <div className="field">
                  <label htmlFor={`${id}-host`}>Host</label>
                  <input id={`${id}-host`} className="mono" value={host} onChange={(e) => setHost(e.target.value)} placeholder="esxi-01.lab or 10.0.0.5" spellCheck={false} autoComplete="off" />
                </div>
                <div className="field terminal-port-field">
                  <label htmlFor={`${id}-port`}>Port</label>
                  <input id={`${id}-port`} className="mono" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} placeholder="22" />
                </div>
              </div>
              <JumpHostsField value={jumps} onChange={setJumps} credentials={credentials ?? []} single />
            </>
          )}
          {mode === 'vm' && (
            <>
              <VmTargetFields id={id} initialSite={prefill.kind === 'vm' ? prefill.site : ''} vm={vm} onPick={setVm} />
              {/* The VM is reached by its public (NAT) or private address as the site's setting says; SSH can go through jump hosts. */}
              <JumpHostsField value={jumps} onChange={setJumps} credentials={credentials ?? []} single />
              <div className="terminal-host-row">
                <div className="field">
                  <label htmlFor={`${id}-proto`}>Console</label>
                  <select id={`${id}-proto`} value={protocol} onChange={(e) => setProtocol(e.target.value as 'auto' | 'ssh' | 'winrm')}>
                    <option value="auto">Automatic (PowerShell over WinRM for Windows guests, SSH otherwise)</option>
                    <option value="ssh">SSH</option>
                    <option value="winrm">PowerShell over WinRM</option>
                  </select>
                </div>
                <div className="field terminal-port-field">
                  <label htmlFor={`${id}-port`}>Port</label>
                  <input id={`${id}-port`} className="mono" inputMode="numeric" value={port} onChange={(e) => setPort(e.target.value)} placeholder={protocol === 'winrm' ? '5985' : '22'} />
                </div>
              </div>
            </>
          )}
          {mode === 'winrm' && (
            <div className="terminal-host-row">
              <div className="field">
                <label htmlFor={`${id}-url`}>WinRM URL</label>
                <input id={`${id}-url`} className="mono" value={url} onChange={(e) => setUrl(e.target.value)} placeholder="http://10.0.0.5:5985/wsman" spellCheck={false} autoComplete="off" />
              </div>
              <div className="field">
                <label htmlFor={`${id}-auth`}>Authentication</label>
                <select id={`${id}-auth`} value={auth} onChange={(e) => setAuth(e.target.value as 'ntlm' | 'basic')}>
                  <option value="ntlm">NTLM</option>
                  <option value="basic">Basic</option>
                </select>
              </div>
            </div>
          )}
          {mode !== 'winrm' && (
            <div className="field">
              <label htmlFor={`${id}-user`}>User (optional)</label>
              <input id={`${id}-user`} value={user} onChange={(e) => setUser(e.target.value)} placeholder="the credential's user" spellCheck={false} autoComplete="off" />
            </div>
          )}
          {creating ? (
            <NewCredentialForm
              onSaved={(name) => {
                setCreating(false);
                setCredential(name);
                credentialList.reload();
              }}
              onCancel={() => setCreating(false)}
            />
          ) : (
            <div className="terminal-host-row">
              <div className="field">
                <label htmlFor={`${id}-cred`}>Credential profile</label>
                <select id={`${id}-cred`} value={credential} onChange={(e) => setCredential(e.target.value)} disabled={noCredentials}>
                  {noCredentials && <option value="">None saved yet</option>}
                  {(credentials ?? []).map((c) => (
                    <option key={c.name} value={c.name}>
                      {c.name} ({c.username ?? 'no user'}, {c.kind})
                    </option>
                  ))}
                </select>
              </div>
              <button type="button" className="button terminal-new-credential-button" onClick={() => setCreating(true)}>
                New credential…
              </button>
            </div>
          )}
          <label className="checkbox small">
            <input type="checkbox" checked={log} onChange={(e) => setLog(e.target.checked)} /> Write a session log file
          </label>
          {question && <HostKeyPrompt question={question} />}
          {error && (
            <p className="field-error terminal-open-error" role="alert" data-testid="open-terminal-error">
              <span className="badge badge-error">{error.code}</span> {error.message}
            </p>
          )}
          <div className="form-actions dialog-actions">
            <button type="button" className="button" onClick={onClose}>
              Cancel
            </button>
            <button type="submit" className="button button-primary" disabled={busy || creating}>
              {busy ? 'Connecting…' : question ? 'Trust and connect' : 'Connect'}
            </button>
          </div>
        </form>
      </div>
    </div>
  );
}
