import { useCredentials } from '../data/use-credentials';
import { FieldError } from '../ui/FieldError';

interface CredentialFieldProps {
  id: string;
  label: string;
  /** The profile's name ('' until one is picked). */
  value: string;
  onChange(name: string): void;
  error?: string | undefined;
}

/** A labelled choice of credential profile (read through data/useCredentials), with its contract error. */
export function CredentialField({ id, label, value, onChange, error }: CredentialFieldProps) {
  const credentials = useCredentials('Could not list credentials');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} aria-invalid={error ? true : undefined}>
        <option value="">Pick a credential</option>
        {(credentials.data ?? []).map((c) => (
          <option key={c.id} value={c.name}>
            {c.name}
          </option>
        ))}
      </select>
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
