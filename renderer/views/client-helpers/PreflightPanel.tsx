import { useState, type FormEvent } from 'react';
import type { CommandOutput, PreflightList } from '../../../core/contract';
import { useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { DataTable } from '../../ui/DataTable';
import { FieldError } from '../../ui/FieldError';
import { formatTime } from '../../ui/format-time';
import { TextField } from '../../ui/TextField';
import { useContractForm } from '../../data/use-contract-form';
import { pathMessage, useFormDraft } from '../../data/use-form-draft';
import { useContractQuery } from '../../data/use-contract-query';
import { CONTROLLER_PORTS, parseTargets, targetsText, withControllerPreset } from './preflight-targets';
import { SubmitButton } from '../../ui/SubmitButton';
import { useContractAction } from '../../data/use-contract-action';

type PortResult = CommandOutput<'helpers.preflight.run'>[number];
type PortStatus = PortResult['status'];

const statusHelp: Record<PortStatus, string> = {
  open: 'Something accepted the connection.',
  refused: 'The host answered, but nothing listens on this port (or a firewall rejects it).',
  timeout: 'No answer in time: a firewall drops it, or the route is missing.',
  unreachable: 'No route to the host or its network.',
  'dns-error': 'The name does not resolve from this workstation.',
  error: 'The check failed for another reason (see the detail).',
};

const statusOrder: PortStatus[] = ['open', 'refused', 'timeout', 'unreachable', 'dns-error', 'error'];

interface RunResult {
  results: PortResult[];
  at: string;
  timeoutMs: number;
}

/** The typed fields, as text: targets are read locally before any call. */
interface PreflightDraft {
  targets: string;
  timeoutMs: string;
  name: string;
}

/** The contract's path ("targets.3.host", "timeoutMs") to the field that shows it. */
function preflightFieldOf(path: string): keyof PreflightDraft | undefined {
  const head = path.split('.')[0];
  return head === 'targets' || head === 'timeoutMs' || head === 'name' ? head : undefined;
}

export function PreflightResults({ run }: { run: RunResult }) {
  const counts = statusOrder.map((s) => [s, run.results.filter((r) => r.status === s).length] as const).filter(([, n]) => n > 0);
  return (
    <section aria-labelledby="preflight-results-heading">
      <h2 id="preflight-results-heading" className="section-heading">
        Results
      </h2>
      <p className="muted small" role="status" data-testid="preflight-summary">
        {run.results.length} checked at {formatTime(run.at)} (timeout {run.timeoutMs} ms): {counts.map(([s, n]) => `${n} ${s}`).join(', ')}
      </p>
      <DataTable
        scroll
        className="data-table-compact"
        caption="Preflight results"
        rows={run.results}
        rowKey={(r) => `${r.host}|${r.port}`}
        rowProps={(r) => ({ 'data-testid': `preflight-row-${r.host}:${r.port}` })}
        columns={[
          { id: 'host', label: 'Host', rowHeader: true, className: 'mono', cell: (r) => r.host, sortValue: (r) => r.host },
          { id: 'port', label: 'Port', className: 'mono', cell: (r) => r.port, sortValue: (r) => r.port },
          {
            id: 'status',
            label: 'Status',
            cell: (r) => (
              <span className={`badge badge-port-${r.status}`} title={statusHelp[r.status]}>
                {r.status}
              </span>
            ),
            sortValue: (r) => r.status,
          },
          { id: 'latency', label: 'Latency', headerClassName: 'numeric', className: 'mono numeric', cell: (r) => `${Math.round(r.latencyMs)} ms`, sortValue: (r) => r.latencyMs },
          { id: 'detail', label: 'Detail', className: 'details-cell', cell: (r) => r.detail ?? '—', cellTitle: (r) => r.detail ?? undefined },
        ]}
      />
    </section>
  );
}

function SavedLists({ lists, onLoad, onDeleted }: { lists: PreflightList[]; onLoad(list: PreflightList): void; onDeleted(): void }) {
  const action = useContractAction();
  const { confirm, dialog } = useConfirmDestructive();
  const remove = (list: PreflightList): void =>
    confirm(
      { title: `Delete the list “${list.name}”?`, body: <p>Its {list.targets.length} targets are forgotten; results already shown stay on screen.</p>, confirmLabel: 'Delete list' },
      () =>
        action.run('helpers.preflight.delete', { name: list.name }, { failure: `Could not delete the list ${list.name}`, done: () => onDeleted() }),
    );
  return (
    <>
      {lists.length === 0 ? (
        <p className="muted small">No saved lists yet. Save the targets above under a name to run them again later.</p>
      ) : (
        <ul className="saved-lists" aria-label="Saved preflight lists">
          {lists.map((list) => (
            <li key={list.name} className="saved-list">
              <div className="saved-list-name">
                <span>{list.name}</span>
                <span className="muted small">
                  {list.targets.length} target{list.targets.length === 1 ? '' : 's'}, {list.timeoutMs} ms
                </span>
              </div>
              <button type="button" className="button button-small" onClick={() => onLoad(list)} aria-label={`Load ${list.name}`}>
                Load
              </button>
              <button type="button" className="button button-small" onClick={() => remove(list)} aria-label={`Delete ${list.name}`}>
                Delete
              </button>
            </li>
          ))}
        </ul>
      )}
      {dialog}
    </>
  );
}

/** TCP reachability of many HOST:PORT pairs from this workstation, with saved lists. */
export function PreflightPanel() {
  const store = useShellStore();
  const runForm = useContractForm('Preflight did not run');
  const saveForm = useContractForm('Preflight list was not saved');
  const lists = useContractQuery('Could not read the saved preflight lists', (c) => c.invoke('helpers.preflight.lists', {}));
  // A run failure shows over a save's: it is the one about what was just checked.
  const { draft, setDraft, edit, errors, setErrors, field } = useFormDraft<PreflightDraft>({ targets: '', timeoutMs: '3000', name: '' }, { forms: [runForm, saveForm], fieldOf: preflightFieldOf, message: pathMessage });
  const text = draft.targets;
  const [presetHost, setPresetHost] = useState('');
  const [presetError, setPresetError] = useState<string | undefined>();
  const [run, setRun] = useState<RunResult | null>(null);

  /** Local reading of the text first: a word that is not HOST:PORT never reaches the contract. */
  const parsed = (): ReturnType<typeof parseTargets> | null => {
    const result = parseTargets(text);
    if (result.problems.length > 0) {
      setErrors({ targets: result.problems.slice(0, 3).join(' ') + (result.problems.length > 3 ? ` (${result.problems.length - 3} more)` : '') });
      return null;
    }
    return result;
  };

  const onRun = (event: FormEvent): void => {
    event.preventDefault();
    if (runForm.busy) return;
    const read = parsed();
    if (!read) return;
    const timeoutMs = Number(draft.timeoutMs);
    runForm.run('helpers.preflight.run', { targets: read.targets, timeoutMs, concurrency: 32 }, (results) => setRun({ results, at: new Date().toISOString(), timeoutMs }));
  };

  const onSave = (): void => {
    if (saveForm.busy) return;
    const read = parsed();
    if (!read) return;
    saveForm.run('helpers.preflight.save', { name: draft.name, targets: read.targets, timeoutMs: Number(draft.timeoutMs) }, (saved) => {
      store.getState().pushToast({ tone: 'info', title: 'Preflight list saved', message: `${saved.name}: ${saved.targets.length} targets.` });
      lists.reload();
    });
  };

  const addPreset = (): void => {
    const host = presetHost.trim();
    if (!host || /[\s,:[\]#]/.test(host)) {
      setPresetError(host ? 'A host name or IPv4 address, without a port.' : 'Type the controller’s host first.');
      return;
    }
    setPresetError(undefined);
    edit('targets', withControllerPreset(text, host));
  };

  const load = (list: PreflightList): void => {
    edit('targets', targetsText(list.targets));
    setDraft((d) => ({ ...d, timeoutMs: String(list.timeoutMs), name: list.name }));
  };

  return (
    <div className="split-layout">
      <div className="split-main">
        {run ? (
          <PreflightResults run={run} />
        ) : (
          <p className="muted">
            List the HOST:PORT pairs this workstation must reach (or add a controller’s ports with the preset) and run: each is tried over TCP, many at once, and shows as
            open, refused or timeout with its latency.
          </p>
        )}
      </div>
      <div className="side-column">
        <form className="panel side-form" onSubmit={onRun} noValidate aria-labelledby="preflight-form-heading">
          <h2 id="preflight-form-heading">Preflight</h2>
          <div className="field">
            <label htmlFor="preflight-targets">Targets</label>
            <textarea
              id="preflight-targets"
              className="mono"
              rows={9}
              value={text}
              onChange={(e) => edit('targets', e.target.value)}
              placeholder={'controller.example:5000\n203.0.113.10:22'}
              spellCheck={false}
              aria-invalid={errors.targets ? true : undefined}
              aria-describedby="preflight-targets-hint preflight-targets-error"
            />
            <p id="preflight-targets-hint" className="field-hint">
              HOST:PORT, one per line (or separated by spaces or commas); IPv6 in brackets.
            </p>
            <FieldError id="preflight-targets-error" message={errors.targets} />
          </div>
          <div className="field">
            <label htmlFor="preflight-preset-host">Controller preset</label>
            <div className="input-with-button">
              <input
                id="preflight-preset-host"
                type="text"
                className="mono"
                value={presetHost}
                onChange={(e) => {
                  setPresetHost(e.target.value);
                  setPresetError(undefined);
                }}
                placeholder="controller host"
                spellCheck={false}
                autoComplete="off"
                aria-invalid={presetError ? true : undefined}
                aria-describedby="preflight-preset-hint preflight-preset-error"
              />
              <button type="button" className="button" onClick={addPreset}>
                Add ports
              </button>
            </div>
            <p id="preflight-preset-hint" className="field-hint">
              Adds the controller ports {CONTROLLER_PORTS.join(', ')} for this host.
            </p>
            <FieldError id="preflight-preset-error" message={presetError} />
          </div>
          <div className="field">
            <label htmlFor="preflight-timeout">Timeout (ms)</label>
            <input
              id="preflight-timeout"
              type="number"
              inputMode="numeric"
              min={50}
              max={120000}
              className="narrow"
              value={draft.timeoutMs}
              onChange={(e) => edit('timeoutMs', e.target.value)}
              aria-invalid={errors.timeoutMs ? true : undefined}
              aria-describedby="preflight-timeout-error"
            />
            <FieldError id="preflight-timeout-error" message={errors.timeoutMs} />
          </div>
          <div className="form-actions">
            <SubmitButton busy={runForm.busy} label="Run preflight" busyLabel="Checking…" />
          </div>
        </form>
        <section className="panel side-form" aria-labelledby="preflight-lists-heading">
          <h2 id="preflight-lists-heading">Saved lists</h2>
          <TextField
            id="preflight-list-name"
            label="List name"
            {...field('name')}
            placeholder="controller-a"
          />
          <div className="form-actions">
            <button type="button" className="button" onClick={onSave} disabled={saveForm.busy}>
              {saveForm.busy ? 'Saving…' : 'Save targets'}
            </button>
          </div>
          <h3 className="section-heading">Lists</h3>
          {lists.data ? <SavedLists lists={lists.data} onLoad={load} onDeleted={lists.reload} /> : <p className="muted small">{lists.loading ? 'Loading lists…' : 'Lists unavailable.'}</p>}
        </section>
      </div>
    </div>
  );
}
