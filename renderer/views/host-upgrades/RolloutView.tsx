import { useEffect, useState } from 'react';
import type { UpgradeHostRow, UpgradePlanDetail } from '../../../core/contract';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { formatTime } from '../../ui/format-time';
import { ProcedureLink } from '../../ui/ProcedureLink';
import { countdown } from './plan-draft';
import { useContractAction } from '../../data/use-contract-action';

/** Ticks once a second while something counts down (a soak), so the countdown moves without refetching. */
function useNow(active: boolean): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!active) return undefined;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [active]);
  return now;
}

const COPY_LABEL = { verified: 'verified', failed: 'not verified', pending: 'not copied yet' } as const;
const COPY_BADGE = { verified: 'done', failed: 'failed', pending: 'pending' } as const;

/** Where the host's backup is: on the host, and the copy off it that the reinstall waits for. */
function BackupPanel({ host }: { host: UpgradeHostRow }) {
  const backup = host.backup;
  if (!backup) return null;
  const copy = backup.offHost;
  return (
    <div className="small" data-testid={`backup-${host.name}`}>
      <p className="muted">
        Backup on the host <span className="mono">{backup.artefactPath}</span> · {backup.bytes} bytes · sha256{' '}
        <span className="mono" title={backup.sha256}>
          {backup.sha256.slice(0, 16)}…
        </span>
      </p>
      <p>
        Off-host copy <span className={`badge badge-step-${COPY_BADGE[copy.state]}`}>{COPY_LABEL[copy.state]}</span>{' '}
        <span className="mono" data-testid={`backup-location-${host.name}`}>
          {copy.location}
        </span>
        {copy.kind === 'ssh' ? ' (SSH)' : ' (this workstation)'}
        {copy.verifiedAt ? ` · SHA-256 matched ${formatTime(copy.verifiedAt)}` : ''}
      </p>
    </div>
  );
}

