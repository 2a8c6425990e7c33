import { useLayoutEffect, useRef } from 'react';
import type { ProcedureDetail } from '../../../core/contract';
import { useShell, useShellStore } from '../../app/shell-context';
import { hashForView } from '../../navigation/hash-route';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { CopyButton } from '../../ui/CopyButton';
import { formatTime } from '../../ui/format-time';
import { procedureActions, summariseOutput, type ProcedureStep } from './procedure-actions';
import type { BoundedJournal } from './procedure-journal';
import { useProcedureDetail } from './use-procedure-detail';
import { useContractAction } from '../../data/use-contract-action';

type Action = 'approve' | 'cancel' | 'retry' | 'rollback';

const actionWords: Record<Action, { done: string; failed: string }> = {
  approve: { done: 'Approved: the run continues', failed: 'Could not approve' },
  cancel: { done: 'Cancel requested: completed steps are being undone', failed: 'Could not cancel' },
  retry: { done: 'Retrying from the failed step', failed: 'Could not retry' },
  rollback: { done: 'Rolling back the completed steps', failed: 'Could not roll back' },
};

function Time({ iso }: { iso: string | null }) {
  if (!iso) return <span className="muted">—</span>;
  return (
    <time dateTime={iso} title={iso}>
      {formatTime(iso)}
    </time>
  );
}

function ApprovalGate({ step, busy, onApprove, fourEyesBy }: { step: ProcedureStep; busy: boolean; onApprove(): void; fourEyesBy: string | null }) {
  const promptRef = useRef<HTMLPreElement>(null);
  const prompt = step.gate?.prompt ?? '';
  return (
    <section className="gate-panel" aria-labelledby="gate-heading">
      <h3 id="gate-heading">Waiting for your approval: {step.title}</h3>
      <p className="muted small">Do what this says (apply the commands by hand where it lists them), then approve. The run continues from here.</p>
      <div className="code-block">
        <pre ref={promptRef} className="gate-prompt" data-testid="gate-prompt" tabIndex={0} aria-label="What to do before approving">
          {prompt}
        </pre>
        <CopyButton text={prompt} label="Copy the instructions" selectIn={promptRef} />
      </div>
      {fourEyesBy !== null && (
        <p className="muted small" data-testid="four-eyes-note">
          Four-eyes: this kind of run must be approved by another operator than {fourEyesBy}, who started it.
        </p>
      )}
      <div className="form-actions">
        <button type="button" className="button button-primary" disabled={busy} onClick={onApprove}>
          Approve
        </button>
      </div>
    </section>
  );
}

function StepTimeline({ steps }: { steps: ProcedureStep[] }) {
  return (
    <ol className="step-timeline" aria-label="Steps">
      {steps.map((step) => {
        const output = summariseOutput(step.output);
        return (
          <li key={step.idx} className={`step step-${step.state}`} data-testid={`step-${step.name}`}>
            <span className="step-marker" aria-hidden="true" />
            <div className="step-body">
              <div className="step-head">
                <strong>{step.title}</strong>
                <span className={`badge badge-step-${step.state}`}>{step.state}</span>
                <span className="muted mono small">{step.name}</span>
                {step.attempts > 1 && <span className="muted small">{step.attempts} attempts</span>}
              </div>
              {(step.startedAt || step.finishedAt) && (
                <p className="muted small">
                  <Time iso={step.startedAt} /> → <Time iso={step.finishedAt} />
                </p>
              )}
              {step.error && (
                <p className="step-error">
                  <code className="toast-code">{step.error.code}</code> {step.error.message}
                </p>
              )}
              {output && (
                <p className="step-output small mono" title={JSON.stringify(step.output, null, 2)}>
                  {output}
                </p>
              )}
              {step.gate?.kind === 'approve' && step.gate.approvedBy && <p className="muted small">Approved by {step.gate.approvedBy}</p>}
              {step.gate?.kind === 'wait-until' && step.gate.waitUntil && (
                <p className="muted small">
                  Waits until <Time iso={step.gate.waitUntil} />
                </p>
              )}
            </div>
          </li>
        );
      })}
    </ol>
  );
}

function Journal({ journal, steps }: { journal: BoundedJournal; steps: ProcedureStep[] }) {
  const stepName = (idx: number | null): string => (idx === null ? '' : (steps.find((s) => s.idx === idx)?.name ?? String(idx)));
  const listRef = useRef<HTMLOListElement>(null);
  const following = useRef(true);
  const lastId = journal.lines.at(-1)?.id;
  // New lines scroll into view while the operator is at the bottom; scrolling up to read stops that.
  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && following.current) list.scrollTop = list.scrollHeight;
  }, [lastId]);
  const onScroll = (): void => {
    const list = listRef.current;
    if (list) following.current = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
  };
  if (journal.lines.length === 0) return <p className="muted">Nothing logged yet.</p>;
  return (
    <>
      {journal.dropped > 0 && <p className="muted small">{journal.dropped} older lines are not shown.</p>}
      <ol ref={listRef} className="journal" role="log" aria-label="Journal" onScroll={onScroll} tabIndex={0}>
        {journal.lines.map((line) => (
          <li key={line.id} className={`journal-line journal-${line.level}`}>
            <Time iso={line.at} />
            <span className="journal-level">{line.level}</span>
            <span className="journal-step mono">{stepName(line.stepIdx)}</span>
            <span className="journal-message">{line.message}</span>
          </li>
        ))}
      </ol>
    </>
  );
}

