import { act, fireEvent, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FanoutJob, FanoutRow, FanoutTemplate, FanoutTotals } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { unmountAll } from '../../testing/render-app';
import { appendBounded, createFanoutOutputStore, fanoutOutputStore, matchingLines, splitMatches } from './fanout-output';
import { fanoutStore } from './fanout-store';
import { keyProfile, ok } from '../../testing/fixtures';
import { openFanoutPanel } from '../../testing/fanout-panel';

afterEach(() => {
  unmountAll();
  fanoutStore.setState({ job: null, hostsText: '', vms: [], vmPort: '22', configHosts: [], jumpsText: '', jumpCredentials: [], command: '', failedOnly: false });
  fanoutOutputStore.getState().reset(null);
});

const row = (index: number, host: string, patch: Partial<FanoutRow> = {}): FanoutRow => ({ index, host, vm: null, jump: null, state: 'pending', exitCode: null, durationMs: null, stdoutHead: '', stderrHead: '', truncated: false, error: null, ...patch });
const totals = (patch: Partial<FanoutTotals>): FanoutTotals => ({ total: 2, ok: 0, failed: 0, cancelled: 0, pending: 2, running: 0, unknownHostKeys: 0, ...patch });
const baseJob = (patch: Partial<FanoutJob>): FanoutJob => ({
  id: 'fo-output01',
  command: 'journalctl',
  credential: 'ops',
  user: null,
  concurrency: 20,
  timeoutMs: 60_000,
  state: 'running',
  startedAt: '2026-01-01T00:00:00Z',
  finishedAt: null,
  startedBy: 'test',
  totals: totals({}),
  rows: [row(0, '10.0.0.1:22', { state: 'running' }), row(1, '10.0.0.2:22', { state: 'running' })],
  ...patch,
});