function SoakPanel({ host, now }: { host: UpgradeHostRow; now: number }) {
  const soak = host.soak;
  if (!soak) return null;
  const soaking = host.steps.some((s) => s.name === 'soak' && s.state === 'running');
  const left = soak.until ? new Date(soak.until).getTime() - now : 0;
  return (
    <div className="soak-panel" data-testid={`soak-${host.name}`}>
      <p className="small">
        {soaking ? (
          <>
            Soak: <strong data-testid={`soak-countdown-${host.name}`}>{countdown(left)}</strong> left
          </>
        ) : (
          'Soak'
        )}{' '}
        · {soak.rounds} probe round{soak.rounds === 1 ? '' : 's'}
        {soak.until && <span className="muted"> · until {formatTime(soak.until)}</span>}
      </p>
      <ul className="probe-list" aria-label={`Probes of ${host.name}`}>
        {soak.latest.map((p) => (
          <li key={p.probe} className={p.ok ? 'probe probe-ok' : 'probe probe-red'} data-testid={`probe-${host.name}-${p.probe}`}>
            <span className={`badge ${p.ok ? 'badge-succeeded' : 'badge-failed'}`}>{p.ok ? 'green' : 'red'}</span> <strong>{p.probe}</strong> <span className="muted small">{p.detail}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}

function HostRow({ host, now, onApprove }: { host: UpgradeHostRow; now: number; onApprove(procedureId: string): void }) {
  const [open, setOpen] = useState(host.state === 'running' || host.state === 'failed');
  const current = host.steps.find((s) => s.state === 'running' || s.state === 'waiting' || s.state === 'failed' || s.state === 'undoing');
  const gate = host.steps.find((s) => s.gatePrompt);
  const done = host.steps.filter((s) => s.state === 'done').length;
  const counted = host.steps.filter((s) => s.state !== 'skipped').length;
  useEffect(() => {
    // Follow the rollout: the host at work opens, a finished one folds away (the operator can reopen it).
    if (host.state === 'running' || host.state === 'failed') setOpen(true);
    if (host.state === 'succeeded') setOpen(false);
  }, [host.state]);
  return (
    <li className={`rollout-host rollout-host-${host.state}`} data-testid={`rollout-row-${host.name}`} data-state={host.state}>
      <div className="rollout-host-head">
        <span className="muted">{host.position + 1}.</span>
        <strong className="mono">{host.name}</strong>
        <span className={`badge badge-${host.state === 'pending' ? 'cancelled' : host.state === 'aborted' ? 'cancelled' : host.state}`} data-testid={`rollout-state-${host.name}`}>
          {host.state}
        </span>
        <span className="muted small">
          {done}/{counted} steps{current ? ` · ${current.title} (${current.state})` : ''}
        </span>
        {host.procedureId && <ProcedureLink id={host.procedureId}>run</ProcedureLink>}
        <button type="button" className="button button-small" aria-expanded={open} aria-controls={`timeline-${host.name}`} onClick={() => setOpen((o) => !o)}>
          {open ? 'Hide steps' : 'Show steps'}
        </button>
      </div>
      {host.error && (
        <p className="step-error" role="alert">
          <code className="toast-code">{host.error.code}</code> {host.error.message}
        </p>
      )}
      {gate && host.procedureId && (
        <div className="gate-panel">
          <p className="gate-prompt">{gate.gatePrompt}</p>
          <button type="button" className="button button-primary" onClick={() => onApprove(host.procedureId!)}>
            Approve: the installer runs on {host.name}
          </button>
        </div>
      )}
      <BackupPanel host={host} />
      <SoakPanel host={host} now={now} />
      {open && (
        <ol className="step-timeline" id={`timeline-${host.name}`} aria-label={`Steps of ${host.name}`}>
          {host.steps.map((s) => (
            <li key={s.name} className={`step step-${s.state}`} data-testid={`rollout-step-${host.name}-${s.name}`}>
              <span className="step-marker" aria-hidden="true" />
              <div className="step-body">
                <div className="step-head">
                  <span>{s.title}</span>
                  <span className={`badge badge-step-${s.state}`}>{s.state}</span>
                </div>
                {(s.startedAt || s.finishedAt) && (
                  <p className="muted small">
                    {s.startedAt ? formatTime(s.startedAt) : '…'} → {s.finishedAt ? formatTime(s.finishedAt) : '…'}
                  </p>
                )}
              </div>
            </li>
          ))}
        </ol>
      )}
    </li>
  );
}

/** One plan: controls, one row per host with its step timeline, the soak countdown and probe results. */
export function RolloutView({ plan, onChanged }: { plan: UpgradePlanDetail; onChanged(plan?: UpgradePlanDetail): void }) {
  const action = useContractAction();
  const { confirm, dialog } = useConfirmDestructive();
  // Its own hook: an approval on its way does not disable the run buttons.
  const rollout = useContractAction();
  const busy = rollout.busy;
  const now = useNow(plan.hosts.some((h) => h.steps.some((s) => s.name === 'soak' && s.state === 'running')));

  const act = (command: 'upgrade.run' | 'upgrade.pause' | 'upgrade.resume' | 'upgrade.abort', failure: string): void => rollout.run(command, { planId: plan.id }, { failure, done: onChanged });
  const approve = (procedureId: string): void => {
    action.run('procedures.approve', { id: procedureId }, { failure: 'Could not approve the gate', done: () => onChanged() });
  };
  const abort = (): void =>
    confirm(
      {
        title: `Abort the upgrade to ${plan.targetBuild}?`,
        body: <p>The host being upgraded has its run cancelled: completed steps are undone, so it leaves maintenance mode if vCenter can reach it. No other host starts. An aborted plan cannot be resumed.</p>,
        confirmLabel: 'Abort rollout',
      },
      () => act('upgrade.abort', 'Could not abort the rollout'),
    );

  const ended = plan.state === 'succeeded' || plan.state === 'aborted';
  return (
    <section className="panel rollout" aria-labelledby="rollout-heading" data-testid="rollout" data-plan-state={plan.state}>
      <div className="detail-head">
        <h2 id="rollout-heading">
          {plan.site}
          {plan.cluster ? ` / ${plan.cluster}` : ''} → build <span className="mono">{plan.targetBuild}</span>
        </h2>
        <span className={`badge badge-${plan.state === 'paused' || plan.state === 'draft' ? 'waiting' : plan.state === 'aborted' ? 'cancelled' : plan.state}`} data-testid="rollout-plan-state">
          {plan.state}
        </span>
        <span className="muted small">
          {plan.hostsDone}/{plan.hostsTotal} hosts done · soak {plan.options.soakMinutes} min · reinstall {plan.options.reinstall.mode}
        </span>
      </div>
      {plan.reason && (
        <p className={plan.state === 'failed' ? 'run-error' : 'notice'} role="status" data-testid="rollout-reason">
          {plan.reason}
        </p>
      )}
      <div className="run-actions">
        {plan.state === 'draft' && (
          <button type="button" className="button button-primary" disabled={busy} onClick={() => act('upgrade.run', 'Could not start the rollout')}>
            Start rollout
          </button>
        )}
        {plan.state === 'running' && (
          <button type="button" className="button" disabled={busy} onClick={() => act('upgrade.pause', 'Could not pause the rollout')}>
            Pause
          </button>
        )}
        {(plan.state === 'paused' || plan.state === 'failed') && (
          <button type="button" className="button button-primary" disabled={busy} onClick={() => act('upgrade.resume', 'Could not resume the rollout')}>
            {plan.state === 'failed' ? 'Retry failed host' : 'Resume'}
          </button>
        )}
        {!ended && (
          <button type="button" className="button button-danger" disabled={busy} onClick={abort}>
            Abort…
          </button>
        )}
      </div>
      <ol className="rollout-hosts" aria-label="Hosts in upgrade order">
        {plan.hosts.map((h) => (
          <HostRow key={h.moref} host={h} now={now} onApprove={approve} />
        ))}
      </ol>
      {dialog}
    </section>
  );
}
