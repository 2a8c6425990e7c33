import { useId } from 'react';
import { parseJumpList, type CommandOutput, type SshHop } from '../../../core/contract';

type Credential = CommandOutput<'credentials.list'>[number];

/**
 * What the field holds: the typed chain and, per hop (by position, first hop first), the credential
 * profile it logs in with: '' = the targets' credential, null (or no entry) = the same as the hop before.
 */
export interface JumpHostsValue {
  text: string;
  credentials: (string | null)[];
}

export const emptyJumpHosts: JumpHostsValue = { text: '', credentials: [] };

/** The credential hop `index` logs in with as the field shows it ('' = the targets'): its own choice, else the previous hop's. */
export function hopCredential(credentials: readonly (string | null)[], index: number): string {
  for (let i = Math.min(index, credentials.length - 1); i >= 0; i--) {
    const c = credentials[i];
    if (c !== null && c !== undefined) return c;
  }
  return '';
}

/** The choices with hop `index` set to `credential` (hops after it that were left alone follow it). */
export function withHopCredential(credentials: readonly (string | null)[], index: number, credential: string): (string | null)[] {
  const next = Array.from({ length: Math.max(credentials.length, index + 1) }, (_, i) => credentials[i] ?? null);
  next[index] = credential;
  return next;
}

/** The typed chain as contract hops, each with its own credential profile, or the one error to show (an empty field is no jump host). */
export function jumpHopsOf(value: JumpHostsValue, targetCredential: string): { hops: SshHop[] } | { error: string } {
  const parsed = parseJumpList(value.text);
  if ('error' in parsed) return { error: `Jump host(s): ${parsed.error}` };
  return {
    hops: parsed.hops.map((h, i) => ({ host: h.host, port: h.port, credential: hopCredential(value.credentials, i) || targetCredential, ...(h.user ? { user: h.user } : {}) })),
  };
}

const hopLabel = (h: { user: string | null; host: string; port: number }): string => `${h.user ? `${h.user}@` : ''}${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`;

/**
 * "Jump host(s)": a chain as ssh -J takes it ([user@]host[:port], comma-separated, first hop first),
 * then one row per hop with the credential profile that hop logs in with (a hop left alone uses the
 * previous hop's choice; the first, the targets' credential). Checked as you type; each hop's host
 * key is checked like a target's.
 */
export function JumpHostsField({
  value,
  onChange,
  credentials,
  single = false,
}: {
  value: JumpHostsValue;
  onChange(next: JumpHostsValue): void;
  credentials: readonly Credential[];
  /** One target (the terminal dialog), not a fan-out job: the hints speak of "the host". */
  single?: boolean;
}) {
  const id = useId();
  const parsed = parseJumpList(value.text);
  const error = 'error' in parsed ? parsed.error : null;
  const hops = 'hops' in parsed ? parsed.hops : [];
  const count = hops.length;
  const targets = single ? 'the host' : 'the targets';
  return (
    <div className="fanout-jumps" data-testid="jump-hosts-field">
      <div className="field">
        <label htmlFor={`${id}-jumps`}>Jump host(s)</label>
        <input
          id={`${id}-jumps`}
          className="mono"
          value={value.text}
          placeholder="ops@bastion.example:22, inner-jump"
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error !== null}
          aria-describedby={`${id}-jumps-hint`}
          onChange={(e) => onChange({ ...value, text: e.target.value })}
        />
        <p id={`${id}-jumps-hint`} className={error ? 'field-error' : 'field-hint'} data-testid="jump-hosts-hint">
          {error ??
            (count === 0
              ? `Optional: [user@]host[:port], comma-separated, first hop first (as ssh -J). Empty: ${single ? 'the host is' : 'each host is'} reached directly.`
              : single
                ? `The host is reached through ${count === 1 ? 'this jump host' : `these ${count} jump hosts`}; each one's host key is checked.`
                : `Every target goes through ${count === 1 ? 'this jump host' : `these ${count} jump hosts`}, one shared connection per chain.`)}
        </p>
      </div>
      {count > 0 && (
        <fieldset className="field fanout-jump-hops" data-testid="jump-hops" aria-describedby={`${id}-hops-hint`}>
          <legend>Jump host credentials</legend>
          <ol>
            {hops.map((h, i) => {
              const chosen = hopCredential(value.credentials, i);
              return (
                <li key={i} className="fanout-jump-hop" data-testid="jump-hop">
                  <label htmlFor={`${id}-hop-${i}`}>Credential for hop {i + 1}</label>
                  <span id={`${id}-hop-${i}-addr`} className="mono" data-testid="jump-hop-address">
                    {hopLabel(h)}
                  </span>
                  <select id={`${id}-hop-${i}`} value={chosen} aria-describedby={`${id}-hop-${i}-addr`} onChange={(e) => onChange({ ...value, credentials: withHopCredential(value.credentials, i, e.target.value) })}>
                    <option value="">Same as {targets}</option>
                    {credentials.map((c) => (
                      <option key={c.name} value={c.name}>
                        {c.name} ({c.username ?? 'no user'}, {c.kind === 'password' ? 'password' : 'key'})
                      </option>
                    ))}
                    {chosen && !credentials.some((c) => c.name === chosen) && <option value={chosen}>{chosen} (not found)</option>}
                  </select>
                </li>
              );
            })}
          </ol>
          <p id={`${id}-hops-hint`} className="field-hint">
            {count === 1 ? `The jump host logs in with this profile (its user unless the chain names one).` : `Each hop logs in with its own profile (its user unless the chain names one); a hop you leave alone uses the one before it.`}
          </p>
        </fieldset>
      )}
    </div>
  );
}
