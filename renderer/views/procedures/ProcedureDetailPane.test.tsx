import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings, type ProcedureDetail } from '../../../core/contract';
import { createFakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const RUN_ID = '6f1d2c3b-0a9e-4c1f-8b7a-5d4e3f2a1b0c';
const PROMPT = 'Apply on firewall edge, then approve:\niptables -t nat -A PREROUTING -d 203.0.113.1 -j DNAT --to-destination 10.0.0.5';

type Step = ProcedureDetail['steps'][number];
const step = (idx: number, name: string, state: Step['state'], extra: Partial<Step> = {}): Step => ({
  idx,
  name,
  title: `Step ${name}`,
  state,
  output: null,
  error: null,
  gate: null,
  attempts: state === 'pending' ? 0 : 1,
  startedAt: state === 'pending' ? null : '2025-01-01T00:00:01Z',
  finishedAt: state === 'done' ? '2025-01-01T00:00:02Z' : null,
  ...extra,
});

function run(state: ProcedureDetail['procedure']['state'], steps: Step[], extra: Partial<ProcedureDetail['procedure']> = {}): ProcedureDetail {
  return {
    procedure: {
      id: RUN_ID,
      kind: 'nat.add',
      state,
      target: '203.0.113.1',
      createdAt: '2025-01-01T00:00:00Z',
      updatedAt: '2025-01-01T00:00:03Z',
      createdBy: 'ada',
      title: 'Add 1:1 NAT',
      context: {},
      error: null,
      finishedAt: null,
      cancelRequested: false,
      ...extra,
    },
    steps,
    journal: [{ id: 1, stepIdx: 0, at: '2025-01-01T00:00:01Z', level: 'info', message: 'Allocated 203.0.113.1' }],
  };
}

const waitingRun = run('waiting', [
  step(0, 'allocate-public-ip', 'done', { output: { address: '203.0.113.1', pool: 'public' } }),
  step(1, 'operator-confirms', 'waiting', { gate: { kind: 'approve', prompt: PROMPT } }),
  step(2, 'activate', 'pending'),
]);
const succeededRun = run('succeeded', [
  step(0, 'allocate-public-ip', 'done'),
  step(1, 'operator-confirms', 'done', { gate: { kind: 'approve', prompt: PROMPT, approvedBy: 'ada' } }),
  step(2, 'activate', 'done'),
]);

/** procedures.get answers from a mutable slot, so a test can move the run on. */
interface RunSlot {
  current: ProcedureDetail;
  get: FakeHandler;
}
function runSlot(initial: ProcedureDetail): RunSlot {
  const slot: RunSlot = { current: initial, get: () => ({ ok: true, value: slot.current }) };
  return slot;
}

async function openRun(bridge: ReturnType<typeof createFakeBridge>): Promise<void> {
  await renderApp(bridge, 'procedures');
  await act(async () => {
    window.location.hash = `#/procedures/${RUN_ID}`;
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

const approveButton = () => screen.queryByRole('button', { name: 'Approve' });

describe('Procedure detail', () => {
  it('offers Approve only while waiting at an approval gate, shows the prompt, and calls procedures.approve', async () => {
    const slot = runSlot(waitingRun);
    const bridge = createFakeBridge({
      'procedures.get': slot.get,
      'procedures.approve': () => {
        slot.current = succeededRun;
        return { ok: true, value: succeededRun.procedure };
      },
    });
    await openRun(bridge);

    expect(screen.getByRole('heading', { name: /Add 1:1 NAT/ })).toBeTruthy();
    expect(screen.getByTestId('gate-prompt').textContent).toBe(PROMPT);
    expect(screen.getByRole('button', { name: 'Copy the instructions' })).toBeTruthy();
    expect(screen.getByText('address: 203.0.113.1, pool: public')).toBeTruthy();
    // Waiting is not failed: neither retry nor roll back is offered.
    expect(screen.queryByRole('button', { name: /Retry/ })).toBeNull();
    expect(screen.queryByRole('button', { name: 'Roll back' })).toBeNull();

    await act(async () => {
      fireEvent.click(approveButton()!);
    });
    expect(bridge.calls.filter((c) => c.command === 'procedures.approve')).toEqual([{ command: 'procedures.approve', input: { id: RUN_ID } }]);
    expect(screen.getByTestId('procedure-state').textContent).toBe('succeeded');
    expect(approveButton()).toBeNull();
    expect(screen.getByText('Approved by ada')).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
  });

  it('a running run has no Approve; live events append the journal and refetch the steps', async () => {
    const slot = runSlot(run('running', [step(0, 'allocate-public-ip', 'running'), step(1, 'activate', 'pending')]));
    const bridge = createFakeBridge({ 'procedures.get': slot.get });
    await openRun(bridge);
    expect(approveButton()).toBeNull();
    expect(screen.getByRole('button', { name: 'Cancel run' })).toBeTruthy();

    act(() => bridge.emit('procedure.log', { procedureId: RUN_ID, id: 2, stepIdx: 0, at: '2025-01-01T00:00:02Z', level: 'warn', message: 'Resuming after an interruption' }));
    act(() => bridge.emit('procedure.log', { procedureId: 'another-run', id: 3, stepIdx: 0, at: '2025-01-01T00:00:02Z', level: 'info', message: 'Not this run' }));
    const journal = screen.getByRole('log', { name: 'Journal' });
    expect(within(journal).getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      expect.stringContaining('Allocated 203.0.113.1'),
      expect.stringContaining('Resuming after an interruption'),
    ]);

    slot.current = waitingRun;
    const gets = bridge.calls.filter((c) => c.command === 'procedures.get').length;
    await act(async () => {
      bridge.emit('procedure.updated', { ...waitingRun.procedure, step: { idx: 1, name: 'operator-confirms', state: 'waiting' } });
    });
    expect(bridge.calls.filter((c) => c.command === 'procedures.get')).toHaveLength(gets + 1);
    expect(approveButton()).toBeTruthy();
    // The refetch brought journal line 1 again: still one copy.
    expect(within(journal).getAllByText('Allocated 203.0.113.1')).toHaveLength(1);
  });

  it('asks before cancelling when confirmDestructive is on; Keep does nothing', async () => {
    const bridge = createFakeBridge({
      'procedures.get': runSlot(waitingRun).get,
      'procedures.cancel': () => ({ ok: true, value: { ...waitingRun.procedure, state: 'rolling-back' } }),
    });
    await openRun(bridge);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Cancel this run?' });
    expect(document.activeElement).toBe(within(dialog).getByRole('button', { name: 'Keep' }));
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep' }));
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(bridge.calls.some((c) => c.command === 'procedures.cancel')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    await act(async () => {
      fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Cancel the run' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'procedures.cancel')).toEqual([{ command: 'procedures.cancel', input: { id: RUN_ID } }]);
  });

  it('says who may not approve a four-eyes gate, names the workstation, and shows FOUR_EYES_REQUIRED when refused', async () => {
    const bridge = createFakeBridge(
      {
        'procedures.get': runSlot(run('waiting', waitingRun.steps, { workstation: 'laptop-ada' })).get,
        'procedures.approve': () => ({ ok: false, error: { code: 'FOUR_EYES_REQUIRED', message: 'nat.add runs need a second operator: ada started this one, so another operator must approve.' } }),
      },
      { ...defaultSettings, fourEyesKinds: ['nat.add'] },
    );
    await openRun(bridge);
    expect(screen.getByTestId('four-eyes-note').textContent).toContain('another operator than ada');
    expect(screen.getByText(/ada on laptop-ada/)).toBeTruthy();
    await act(async () => {
      fireEvent.click(approveButton()!);
    });
    expect(screen.getByText('FOUR_EYES_REQUIRED')).toBeTruthy();
    expect(screen.getByTestId('procedure-state').textContent).toBe('waiting');
  });

  it('shows no four-eyes note for a kind the setting does not list', async () => {
    const bridge = createFakeBridge({ 'procedures.get': runSlot(waitingRun).get }, { ...defaultSettings, fourEyesKinds: ['host.upgrade'] });
    await openRun(bridge);
    expect(approveButton()).toBeTruthy();
    expect(screen.queryByTestId('four-eyes-note')).toBeNull();
  });

  it('cancels at once when confirmDestructive is off', async () => {
    const bridge = createFakeBridge(
      { 'procedures.get': runSlot(waitingRun).get, 'procedures.cancel': () => ({ ok: true, value: waitingRun.procedure }) },
      { ...defaultSettings, confirmDestructive: false },
    );
    await openRun(bridge);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Cancel run' }));
    });
    expect(screen.queryByRole('alertdialog')).toBeNull();
    expect(bridge.calls.filter((c) => c.command === 'procedures.cancel')).toHaveLength(1);
  });

  it('a failed run offers Retry and Roll back with the step error code; a refused action is a toast with its code', async () => {
    const failed = run('failed', [step(0, 'allocate-public-ip', 'done'), step(1, 'apply-rules', 'failed', { error: { code: 'FIREWALL_COMMAND', message: 'iptables exited 4' }, attempts: 2 })], {
      error: { code: 'FIREWALL_COMMAND', message: 'iptables exited 4' },
    });
    const bridge = createFakeBridge({
      'procedures.get': runSlot(failed).get,
      'procedures.retry': () => ({ ok: false, error: { code: 'CONFLICT', message: 'Procedure has no failed step to retry (it is running).' } }),
    });
    await openRun(bridge);
    expect(approveButton()).toBeNull();
    expect(screen.queryByRole('button', { name: 'Cancel run' })).toBeNull();
    expect(screen.getByRole('button', { name: 'Roll back' })).toBeTruthy();
    expect(screen.getByTestId('step-apply-rules').textContent).toContain('FIREWALL_COMMAND');
    expect(screen.getByTestId('step-apply-rules').textContent).toContain('2 attempts');

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Retry failed step' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'procedures.retry')).toEqual([{ command: 'procedures.retry', input: { id: RUN_ID } }]);
    const toast = screen.getByRole('alert');
    expect(within(toast).getByText('Could not retry')).toBeTruthy();
    expect(within(toast).getByTestId('toast-code').textContent).toBe('CONFLICT');
  });

  it('disposes its event subscriptions when the page goes back to the list', async () => {
    const bridge = createFakeBridge({ 'procedures.get': runSlot(waitingRun).get });
    const before = { updated: bridge.listenerCount('procedure.updated'), log: bridge.listenerCount('procedure.log') };
    await openRun(bridge);
    expect(bridge.listenerCount('procedure.log')).toBe(before.log + 1);
    await act(async () => {
      fireEvent.click(screen.getByRole('link', { name: /All procedures/ }));
      window.location.hash = '#/procedures';
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(screen.getByRole('heading', { name: 'No procedures have run' })).toBeTruthy();
    expect(bridge.listenerCount('procedure.log')).toBe(before.log);
  });
});
