import { useEffect, useRef, useState, type Dispatch } from 'react';
import type { CredentialMethod, EnrollmentCheck, RequirementResult, VmEligibility } from '../../../core/contract/enrollment';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { checkInput, checkKey, currentCheck, runnable, startInput, type WizardAction, type WizardState } from './wizard-state';

export const methodLabels: Record<CredentialMethod, string> = {
  'guest-api': 'VMware Tools guest API (ValidateCredentialsInGuest)',
  ssh: 'SSH login (the guest API is not available)',
  winrm: 'WinRM login (the guest API is not available)',
};

const statusMarks: Record<RequirementResult['status'], string> = { pass: '✓', fail: '✗', warn: '!', skipped: '–' };

function CheckList({ checks, label }: { checks: RequirementResult[]; label: string }) {
  return (
    <ul className="check-list" aria-label={label}>
      {checks.map((c) => (
        <li key={c.id} className={`check check-${c.status}`} data-testid={`check-${c.id}`} data-status={c.status}>
          <span className="check-mark" aria-hidden="true">
            {statusMarks[c.status]}
          </span>
          <span className="check-label">{c.label}</span>
          <span className="visually-hidden">: {c.status}.</span>
          <span className="check-message">
            {c.code && <span className="mono check-code">{c.code}</span>} {c.message}
          </span>
        </li>
      ))}
    </ul>
  );
}

function VmResult({ vm }: { vm: VmEligibility }) {
  const name = vm.name ?? vm.vm;
  return (
    <article className={`panel check-vm${vm.eligible ? '' : ' check-vm-ineligible'}`} aria-label={`Check of ${name}`} data-testid="check-vm" data-vm={name} data-eligible={vm.eligible}>
      <header className="check-vm-head">
        <h3>{name}</h3>
        <span className={`badge ${vm.eligible ? 'badge-succeeded' : 'badge-failed'}`} data-testid="check-verdict">
          {vm.eligible ? 'Eligible' : 'Not eligible'}
        </span>
      </header>
      <dl className="facts facts-compact check-vm-facts">
        <dt>OS</dt>
        <dd>
          {vm.guestFullName ?? '—'}
          {vm.osRule ? <span className="muted"> (rule {vm.osRule})</span> : ''}
        </dd>
        <dt>Private IP</dt>
        <dd className="mono">{vm.privateIp ?? '—'}</dd>
        <dt>Credentials</dt>
        <dd data-testid="check-credential-method">{vm.credentialMethod ? `validated by ${methodLabels[vm.credentialMethod]}` : 'not validated'}</dd>
      </dl>
      <CheckList checks={vm.checks} label={`Requirements of ${name}`} />
    </article>
  );
}

