import type { CommandInput, VmSummary } from '../../../core/contract';
import {
  enrollmentCheckInputSchema,
  enrollmentStartInputSchema,
  type BatchStarted,
  type EnrollmentCheck,
  type OsRule,
} from '../../../core/contract/enrollment';

/** The wizard's four steps, in order. */
export const wizardSteps = ['vms', 'targets', 'check', 'run'] as const;
export type WizardStep = (typeof wizardSteps)[number];
export const stepLabels: Record<WizardStep, string> = { vms: 'VMs', targets: 'Targets', check: 'Check', run: 'Run' };

export type OsActions = 'auto' | 'builtin' | 'ansible';

export interface EnrollDraft {
  site: string;
  /** Picked VMs by moref (one site at a time: the contract enrolls within one site). */
  selected: ReadonlyMap<string, VmSummary>;
  credential: string;
  firewall: string;
  pool: string;
  /** As typed, so "abc" reaches validation instead of silently becoming a number. */
  concurrency: string;
  serviceAccount: string;
  /** Private-key profile installed for the service account; '' = Outpost's own (outpost-enrollment). */
  serviceCredential: string;
  setHostname: boolean;
  osActions: OsActions;
  /** Log in to each guest during the check (slower, but finds wrong passwords before anything changes). */
  guest: boolean;
}

export interface WizardState {
  step: WizardStep;
  draft: EnrollDraft;
  /** The last check and the input it answered; stale once the draft changes. */
  check: { forKey: string; result: EnrollmentCheck } | null;
  /** The started batch (step 4). */
  batch: BatchStarted | null;
}

export const initialWizard: WizardState = {
  step: 'vms',
  draft: {
    site: '',
    selected: new Map(),
    credential: '',
    firewall: '',
    pool: '',
    concurrency: '4',
    serviceAccount: 'outpost',
    serviceCredential: '',
    setHostname: true,
    osActions: 'auto',
    guest: true,
  },
  check: null,
  batch: null,
};

export type WizardAction =
  | { type: 'site'; site: string }
  | { type: 'toggle'; vm: VmSummary }
  | { type: 'select'; vms: readonly VmSummary[]; on: boolean }
  | { type: 'clear' }
  | { type: 'field'; field: 'credential' | 'firewall' | 'pool' | 'concurrency' | 'serviceAccount' | 'serviceCredential'; value: string }
  | { type: 'flag'; field: 'setHostname' | 'guest'; value: boolean }
  | { type: 'osActions'; value: OsActions }
  | { type: 'goto'; step: WizardStep }
  | { type: 'checked'; forKey: string; result: EnrollmentCheck }
  | { type: 'started'; batch: BatchStarted }
  | { type: 'restart' };

const withDraft = (state: WizardState, draft: EnrollDraft): WizardState => ({ ...state, draft });

export function wizardReducer(state: WizardState, action: WizardAction): WizardState {
  // Once a batch runs, the draft is what was started: only "enroll more" (restart) changes it.
  if (state.batch && action.type !== 'restart') return state;
  const { draft } = state;
  switch (action.type) {
    case 'site':
      // A batch is one site: picking another site starts the selection afresh.
      return action.site === draft.site ? state : withDraft(state, { ...draft, site: action.site, selected: new Map() });
    case 'toggle': {
      if (action.vm.site !== draft.site) return state;
      const selected = new Map(draft.selected);
      if (selected.has(action.vm.moref)) selected.delete(action.vm.moref);
      else selected.set(action.vm.moref, action.vm);
      return withDraft(state, { ...draft, selected });
    }
    case 'select': {
      const selected = new Map(draft.selected);
      for (const vm of action.vms) {
        if (vm.site !== draft.site) continue;
        if (action.on) selected.set(vm.moref, vm);
        else selected.delete(vm.moref);
      }
      return withDraft(state, { ...draft, selected });
    }
    case 'clear':
      return withDraft(state, { ...draft, selected: new Map() });
    case 'field':
      return withDraft(state, { ...draft, [action.field]: action.value });
    case 'flag':
      return withDraft(state, { ...draft, [action.field]: action.value });
    case 'osActions':
      return withDraft(state, { ...draft, osActions: action.value });
    case 'goto':
      return canOpen(action.step, state) ? { ...state, step: action.step } : state;
    case 'checked':
      return { ...state, check: { forKey: action.forKey, result: action.result } };
    case 'started':
      return { ...state, batch: action.batch, step: 'run' };
    case 'restart':
      return { ...initialWizard, draft: { ...state.draft, selected: new Map() } };
  }
}

