import type { ReactNode } from 'react';
import { FieldError } from './FieldError';

interface TextFieldProps {
  id: string;
  label: ReactNode;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  hint?: ReactNode;
  placeholder?: string;
  /** Addresses, CIDRs and names read better in the monospace face. */
  mono?: boolean;
  autoFocus?: boolean;
  /** A password input: its value lives only in the caller's state, never a store. */
  secret?: { autoComplete: 'new-password' | 'current-password' | 'off' };
}

/** A labelled text input whose hint and contract error are announced with it. */
export function TextField({ id, label, value, onChange, error, hint, placeholder, mono, autoFocus, secret }: TextFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={secret ? 'password' : 'text'}
        className={secret ? 'password-input' : mono ? 'mono' : undefined}
        value={value}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
        spellCheck={false}
        autoComplete={secret?.autoComplete ?? 'off'}
        autoFocus={autoFocus}
      />
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </div>
  );
}
