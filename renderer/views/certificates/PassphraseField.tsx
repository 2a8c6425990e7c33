import type { ReactNode } from 'react';
import { TextField } from '../../ui/TextField';

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
export function PassphraseField({ autoComplete, ...field }: PassphraseFieldProps) {
  return <TextField {...field} secret={{ autoComplete }} />;
}