/** The morefs of the picked VMs, in name order (what the contract and the check table see). */
export function pickedVms(draft: EnrollDraft): VmSummary[] {
  return [...draft.selected.values()].sort((a, b) => a.name.localeCompare(b.name, undefined, { numeric: true }));
}

export function checkInput(draft: EnrollDraft): CommandInput<'enrollment.check'> {
  return {
    site: draft.site,
    vms: pickedVms(draft).map((vm) => vm.moref),
    credential: draft.credential,
    firewall: draft.firewall,
    pool: draft.pool,
    guest: draft.guest,
  };
}

/** The key a check answers: a check for other VMs or targets is stale. */
export const checkKey = (draft: EnrollDraft): string => JSON.stringify(checkInput(draft));

/** Concurrency as typed: a whole number goes as a number; anything else as NaN, which the schema names. */
function concurrencyValue(text: string): number {
  return /^\s*\d+\s*$/.test(text) ? Number(text) : Number.NaN;
}

export function startInput(draft: EnrollDraft, vms: readonly string[]): CommandInput<'enrollment.start'> {
  return {
    site: draft.site,
    vms: [...vms],
    credential: draft.credential,
    firewall: draft.firewall,
    pool: draft.pool,
    concurrency: concurrencyValue(draft.concurrency),
    serviceAccount: draft.serviceAccount,
    ...(draft.serviceCredential ? { serviceCredential: draft.serviceCredential } : {}),
    setHostname: draft.setHostname,
    osActions: draft.osActions,
  };
}

/**
 * What the contract would refuse in the draft, by field, checked with the contract's own schemas
 * (so the wizard never disagrees with the host). Empty: the draft may go on.
 */
export function draftProblems(draft: EnrollDraft): Record<string, string> {
  const problems: Record<string, string> = {};
  const take = (issues: readonly { path: readonly PropertyKey[]; message: string }[]): void => {
    for (const issue of issues) {
      const field = String(issue.path[0] ?? '');
      problems[field] ??= friendly(field, issue.message, draft);
    }
  };
  const picked = pickedVms(draft).map((vm) => vm.moref);
  const check = enrollmentCheckInputSchema.safeParse(checkInput(draft));
  if (!check.success) take(check.error.issues);
  const start = enrollmentStartInputSchema.safeParse(startInput(draft, picked.length > 0 ? picked : ['-']));
  if (!start.success) take(start.error.issues);
  return problems;
}

/** zod's messages for an empty choice are about string patterns and lengths; say what to do instead. */
function friendly(field: string, message: string, draft: EnrollDraft): string {
  const empty: Record<string, string> = {
    site: 'Pick a vCenter.',
    credential: 'Pick a credential profile.',
    firewall: 'Pick a firewall.',
    pool: 'Pick a public pool.',
  };
  const value = (draft as unknown as Record<string, unknown>)[field];
  if (field in empty && typeof value === 'string' && value.trim() === '') return empty[field]!;
  if (field === 'concurrency') return 'A whole number from 1 to 32.';
  if (field === 'vms' && /at least one/i.test(message)) return 'Pick at least one VM.';
  return message;
}

