import { useState, type Dispatch, type SetStateAction } from 'react';
import type { ContractForm } from './use-contract-form';

/** What a contract form lends a draft: its VALIDATION messages and the way to clear one. */
export type FormErrorSource = Pick<ContractForm, 'errors' | 'clearError'>;

export interface FormDraftOptions<D> {
  /** The contract forms whose VALIDATION paths mark this draft's fields (a preview and a save, say). */
  forms?: readonly FormErrorSource[];
  /**
   * The draft field a contract path marks ("ports.2" marks "ports", "connection.host" marks
   * "sshHost"). Without it a path marks the field of the same name.
   */
  fieldOf?: (path: string) => keyof D | null | undefined;
  /** How a contract message reads under its field (a nested path may name the item it is about). */
  message?: (path: string, message: string) => string;
  /** Anything else an edit makes stale (an answer shown for the old input). */
  onEdit?: (key: keyof D) => void;
}

/** The props TextField, PassphraseField, CredentialField and SegmentedField take for one draft field. */
export interface FieldBinding<V> {
  value: V;
  onChange(value: V): void;
  error: string | undefined;
}

export interface FormDraft<D> {
  draft: D;
  /** Replaces the draft without touching errors (a reset after a save, a default filled in). */
  setDraft: Dispatch<SetStateAction<D>>;
  /** The operator changed a field: its old errors (local check and contract) no longer apply. */
  edit<K extends keyof D>(key: K, value: D[K]): void;
  /**
   * Messages by field: the view's own checks over the contract's VALIDATION paths (a local check
   * runs instead of a call, so it is the newer word on the field).
   */
  errors: Partial<Record<keyof D, string>>;
  /** The view's own checks (run before any call), set like a state: a value replaces them all. */
  setErrors: Dispatch<SetStateAction<Partial<Record<keyof D, string>>>>;
  /** `{...field('cidr')}` binds one input to the draft. */
  field<K extends keyof D>(key: K): FieldBinding<D[K]>;
}

/** A contract message under its field; a nested path ("ports.2", "targets.3.host") names the item it is about. */
export function pathMessage(path: string, message: string): string {
  return path.includes('.') ? `${path}: ${message}` : message;
}

/**
 * Contract messages by draft field, from several sources in order: a field several paths mark
 * ("ports.0", "ports.2") shows the first, as the sources and the contract list them.
 */
export function errorsByField<K extends PropertyKey>(
  sources: readonly Readonly<Record<string, string>>[],
  fieldOf: (path: string) => K | null | undefined,
  message: (path: string, message: string) => string = (_path, m) => m,
): Partial<Record<K, string>> {
  const fields: Partial<Record<K, string>> = {};
  for (const errors of sources) {
    for (const [path, text] of Object.entries(errors)) {
      const key = fieldOf(path);
      if (key != null) fields[key] ??= message(path, text);
    }
  }
  return fields;
}

/**
 * A form's draft with the error plumbing every form needs: an edit clears that field's error,
 * whether the view's own check or a contract VALIDATION message set it.
 */
export function useFormDraft<D extends object>(initial: D | (() => D), options: FormDraftOptions<D> = {}): FormDraft<D> {
  const [draft, setDraft] = useState<D>(initial);
  const [local, setLocal] = useState<Partial<Record<keyof D, string>>>({});
  const forms = options.forms ?? [];
  const fieldOf = options.fieldOf ?? ((path: string) => path as keyof D);

  const errors = errorsByField(forms.map((f) => f.errors), fieldOf, options.message);
  for (const key of Object.keys(local) as (keyof D)[]) if (local[key] !== undefined) errors[key] = local[key];

  const edit = <K extends keyof D>(key: K, value: D[K]): void => {
    setDraft((d) => ({ ...d, [key]: value }));
    setLocal((e) => {
      if (!(key in e)) return e;
      const rest = { ...e };
      delete rest[key];
      return rest;
    });
    for (const form of forms) for (const path of Object.keys(form.errors)) if (fieldOf(path) === key) form.clearError(path);
    options.onEdit?.(key);
  };

  const field = <K extends keyof D>(key: K): FieldBinding<D[K]> => ({ value: draft[key], onChange: (value) => edit(key, value), error: errors[key] });

  return { draft, setDraft, edit, errors, setErrors: setLocal, field };
}
