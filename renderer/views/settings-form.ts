import { OutpostError, type Settings, type SettingsPatch, type Theme } from '../../core/contract';

/** What the form edits: strings where the operator types, so a bad value reaches the contract as typed. */
export interface SettingsDraft {
  theme: Theme;
  operatorName: string;
  auditPageSize: string;
  confirmDestructive: boolean;
}

export type SettingsField = keyof SettingsDraft;

export function draftFrom(settings: Settings): SettingsDraft {
  return {
    theme: settings.theme,
    operatorName: settings.operatorName,
    auditPageSize: String(settings.auditPageSize),
    confirmDestructive: settings.confirmDestructive,
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
  return patch;
}

/** The fields a VALIDATION error names (details.issues[].path[0]), with their messages. */
export function invalidFields(err: unknown): Partial<Record<SettingsField, string>> {
  if (!(err instanceof OutpostError) || err.code !== 'VALIDATION') return {};
  const issues = (err.details as { issues?: unknown } | undefined)?.issues;
  if (!Array.isArray(issues)) return {};
  const fields: Partial<Record<SettingsField, string>> = {};
  for (const issue of issues as { path?: unknown; message?: unknown }[]) {
    const field: unknown = Array.isArray(issue.path) ? (issue.path as unknown[])[0] : undefined;
    if (field === 'theme' || field === 'operatorName' || field === 'auditPageSize' || field === 'confirmDestructive') {
      fields[field] = typeof issue.message === 'string' ? issue.message : 'Invalid value';
    }
  }
  return fields;
}