describe('fan-out output (FAKE bridge)', () => {
  it('streams each host\'s whole output live into the pane, searches it with marked matches, and says what is no longer kept', async () => {
    let job = baseJob({});
    const bridge = createFakeBridge({
      'credentials.list': () => ok([keyProfile(1, 'ops', 'root')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([job]),
      'fanout.get': () => ok(job),
      'fanout.template.list': () => ok([]),
      // What core kept before the pane opened: the pane starts from it.
      'fanout.output': (input) => ok({ host: (input as { host: string }).host, stdout: 'boot ok\n', stderr: '', droppedBytes: { stdout: 0, stderr: 0 }, endBytes: { stdout: 8, stderr: 0 }, matches: [] }),
    });
    const panel = await openFanoutPanel(bridge);
    await within(panel).findAllByTestId('fanout-row');
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: '10.0.0.2:22' }));
    });
    const pane = within(panel).getByTestId('fanout-output-pane');
    expect(bridge.calls.find((c) => c.command === 'fanout.output')?.input).toEqual({ jobId: job.id, host: '10.0.0.2:22' });
    expect(within(pane).getByTestId('fanout-output-stdout').textContent).toContain('boot ok');
    // Live batches: this host's lines appear as they come; another host's and another job's do not.
    await act(async () => {
      // 'boot ok' was still batched when fanout.output read it: it arrives again and is not shown twice.
      bridge.emit('fanout.output', { jobId: job.id, chunks: [{ index: 1, stream: 'stdout', text: 'boot ok\n', end: 8 }] });
      bridge.emit('fanout.output', { jobId: job.id, chunks: [{ index: 1, stream: 'stdout', text: 'disk sda ERROR at 12\n', end: 29 }, { index: 0, stream: 'stdout', text: 'other host\n', end: 11 }] });
      bridge.emit('fanout.output', { jobId: 'fo-someoneelse', chunks: [{ index: 1, stream: 'stdout', text: 'not mine\n', end: 9 }] });
      bridge.emit('fanout.output', { jobId: job.id, chunks: [{ index: 1, stream: 'stdout', text: 'line 3 fine\nlater error again\n', end: 59 }, { index: 1, stream: 'stderr', text: 'warn: slow\n', end: 11 }] });
    });
    const stdout = within(pane).getByTestId('fanout-output-stdout');
    expect(within(stdout).getAllByTestId('fanout-output-line').map((l) => l.textContent)).toEqual(['1boot ok', '2disk sda ERROR at 12', '3line 3 fine', '4later error again']);
    expect(within(pane).getByTestId('fanout-output-stderr').textContent).toContain('warn: slow');
    expect(pane.textContent).not.toContain('other host');
    expect(pane.textContent).not.toContain('not mine');
    // Search: only matching lines (case-insensitive), keeping their line numbers, the match marked.
    fireEvent.change(within(pane).getByLabelText('Search output'), { target: { value: 'error' } });
    expect(within(stdout).getAllByTestId('fanout-output-line').map((l) => l.textContent)).toEqual(['2disk sda ERROR at 12', '4later error again']);
    expect([...stdout.querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['ERROR', 'error']);
    expect(within(pane).getByTestId('fanout-output-stderr').textContent).toContain('(no line matches)');

    // A host whose start is no longer kept: the pane says so. A finished host's error is in full there.
    job = baseJob({ state: 'done', rows: [row(0, '10.0.0.1:22', { state: 'done', durationMs: 4, error: { code: 'AUTH_FAILED', message: 'Permission denied (publickey) for root@10.0.0.1:22; check the profile\'s key.' } }), row(1, '10.0.0.2:22', { state: 'done', exitCode: 0 })] });
    await act(async () => {
      bridge.emit('fanout.done', { jobId: job.id, state: 'done', totals: totals({ pending: 0, ok: 1, failed: 1 }), durationMs: 10 });
    });
    const first = panel.querySelector('[data-host="10.0.0.1:22"]')!;
    // The table shows the full error (it wraps), not a cut badge.
    expect(within(first as HTMLElement).getByTestId('fanout-summary-line').textContent).toBe("AUTH_FAILED: Permission denied (publickey) for root@10.0.0.1:22; check the profile's key.");
    fanoutOutputStore.getState().replace(1, { host: '10.0.0.2:22', stdout: 'tail\n', stderr: '', droppedBytes: { stdout: 4096, stderr: 0 }, endBytes: { stdout: 4101, stderr: 0 }, matches: [] });
    await act(async () => undefined);
    expect(within(pane).getByTestId('fanout-output-dropped').textContent).toContain('4,096');
  });

  it('"Re-run failed hosts" re-runs every failed host (not cancelled ones) with failed: true and clears their old output', async () => {
    const job = baseJob({
      state: 'done',
      totals: totals({ total: 3, pending: 0, ok: 1, failed: 1, cancelled: 1 }),
      rows: [row(0, 'a:22', { state: 'done', exitCode: 0 }), row(1, 'b:22', { state: 'done', exitCode: 3 }), row(2, 'c:22', { state: 'cancelled' })],
    });
    let current = job;
    const bridge = createFakeBridge({
      'credentials.list': () => ok([keyProfile(1, 'ops', 'root')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([job]),
      'fanout.get': () => ok(current),
      'fanout.template.list': () => ok([]),
      'fanout.rerun': () => {
        current = { ...job, state: 'running', rows: [job.rows[0]!, row(1, 'b:22', { state: 'pending' }), job.rows[2]!] };
        return ok(current);
      },
    });
    const panel = await openFanoutPanel(bridge);
    await within(panel).findAllByTestId('fanout-row');
    await act(async () => {
      bridge.emit('fanout.output', { jobId: job.id, chunks: [{ index: 1, stream: 'stdout', text: 'first try\n', end: 10 }] });
    });
    expect(fanoutOutputStore.getState().hosts[1]?.stdout.text).toBe('first try\n');
    const button = within(panel).getByTestId('fanout-rerun-failed');
    expect(button.textContent).toBe('Re-run failed hosts (1)');
    await act(async () => {
      fireEvent.click(button);
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.rerun')?.input).toEqual({ jobId: job.id, failed: true });
    expect(fanoutOutputStore.getState().hosts[1]).toBeUndefined();
    // While it runs again, there is nothing to re-run.
    expect(within(panel).queryByTestId('fanout-rerun-failed')).toBeNull();
  });

  it('saves the form as a template under a name and starts a new run from a saved one (command, hosts, jumps, credential)', async () => {
    const saved: FanoutTemplate[] = [
      {
        name: 'disk check',
        command: 'df -h',
        hosts: ['10.0.0.7', '10.0.0.8:2222'],
        vms: [],
        sshConfigHosts: [],
        jumps: [{ host: 'bastion', port: 2200, user: 'ops', credential: 'bastion-key' }],
        credential: 'ops',
        user: null,
        concurrency: 5,
        timeoutMs: 30_000,
        createdAt: '',
        createdBy: 'test',
        updatedAt: '',
      },
    ];
    const bridge = createFakeBridge({
      'credentials.list': () => ok([keyProfile(1, 'ops', 'root'), keyProfile(2, 'bastion-key', 'ops')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'fanout.template.list': () => ok(saved),
      'fanout.template.save': (input) => ok({ ...(input as object), vms: [], sshConfigHosts: [], jumps: [], user: null, createdAt: '', createdBy: 't', updatedAt: '' }),
      'fanout.start': () => ({ ok: false as const, error: { code: 'UNREACHABLE', message: 'stop here' } }),
    });
    const panel = await openFanoutPanel(bridge);
    const picker = (await within(panel).findByLabelText('Start from a template')) as HTMLSelectElement;
    fireEvent.change(picker, { target: { value: 'disk check' } });
    expect((within(panel).getByLabelText('Command') as HTMLTextAreaElement).value).toBe('df -h');
    expect((within(panel).getByLabelText('Hosts') as HTMLTextAreaElement).value).toBe('10.0.0.7\n10.0.0.8:2222');
    expect((within(panel).getByLabelText('Jump host(s)') as HTMLInputElement).value).toBe('ops@bastion:2200');
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.start')?.input).toEqual({
      hosts: ['10.0.0.7', '10.0.0.8:2222'],
      vms: [],
      credential: 'ops',
      jumps: [{ host: 'bastion', port: 2200, user: 'ops', credential: 'bastion-key' }],
      command: 'df -h',
      concurrency: 5,
      timeoutMs: 30_000,
    });

    // Save: a name is required, then the form goes as it is.
    fireEvent.change(within(panel).getByLabelText('Command'), { target: { value: 'df -i' } });
    fireEvent.click(within(panel).getByRole('button', { name: 'Save as template…' }));
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Save template' }));
    });
    expect(within(panel).getByTestId('fanout-template-message').textContent).toBe('Give the template a name.');
    expect(bridge.calls.some((c) => c.command === 'fanout.template.save')).toBe(false);
    fireEvent.change(within(panel).getByLabelText('Template name'), { target: { value: 'inodes' } });
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Save template' }));
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.template.save')?.input).toMatchObject({ name: 'inodes', command: 'df -i', hosts: ['10.0.0.7', '10.0.0.8:2222'], credential: 'ops' });
    expect(within(panel).getByTestId('fanout-template-message').textContent).toBe('Saved as "inodes".');
    // The list is read again after a save.
    expect(bridge.calls.filter((c) => c.command === 'fanout.template.list').length).toBeGreaterThanOrEqual(2);
  });

  it('keeps only the tail of a stream (bounded like core) and counts what it dropped', () => {
    expect(appendBounded({ text: 'abcdef', dropped: 0, end: 6 }, 'gh', 8, 5)).toEqual({ text: 'defgh', dropped: 3, end: 8 });
    // A chunk that does not reach past what is held is already in it.
    expect(appendBounded({ text: 'abcdef', dropped: 0, end: 6 }, 'ef', 6, 5)).toEqual({ text: 'abcdef', dropped: 0, end: 6 });
    const store = createFanoutOutputStore(10);
    store.getState().reset('fo-x');
    for (let i = 0; i < 100; i++) store.getState().append({ jobId: 'fo-x', chunks: [{ index: 0, stream: 'stdout', text: `${i % 10}`, end: i + 1 }] });
    expect(store.getState().hosts[0]?.stdout).toEqual({ text: '0123456789', dropped: 90, end: 100 });
    expect(matchingLines('a\nB b\nc\n', 'b')).toEqual([{ line: 2, text: 'B b' }]);
    expect(splitMatches('xAax', 'a')).toEqual([{ text: 'x', match: false }, { text: 'A', match: true }, { text: 'a', match: true }, { text: 'x', match: false }]);
  });
});
