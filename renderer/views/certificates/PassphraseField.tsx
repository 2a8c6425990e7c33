import type { ReactNode } from 'react';
import { FieldError } from '../FieldError';

interface PassphraseFieldProps {
  id: string;
  label: ReactNode;
  value: string;
  onChange(value: string): void;
  error?: string | undefined;
  hint?: ReactNode;
  /** 'new-password' when choosing one, 'current-password' when giving one, 'off' for a file's. */
  autoComplete: 'new-password' | 'current-password' | 'off';
}

/**
 * A labelled password input. The value lives only in the caller's component state for as long
 * as the form needs it; callers clear it after the call (never a store, never storage).
 */
export function PassphraseField({ id, label, value, onChange, error, hint, autoComplete }: PassphraseFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="password"
        className="password-input"
        value={value}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={[hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined}
        autoComplete={autoComplete}
        spellCheck={false}
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
