import { useMemo, useState, type Dispatch } from 'react';
import type { FirewallView, PoolView, SiteSummary } from '../../../core/contract';
import type { CredentialView } from '../../../core/contract/remote';
import type { EnrollmentRules } from '../../../core/contract/enrollment';
import { BatchProgress } from './BatchProgress';
import { CheckStep } from './CheckStep';
import { TargetsStep } from './TargetsStep';
import { VmPicker } from '../../parts/VmPicker';
import { eligibilityDetail } from './eligibility-detail';
import { wizardSelection } from './use-vm-selection';
import { canOpen, pickedVms, stepLabels, stepProblems, wizardSteps, type WizardAction, type WizardState, type WizardStep } from './wizard-state';

interface EnrollWizardProps {
  state: WizardState;
  dispatch: Dispatch<WizardAction>;
  sites: SiteSummary[];
  credentials: CredentialView[] | null;
  firewalls: FirewallView[] | null;
  pools: PoolView[] | null;
  rules: EnrollmentRules | null;
  /** Morefs enrolled now, per site (the CMDB's active rows). */
  enrolled: ReadonlyMap<string, ReadonlySet<string>>;
}

const noneEnrolled: ReadonlySet<string> = new Set();

/**
 * VMs → targets → check → run. A step opens only when the earlier ones are complete; "Next" on
 * an incomplete step marks what is missing instead. The state lives in the Enrollment page, so
 * switching to the CMDB tab and back keeps it.
 */
export function EnrollWizard({ state, dispatch, sites, credentials, firewalls, pools, rules, enrolled }: EnrollWizardProps) {
  const [tried, setTried] = useState<ReadonlySet<WizardStep>>(new Set());
  const { step, draft } = state;
  const index = wizardSteps.indexOf(step);
  const problems = step === 'vms' || step === 'targets' ? stepProblems(step, draft) : {};
  const shown = tried.has(step) ? problems : {};
  const siteEnrolled = enrolled.get(draft.site) ?? noneEnrolled;
  const osRules = rules?.rules ?? null;
  const detail = useMemo(() => eligibilityDetail(siteEnrolled, osRules), [siteEnrolled, osRules]);
  const selection = useMemo(() => wizardSelection(draft, dispatch), [draft, dispatch]);

  const go = (to: WizardStep): void => {
    if (canOpen(to, state)) {
      dispatch({ type: 'goto', step: to });
      return;
    }
    setTried((t) => new Set(t).add(step));
  };
  const next = wizardSteps[index + 1];

  return (
    <div className="enroll-wizard">
      <nav aria-label="Enrollment steps">
        <ol className="wizard-steps">
          {wizardSteps.map((s, i) => (
            <li key={s} className={`wizard-step${s === step ? ' wizard-step-current' : ''}${i < index ? ' wizard-step-done' : ''}`}>
              <button type="button" className="wizard-step-button" aria-current={s === step ? 'step' : undefined} disabled={!canOpen(s, state) && s !== step} onClick={() => go(s)}>
                <span className="wizard-step-number">{i + 1}</span> {stepLabels[s]}
              </button>
            </li>
          ))}
        </ol>
      </nav>

      <section className="wizard-body" aria-label={`Step ${index + 1}: ${stepLabels[step]}`}>
        {step === 'vms' && (
          <VmPicker sites={sites.map((s) => s.name)} selection={selection} purpose="enroll" detail={detail} invalid={Boolean(shown.site ?? shown.vms)} />
        )}
        {step === 'targets' && <TargetsStep draft={draft} dispatch={dispatch} credentials={credentials} firewalls={firewalls} pools={pools} rules={rules} errors={shown} />}
        {step === 'check' && <CheckStep state={state} dispatch={dispatch} />}
        {step === 'run' && state.batch && (
          <>
            <BatchProgress batch={state.batch} label="Enrollment progress" />
            <div className="form-actions">
              <button type="button" className="button" onClick={() => dispatch({ type: 'restart' })}>
                Enroll more VMs
              </button>
              <span className="muted small">Runs go on in the background; each one is in Procedures.</span>
            </div>
          </>
        )}
      </section>

      {(step === 'vms' || step === 'targets') && (
        <div className="form-actions wizard-actions">
          {index > 0 && (
            <button type="button" className="button" onClick={() => go(wizardSteps[index - 1]!)}>
              Back
            </button>
          )}
          {next && (
            <button type="button" className="button button-primary" onClick={() => go(next)}>
              {step === 'vms' ? `Next: targets${draft.selected.size ? ` for ${pickedVms(draft).length} VM${draft.selected.size === 1 ? '' : 's'}` : ''}` : 'Next: check'}
            </button>
          )}
          {Object.keys(shown).length > 0 && (
            <span className="field-error" role="alert" data-testid="wizard-problems">
              {step === 'targets' ? 'Fix the marked fields.' : Object.values(shown).join(' ')}
            </span>
          )}
        </div>
      )}
      {step === 'check' && (
        <div className="form-actions wizard-actions">
          <button type="button" className="button" onClick={() => go('targets')}>
            Back
          </button>
        </div>
      )}
    </div>
  );
}