const stepFields: Record<'vms' | 'targets', readonly string[]> = {
  vms: ['site', 'vms'],
  targets: ['credential', 'firewall', 'pool', 'concurrency', 'serviceAccount', 'guest', 'setHostname', 'osActions', 'serviceCredential'],
};

/** The problems that keep the operator on a step (the fields that step edits). */
export function stepProblems(step: 'vms' | 'targets', draft: EnrollDraft): Record<string, string> {
  const all = draftProblems(draft);
  return Object.fromEntries(Object.entries(all).filter(([field]) => stepFields[step].includes(field)));
}

const isEmpty = (o: object): boolean => Object.keys(o).length === 0;

/** Whether a step may be opened now (earlier steps complete; Run only after a current check with something to enroll). */
export function canOpen(step: WizardStep, state: WizardState): boolean {
  if (state.batch) return step === 'run';
  if (step === 'vms') return true;
  if (!isEmpty(stepProblems('vms', state.draft))) return false;
  if (step === 'targets') return true;
  if (!isEmpty(stepProblems('targets', state.draft))) return false;
  if (step === 'check') return true;
  return runnable(state).length > 0;
}

/** The current check, or null when none was made for this draft. */
export function currentCheck(state: WizardState): EnrollmentCheck | null {
  return state.check && state.check.forKey === checkKey(state.draft) ? state.check.result : null;
}

/** The morefs the run would enroll: eligible VMs of a current check whose targets all pass. */
export function runnable(state: WizardState): string[] {
  const check = currentCheck(state);
  if (!check || check.targets.some((t) => t.status === 'fail')) return [];
  return check.vms.filter((vm) => vm.eligible).map((vm) => vm.moref ?? vm.vm);
}

export type HintId = 'powered-off' | 'suspended' | 'tools-not-running' | 'enrolled' | 'no-ip' | 'os-unsupported';
export interface EligibilityHint {
  id: HintId;
  label: string;
  /** The check will fail on it (a warning only otherwise). */
  blocking: boolean;
}

const matches = (pattern: string | null, value: string | null): boolean => {
  if (!pattern || !value) return false;
  try {
    return new RegExp(pattern, 'i').test(value);
  } catch {
    return false; // a broken pattern in the rules file: the check reports it
  }
};

/** Whether any OS rule covers what vCenter reports (the rule's guestId or full-name pattern, as the check matches). */
export function osCovered(vm: Pick<VmSummary, 'guestId' | 'guestFullName'>, rules: readonly OsRule[]): boolean {
  return rules.some((r) => matches(r.guestIdPattern, vm.guestId) || matches(r.guestFullNamePattern, vm.guestFullName));
}

/**
 * What the inventory already says about a VM's chances, before the check: powered off, Tools
 * not running, already enrolled (from the CMDB), no guest IP, an OS no rule covers (when the
 * rules are known). Hints only; the check decides.
 */
export function eligibilityHints(vm: VmSummary, enrolled: ReadonlySet<string>, rules: readonly OsRule[] | null = null): EligibilityHint[] {
  const hints: EligibilityHint[] = [];
  if (enrolled.has(vm.moref)) hints.push({ id: 'enrolled', label: 'Already enrolled', blocking: true });
  if (vm.powerState === 'poweredOff') hints.push({ id: 'powered-off', label: 'Powered off', blocking: true });
  else if (vm.powerState === 'suspended') hints.push({ id: 'suspended', label: 'Suspended', blocking: true });
  if (vm.powerState === 'poweredOn' && vm.toolsRunningStatus !== 'guestToolsRunning') hints.push({ id: 'tools-not-running', label: 'Tools not running', blocking: true });
  if (vm.powerState === 'poweredOn' && !vm.ipAddress) hints.push({ id: 'no-ip', label: 'No guest IP', blocking: false });
  if (rules && (vm.guestId || vm.guestFullName) && !osCovered(vm, rules)) hints.push({ id: 'os-unsupported', label: 'OS not covered', blocking: true });
  return hints;
}
