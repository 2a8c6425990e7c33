import { useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { FanoutRow } from '../../../core/contract';
import { useClient } from '../../app/shell-context';
import { fanoutStore } from './fanout-store';
import { errorText, hostPortLabel } from './fanout-text';

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

/** Hosts whose key is not trusted yet: fingerprints to compare, then trust them and run those hosts again. */
export function UnknownKeys({ onTrusted }: { onTrusted(hosts: string[]): void }) {
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
