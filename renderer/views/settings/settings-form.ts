import type { Settings, SettingsPatch, Theme } from '../../../core/contract';
import { validationFieldErrors } from '../../data/validation-fields';

/** What the form edits: strings where the operator types, so a bad value reaches the contract as typed. */
export interface SettingsDraft {
  theme: Theme;
  operatorName: string;
  auditPageSize: string;
  confirmDestructive: boolean;
  natReconcileSeconds: string;
  /** Procedure kinds, comma-separated, e.g. "nat.add, host.upgrade". */
  fourEyesKinds: string;
}

const kindList = (text: string): string[] =>
  text
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');

export type SettingsField = keyof SettingsDraft;

export function draftFrom(settings: Settings): SettingsDraft {
  return {
    theme: settings.theme,
    operatorName: settings.operatorName,
    auditPageSize: String(settings.auditPageSize),
    confirmDestructive: settings.confirmDestructive,
    natReconcileSeconds: String(settings.natReconcileSeconds),
    fourEyesKinds: settings.fourEyesKinds.join(', '),
  };
}

/**
 * Only the fields that differ from what is saved. The contract validates the values, not the
 * form: a page size of "5" is sent as 5 and comes back as a VALIDATION error with its path.
 */
export function patchFrom(draft: SettingsDraft, saved: Settings): SettingsPatch {
  const patch: SettingsPatch = {};
  if (draft.theme !== saved.theme) patch.theme = draft.theme;
  if (draft.operatorName !== saved.operatorName) patch.operatorName = draft.operatorName;
  if (draft.auditPageSize.trim() !== String(saved.auditPageSize)) patch.auditPageSize = Number(draft.auditPageSize.trim());
  if (draft.confirmDestructive !== saved.confirmDestructive) patch.confirmDestructive = draft.confirmDestructive;
  if (draft.natReconcileSeconds.trim() !== String(saved.natReconcileSeconds)) patch.natReconcileSeconds = Number(draft.natReconcileSeconds.trim());
  if (kindList(draft.fourEyesKinds).join(',') !== saved.fourEyesKinds.join(',')) patch.fourEyesKinds = kindList(draft.fourEyesKinds);
  return patch;
}

/** The settings fields a VALIDATION error names, with their messages. */
export function invalidFields(err: unknown): Partial<Record<SettingsField, string>> {
  const named = validationFieldErrors(err);
  const fields: Partial<Record<SettingsField, string>> = {};
  for (const field of ['theme', 'operatorName', 'auditPageSize', 'confirmDestructive', 'natReconcileSeconds'] as const) {
    if (named[field] !== undefined) fields[field] = named[field];
  }
  // An error names the list or one of its items (fourEyesKinds.1): either way it is this field.
  const kinds = Object.entries(named).find(([path]) => path === 'fourEyesKinds' || path.startsWith('fourEyesKinds.'));
  if (kinds) fields.fourEyesKinds = kinds[1];
  return fields;
}