function RunFacts({ detail }: { detail: ProcedureDetail }) {
  const p = detail.procedure;
  return (
    <dl className="facts facts-compact">
      <dt>Kind</dt>
      <dd className="mono">{p.kind}</dd>
      <dt>Target</dt>
      <dd>{p.target ?? '—'}</dd>
      <dt>Started by</dt>
      <dd>
        {p.createdBy}
        {p.workstation ? ` on ${p.workstation}` : ''}, <Time iso={p.createdAt} />
      </dd>
      <dt>Updated</dt>
      <dd>
        <Time iso={p.updatedAt} />
      </dd>
      {p.finishedAt && (
        <>
          <dt>Finished</dt>
          <dd>
            <Time iso={p.finishedAt} />
          </dd>
        </>
      )}
      <dt>Run id</dt>
      <dd className="mono small">{p.id}</dd>
      {p.cancelRequested && (
        <>
          <dt>Cancel</dt>
          <dd>Requested</dd>
        </>
      )}
    </dl>
  );
}

export function ProcedureDetailPane({ id }: { id: string }) {
  const store = useShellStore();
  const { detail, journal, failed, reload } = useProcedureDetail(id);
  const procedureAction = useContractAction();
  const busy = procedureAction.busy;
  const { confirm, dialog } = useConfirmDestructive();

  const run = (action: Action): void =>
    procedureAction.run(`procedures.${action}`, { id }, {
      failure: actionWords[action].failed,
      done: () => {
        store.getState().pushToast({ tone: 'info', title: actionWords[action].done, message: detail?.procedure.title ?? id });
        reload();
      },
      failed: reload,
    });

  // Four-eyes kinds (a setting): the gate says who may not approve it.
  const fourEyesKinds = useShell((state) => state.settings?.fourEyesKinds);

  const back = (
    <a className="back-link" href={hashForView('procedures')}>
      ← All procedures
    </a>
  );

  if (!detail) {
    return (
      <section className="panel procedure-detail" aria-label="Procedure">
        {back}
        {failed ? (
          <p className="muted">
            This run could not be read.{' '}
            <button type="button" className="link-button" onClick={reload}>
              Retry
            </button>
          </p>
        ) : (
          <p className="muted">Loading the run…</p>
        )}
      </section>
    );
  }

  const p = detail.procedure;
  const actions = procedureActions(detail);
  const fourEyes = fourEyesKinds?.includes(p.kind) ?? false;
  return (
    <section className="panel procedure-detail" aria-labelledby="procedure-detail-heading">
      {back}
      <div className="detail-head">
        <h2 id="procedure-detail-heading">
          {p.title} <span className="muted">{p.target ?? ''}</span>
        </h2>
        <span className={`badge badge-${p.state}`} data-testid="procedure-state">
          {p.state}
        </span>
      </div>
      <RunFacts detail={detail} />
      {p.error && (
        <p className="run-error" role="note">
          <code className="toast-code">{p.error.code}</code> {p.error.message}
        </p>
      )}

      {actions.approveStep && <ApprovalGate step={actions.approveStep} busy={busy} onApprove={() => run('approve')} fourEyesBy={fourEyes ? p.createdBy : null} />}

      {(actions.cancel || actions.retry || actions.rollback) && (
        <div className="form-actions run-actions">
          {actions.retry && (
            <button type="button" className="button button-primary" disabled={busy} onClick={() => run('retry')}>
              Retry failed step
            </button>
          )}
          {actions.rollback && (
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() =>
                confirm(
                  { title: 'Roll back this run?', body: <p>Every completed step is undone, newest first. The run ends rolled back.</p>, confirmLabel: 'Roll back' },
                  () => run('rollback'),
                )
              }
            >
              Roll back
            </button>
          )}
          {actions.cancel && (
            <button
              type="button"
              className="button button-danger"
              disabled={busy}
              onClick={() =>
                confirm(
                  {
                    title: 'Cancel this run?',
                    body: <p>The current step is stopped and every completed step is undone. This cannot be resumed afterwards.</p>,
                    confirmLabel: 'Cancel the run',
                  },
                  () => run('cancel'),
                )
              }
            >
              Cancel run
            </button>
          )}
        </div>
      )}

      <h3 className="section-heading">Steps</h3>
      <StepTimeline steps={detail.steps} />

      <h3 className="section-heading">Journal</h3>
      <Journal journal={journal} steps={detail.steps} />

      {dialog}
    </section>
  );
}