/** Step 3: what would happen, per VM, before anything changes; then the run of the eligible ones. */
export function CheckStep({ state, dispatch }: { state: WizardState; dispatch: Dispatch<WizardAction> }) {
  const client = useClient();
  const store = useShellStore();
  const [busy, setBusy] = useState<'check' | 'start' | null>(null);
  const [failure, setFailure] = useState<{ code: string; message: string } | null>(null);
  const [problemsOnly, setProblemsOnly] = useState(false);
  const check = currentCheck(state);
  const key = checkKey(state.draft);
  const toEnroll = runnable(state);

  const runCheck = (): void => {
    if (busy) return;
    setBusy('check');
    setFailure(null);
    client.invoke('enrollment.check', checkInput(state.draft)).then(
      (result) => {
        setBusy(null);
        dispatch({ type: 'checked', forKey: key, result });
      },
      (err: unknown) => {
        setBusy(null);
        const toast = errorToast('The check did not run', err);
        setFailure({ code: toast.code ?? 'INTERNAL', message: toast.message ?? '' });
        store.getState().pushToast(toast);
      },
    );
  };

  // Opening the step (or coming back after an edit) checks at once: nothing changes by checking.
  // A ref, not state, remembers it, so a re-run effect (StrictMode) does not check twice.
  const autoFor = useRef<string | null>(null);
  useEffect(() => {
    if (check || autoFor.current === key) return;
    autoFor.current = key;
    runCheck();
    // runCheck reads the current draft; key represents it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [key, check]);

  const start = (): void => {
    if (busy || toEnroll.length === 0) return;
    setBusy('start');
    client.invoke('enrollment.start', startInput(state.draft, toEnroll)).then(
      (batch) => {
        setBusy(null);
        store.getState().pushToast({ tone: 'info', title: 'Enrollment started', message: `${batch.items.length} VM${batch.items.length === 1 ? '' : 's'}, up to ${batch.concurrency} at a time.` });
        dispatch({ type: 'started', batch });
      },
      (err: unknown) => {
        setBusy(null);
        store.getState().pushToast(errorToast('Enrollment was not started', err));
      },
    );
  };

  const vms = check ? (problemsOnly ? check.vms.filter((v) => !v.eligible || v.checks.some((c) => c.status === 'warn')) : check.vms) : [];
  const ineligible = check ? check.vms.filter((v) => !v.eligible).length : 0;
  const targetsFail = check?.targets.some((t) => t.status === 'fail') ?? false;

  return (
    <div className="enroll-check" aria-busy={busy === 'check'}>
      <div className="toolbar">
        <button type="button" className="button" onClick={runCheck} disabled={busy !== null}>
          {busy === 'check' ? 'Checking…' : check ? 'Check again' : 'Run the check'}
        </button>
        {check && (
          <span role="status" data-testid="check-summary">
            {check.vms.length - ineligible} of {check.vms.length} eligible{ineligible ? `, ${ineligible} not` : ''}
            {targetsFail ? '; the targets need attention' : ''}
          </span>
        )}
        {busy === 'check' && <span className="muted small">Checking {state.draft.selected.size} VMs{state.draft.guest ? ', logging in to each guest' : ''}…</span>}
        {check && (
          <label className="checkbox-field">
            <input type="checkbox" checked={problemsOnly} onChange={(e) => setProblemsOnly(e.target.checked)} />
            <span>Only VMs with problems</span>
          </label>
        )}
      </div>
      {failure && !check && (
        <p className="finding finding-bad" role="alert" data-testid="check-failure">
          <span className="mono">{failure.code}</span> {failure.message}
        </p>
      )}
      {check && <TargetsResult check={check} />}
      {check && (
        <div className="check-vms" data-testid="check-vms">
          {vms.map((vm) => (
            <VmResult key={vm.vm} vm={vm} />
          ))}
          {vms.length === 0 && <p className="muted">Every VM passed every requirement.</p>}
        </div>
      )}
      {check && (
        <div className="form-actions enroll-run-bar">
          <button type="button" className="button button-primary" onClick={start} disabled={busy !== null || toEnroll.length === 0}>
            {busy === 'start' ? 'Starting…' : `Enroll ${toEnroll.length} eligible VM${toEnroll.length === 1 ? '' : 's'}`}
          </button>
          <span className="muted small" data-testid="enroll-run-note">
            {targetsFail
              ? 'Fix the firewall or pool first: nothing can enroll.'
              : toEnroll.length === 0
                ? 'No VM is eligible: fix what the check found, then check again.'
                : ineligible
                  ? `${ineligible} VM${ineligible === 1 ? ' is' : 's are'} not eligible and will be left out.`
                  : 'Each VM runs as its own procedure: one failure does not stop the others.'}
          </span>
        </div>
      )}
    </div>
  );
}

function TargetsResult({ check }: { check: EnrollmentCheck }) {
  return (
    <section className="panel check-targets" aria-label="Firewall and pool">
      <h3>Firewall and pool</h3>
      <CheckList checks={check.targets} label="Firewall and pool requirements" />
      {check.poolFree !== null && !check.targets.some((t) => t.id === 'pool') && (
        <p className="small muted" data-testid="check-pool-free">
          {check.poolFree} addresses free in the pool.
        </p>
      )}
    </section>
  );
}
