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
  /** A whole number between min and max (a narrow numeric input). */
  number?: { min: number; max: number };
  autoComplete?: string;
}

/** What a field's control names in aria-describedby: its hint and its error, when it has them. */
export function describedBy(id: string, hint: ReactNode, error: string | undefined): string | undefined {
  return [hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ') || undefined;
}

/** A field's hint and error under its control, with the ids `describedBy` names. */
export function FieldNotes({ id, hint, error }: { id: string; hint?: ReactNode; error: string | undefined }) {
  return (
    <>
      {hint && (
        <p id={`${id}-hint`} className="field-hint">
          {hint}
        </p>
      )}
      <FieldError id={`${id}-error`} message={error} />
    </>
  );
}

/** A labelled text input whose hint and contract error are announced with it. */
export function TextField({ id, label, value, onChange, error, hint, placeholder, mono, autoFocus, secret, number, autoComplete }: TextFieldProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type={secret ? 'password' : number ? 'number' : 'text'}
        inputMode={number ? 'numeric' : undefined}
        min={number?.min}
        max={number?.max}
        className={secret ? 'password-input' : number ? 'narrow' : mono ? 'mono' : undefined}
        value={value}
        placeholder={placeholder}
        onChange={(event) => onChange(event.target.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy(id, hint, error)}
        spellCheck={false}
        autoComplete={secret?.autoComplete ?? autoComplete ?? 'off'}
        autoFocus={autoFocus}
      />
      <FieldNotes id={id} hint={hint} error={error} />
    </div>
  );
}
