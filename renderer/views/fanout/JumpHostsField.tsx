import { useId } from 'react';
import { parseJumpList, type CommandOutput, type SshHop } from '../../../core/contract';

type Credential = CommandOutput<'credentials.list'>[number];

/** What the field holds: the typed chain and the credential profile its hops log in with ('' = the targets'). */
export interface JumpHostsValue {
  text: string;
  credential: string;
}

/** The typed chain as contract hops, or the one error to show (an empty field is no jump host). */
export function jumpHopsOf(value: JumpHostsValue, targetCredential: string): { hops: SshHop[] } | { error: string } {
  const parsed = parseJumpList(value.text);
  if ('error' in parsed) return { error: `Jump host(s): ${parsed.error}` };
  const credential = value.credential || targetCredential;
  return { hops: parsed.hops.map((h) => ({ host: h.host, port: h.port, credential, ...(h.user ? { user: h.user } : {}) })) };
}

/**
 * "Jump host(s)": a chain as ssh -J takes it ([user@]host[:port], comma-separated, first hop first)
 * and the credential profile the hops log in with. Checked as you type; each hop's host key is
 * checked like a target's.
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
  const count = 'hops' in parsed ? parsed.hops.length : 0;
  return (
    <div className="fanout-form-row fanout-jumps" data-testid="jump-hosts-field">
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
      <div className="field">
        <label htmlFor={`${id}-jumpcred`}>Jump credential</label>
        <select id={`${id}-jumpcred`} value={value.credential} disabled={count === 0} onChange={(e) => onChange({ ...value, credential: e.target.value })}>
          <option value="">{single ? 'Same as the host' : 'Same as the targets'}</option>
          {credentials.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.username ?? 'no user'}, {c.kind === 'password' ? 'password' : 'key'})
            </option>
          ))}
        </select>
      </div>
    </div>
  );
}
