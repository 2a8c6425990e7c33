import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FanoutJob, FanoutRow, FanoutTotals } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';
import { fanoutStore } from './fanout-store';
import { hopCredential, jumpHopsOf, withHopCredential } from './JumpHostsField';
import { keyProfile, ok, withLayoutHeight } from '../../testing/fixtures';
import { openFanoutPanel } from '../../testing/fanout-panel';

withLayoutHeight(600);

afterEach(() => {
  unmountAll();
  fanoutStore.setState({ job: null, hostsText: '', vms: [], vmPort: '22', configHosts: [], jumpsText: '', jumpCredentials: [], command: '', failedOnly: false });
});

const trusted = (input: unknown) => ok({ id: 1, ...(input as object), hashed: false, keyType: null, source: 'operator', addedAt: '', addedBy: 'test' });
const pending = (index: number, host: string): FanoutRow => ({ index, host, vm: null, jump: null, state: 'pending', exitCode: null, durationMs: null, stdoutHead: '', stderrHead: '', truncated: false, error: null });
const totals = (patch: Partial<FanoutTotals>): FanoutTotals => ({ total: 3, ok: 0, failed: 0, cancelled: 0, pending: 3, running: 0, unknownHostKeys: 0, ...patch });

describe('Run on many hosts (component, FAKE bridge)', () => {
  it('starts a job from the form, fills rows from fanout.result events, filters failed ones and offers trust-and-re-run for unknown keys', async () => {
    const job: FanoutJob = {
      id: 'fo-abcdef01',
      command: 'uptime',
      credential: 'ops',
      user: 'root',
      concurrency: 20,
      timeoutMs: 60_000,
      state: 'running',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: null,
      startedBy: 'test',
      totals: totals({}),
      rows: [pending(0, '10.0.0.1:22'), pending(1, '10.0.0.2:2222'), pending(2, 'h3:22')],
    };
    let current = job;
    const bridge = createFakeBridge({
      'credentials.list': () => ok([keyProfile(1, 'ops', 'root')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'fanout.start': () => ok(job),
      'fanout.get': () => ok(current),
      'knownHosts.trust': trusted,
      'fanout.rerun': () => ok({ ...job, state: 'running' }),
    });
    await renderApp(bridge, 'terminals');
    // The Terminals page is loaded on first open (xterm is most of the bundle).
    await screen.findByTestId('fanout-toggle', {}, { timeout: 10_000 });
    await act(async () => {
      fireEvent.click(screen.getByTestId('fanout-toggle'));
      window.dispatchEvent(new HashChangeEvent('hashchange'));
    });
    const panel = screen.getByTestId('fanout-panel');
    fireEvent.change(within(panel).getByLabelText('Hosts'), { target: { value: '10.0.0.1\n10.0.0.2:2222 h3\nnot a host!' } });
    expect(within(panel).getByTestId('fanout-target-count').textContent).toBe('5 targets');
    fireEvent.change(within(panel).getByLabelText('Command'), { target: { value: 'uptime' } });
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    // A line it cannot read stops the run before anything is sent.
    expect(within(panel).getByTestId('fanout-form-error').textContent).toContain('"host!"');
    expect(bridge.calls.some((c) => c.command === 'fanout.start')).toBe(false);
    fireEvent.change(within(panel).getByLabelText('Hosts'), { target: { value: '10.0.0.1\n10.0.0.2:2222 h3' } });
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.start')?.input).toEqual({ hosts: ['10.0.0.1', '10.0.0.2:2222', 'h3'], vms: [], credential: 'ops', command: 'uptime', concurrency: 20, timeoutMs: 60_000 });
    expect(within(panel).getAllByTestId('fanout-row')).toHaveLength(3);

    await act(async () => {
      bridge.emit('fanout.result', { jobId: job.id, row: { ...pending(1, '10.0.0.2:2222'), state: 'done', exitCode: 0, durationMs: 40, stdoutHead: 'up 3 days' }, totals: totals({ ok: 1, pending: 2 }) });
      bridge.emit('fanout.result', {
        jobId: job.id,
        row: { ...pending(2, 'h3:22'), state: 'done', durationMs: 5, error: { code: 'HOST_KEY_UNKNOWN', message: 'not known', details: { host: 'h3', port: 22, keyType: 'ssh-ed25519', fingerprint: `SHA256:${'A'.repeat(43)}` } } },
        totals: totals({ ok: 1, failed: 1, pending: 1, unknownHostKeys: 1 }),
      });
      bridge.emit('fanout.result', { jobId: 'fo-someoneelse', row: { ...pending(0, '10.0.0.1:22'), state: 'done', exitCode: 9 }, totals: totals({}) });
    });
    const row = (host: string) => panel.querySelector(`[data-host="${host}"]`)!;
    expect(within(row('10.0.0.2:2222') as HTMLElement).getByTestId('fanout-status').textContent).toBe('ok');
    expect(row('10.0.0.2:2222').textContent).toContain('up 3 days');
    expect(within(row('10.0.0.1:22') as HTMLElement).getByTestId('fanout-status').textContent).toBe('pending');
    expect(within(panel).getByTestId('fanout-summary').textContent).toContain('2/3 done');
    fireEvent.click(within(panel).getByLabelText('Failed only'));
    expect(within(panel).getAllByTestId('fanout-row').map((r) => r.getAttribute('data-host'))).toEqual(['h3:22']);

    // Unknown key: fingerprint shown; trust waits until the job is done.
    const unknown = within(panel).getByTestId('fanout-unknown-keys');
    expect(within(unknown).getByTestId('fanout-fingerprint').textContent).toBe(`ssh-ed25519 SHA256:${'A'.repeat(43)}`);
    expect((within(unknown).getByRole('button', { name: 'Trust and re-run this host' }) as HTMLButtonElement).disabled).toBe(true);
    const unknownRow: FanoutRow = { ...pending(2, 'h3:22'), state: 'done', durationMs: 5, error: { code: 'HOST_KEY_UNKNOWN', message: 'not known', details: { host: 'h3', port: 22, keyType: 'ssh-ed25519', fingerprint: `SHA256:${'A'.repeat(43)}` } } };
    const doneRow: FanoutRow = { ...pending(0, '10.0.0.1:22'), state: 'done', exitCode: 0, durationMs: 30 };
    current = { ...job, state: 'done', totals: totals({ ok: 2, failed: 1, pending: 0, unknownHostKeys: 1 }), rows: [doneRow, { ...pending(1, '10.0.0.2:2222'), state: 'done', exitCode: 0, durationMs: 40, stdoutHead: 'up 3 days' }, unknownRow] };
    await act(async () => {
      bridge.emit('fanout.done', { jobId: job.id, state: 'done', totals: totals({ ok: 2, failed: 1, pending: 0, unknownHostKeys: 1 }), durationMs: 100 });
    });
    await act(async () => {
      fireEvent.click(within(unknown).getByRole('button', { name: 'Trust and re-run this host' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'knownHosts.trust' || c.command === 'fanout.rerun').map((c) => c.input)).toEqual([
      { host: 'h3', port: 22, fingerprint: `SHA256:${'A'.repeat(43)}`, keyType: 'ssh-ed25519' },
      { jobId: job.id, hosts: ['h3:22'] },
    ]);
  });

  it('adds inventory VMs found by search (shown with their guest IP) and sends them as VM targets', async () => {
    const vm = (moref: string, name: string, ip: string | null) => ({ site: 'lab', moref, name, uuid: null, instanceUuid: null, powerState: 'poweredOn', guestId: null, guestFullName: null, ipAddress: ip, ipAddresses: ip ? [ip] : [], hostName: null, toolsRunningStatus: null, host: null, numCpu: null, memoryMB: null, annotation: null, folderPath: null, updatedAt: '', removedAt: null });
    const bridge = createFakeBridge({
      'credentials.list': () => ok([{ id: 1, name: 'ops', kind: 'password', username: 'root', scope: { type: 'global' }, createdAt: '', updatedAt: '' }]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'sites.list': () => ok([{ id: 1, name: 'lab', url: 'https://vc/sdk', username: 'u', lastSyncAt: null, connected: true }]),
      'vms.list': (input) => ok((input as { query?: string }).query === 'web' ? [vm('vm-1', 'web-1', '10.1.0.5'), vm('vm-2', 'web-2', null)] : []),
      'fanout.start': () => ({ ok: false, error: { code: 'NOT_FOUND', message: 'No VM vm-2 in site lab.' } }),
    });
    const panel = await openFanoutPanel(bridge);
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Add VMs from inventory…' }));
    });
    const picker = within(panel).getByTestId('fanout-vm-picker');
    await act(async () => {
      fireEvent.change(within(picker).getByLabelText('Search VMs to add as targets'), { target: { value: 'web' } });
      await new Promise((r) => setTimeout(r, 250));
    });
    const grid = within(picker).getByRole('grid', { name: 'VMs to add as targets' });
    expect([...grid.querySelectorAll('[data-testid="vm-picker-row"]')].map((r) => [r.getAttribute('data-vm'), r.querySelector('.mono')?.textContent])).toEqual([
      ['web-1', '10.1.0.5'],
      ['web-2', '—'],
    ]);
    await act(async () => {
      fireEvent.click(within(picker).getByRole('button', { name: 'Pick all shown' }));
    });
    expect(within(picker).getByTestId('vm-picker-selected-count').textContent).toBe('2 VMs picked');
    expect(within(panel).getByTestId('fanout-target-count').textContent).toBe('2 targets');
    fireEvent.click(within(panel).getByRole('button', { name: 'Remove web-2' }));
    expect(within(panel).getByTestId('fanout-target-count').textContent).toBe('1 target');
    fireEvent.change(within(panel).getByLabelText('Command'), { target: { value: 'hostname' } });
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.start')?.input).toMatchObject({ hosts: [], vms: [{ site: 'lab', vm: 'vm-1', port: 22 }], credential: 'ops' });
    // A refused start is one clear error with its code, and the form keeps what was typed.
    expect(within(panel).getByTestId('fanout-form-error').textContent).toBe('NOT_FOUND: No VM vm-2 in site lab.');
    expect((within(panel).getByLabelText('Command') as HTMLTextAreaElement).value).toBe('hostname');
  });

  it('Jump host(s): a bad chain is one clear error before anything runs; ~/.ssh/config hosts carry their ProxyJump; rows say the jump; a jump host\'s unknown key is trusted once for every host behind it', async () => {
    const fingerprint = `SHA256:${'B'.repeat(43)}`;
    const jumpKeyError = (host: string) => ({ code: 'HOST_KEY_UNKNOWN', message: `Jump host ops@bastion:2200: The host key of bastion:2200 is not known`, details: { host: 'bastion', port: 2200, keyType: 'ssh-ed25519', fingerprint, target: host } });
    const via = 'ops@bastion:2200';
    const job: FanoutJob = {
      id: 'fo-jump0001',
      command: 'uptime',
      credential: 'ops',
      user: 'root',
      concurrency: 20,
      timeoutMs: 60_000,
      state: 'done',
      startedAt: '2026-01-01T00:00:00Z',
      finishedAt: '2026-01-01T00:00:01Z',
      startedBy: 'test',
      totals: totals({ total: 2, failed: 2, pending: 0, unknownHostKeys: 2 }),
      rows: [
        { ...pending(0, '10.9.0.1:22'), jump: via, state: 'done', durationMs: 3, error: jumpKeyError('10.9.0.1:22') },
        { ...pending(1, '10.9.0.7:22'), jump: `${via} -> root@inner:22`, state: 'done', durationMs: 3, error: jumpKeyError('10.9.0.7:22') },
      ],
    };
    const bridge = createFakeBridge({
      'credentials.list': () => ok([keyProfile(1, 'ops', 'root'), keyProfile(2, 'bastion-key', 'ops')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'sshConfig.hosts': () => ok([{ alias: 'guest-7', hostName: '10.9.0.7', port: 22, user: 'root', identityFiles: [], proxyJump: ['inner'] }]),
      'fanout.start': () => ok(job),
      'fanout.get': () => ok(job),
      'knownHosts.trust': trusted,
      'fanout.rerun': () => ok({ ...job, state: 'running' }),
    });
    const panel = await openFanoutPanel(bridge);
    fireEvent.change(within(panel).getByLabelText('Hosts'), { target: { value: '10.9.0.1' } });
    // ~/.ssh/config: the host's ProxyJump is used, not ignored.
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Import ~/.ssh/config hosts…' }));
    });
    const config = within(panel).getByTestId('fanout-ssh-config');
    expect(config.textContent).toContain('via inner (its ProxyJump)');
    expect(config.textContent).not.toContain('not used');
    await act(async () => {
      fireEvent.click(within(config).getByRole('button', { name: 'Add 1 hosts' }));
    });
    expect(within(panel).getByTestId('fanout-config-hosts').textContent).toContain('guest-7');
    expect(within(panel).getByTestId('fanout-target-count').textContent).toBe('2 targets');
    fireEvent.change(within(panel).getByLabelText('Command'), { target: { value: 'uptime' } });

    // A chain it cannot read: said under the field as you type, and Run sends nothing.
    const jumpField = within(panel).getByLabelText('Jump host(s)');
    fireEvent.change(jumpField, { target: { value: 'ops@bastion:99999' } });
    expect(within(panel).getByTestId('jump-hosts-hint').textContent).toBe('"ops@bastion:99999" is not [user@]host[:port] ([IPv6]:port with a port; port 1-65535).');
    expect(jumpField.getAttribute('aria-invalid')).toBe('true');
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    expect(within(panel).getByTestId('fanout-form-error').textContent).toBe('Jump host(s): "ops@bastion:99999" is not [user@]host[:port] ([IPv6]:port with a port; port 1-65535).');
    expect(bridge.calls.some((c) => c.command === 'fanout.start')).toBe(false);

    fireEvent.change(jumpField, { target: { value: 'ops@bastion:2200' } });
    expect(within(panel).getByTestId('jump-hosts-hint').textContent).toContain('Every target goes through this jump host');
    fireEvent.change(within(panel).getByLabelText('Credential for hop 1'), { target: { value: 'bastion-key' } });
    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.start')?.input).toEqual({
      hosts: ['10.9.0.1'],
      vms: [],
      sshConfigHosts: ['guest-7'],
      credential: 'ops',
      jumps: [{ host: 'bastion', port: 2200, user: 'ops', credential: 'bastion-key' }],
      command: 'uptime',
      concurrency: 20,
      timeoutMs: 60_000,
    });
    // Rows say which jump they went through.
    expect(within(panel).getAllByTestId('fanout-jump').map((e) => e.textContent?.trim())).toEqual([`via ${via}`, `via ${via} -> root@inner:22`]);
    // The bastion's key stopped both rows: listed once, trusted once, both hosts run again.
    const unknown = within(panel).getByTestId('fanout-unknown-keys');
    expect(within(unknown).getByRole('heading').textContent).toBe('1 host key is not known');
    expect(within(unknown).getByTestId('fanout-jump-key').textContent).toBe('jump host of 2 hosts');
    expect(within(unknown).getByText('bastion:2200')).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(unknown).getByRole('button', { name: 'Trust and re-run these 2 hosts' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'knownHosts.trust' || c.command === 'fanout.rerun').map((c) => c.input)).toEqual([
      { host: 'bastion', port: 2200, fingerprint, keyType: 'ssh-ed25519' },
      { jobId: job.id, hosts: ['10.9.0.1:22', '10.9.0.7:22'] },
    ]);
  });

  it('Jump host(s): one credential row per hop of the typed chain, each defaulting to the hop before; the job sends each hop with its own profile', async () => {
    const bridge = createFakeBridge({
      'credentials.list': () => ok([keyProfile(1, 'ops', 'root'), keyProfile(2, 'bastion-key', 'ops'), keyProfile(3, 'inner-key', 'jump')]),
      'terminal.list': () => ok([]),
      'fanout.list': () => ok([]),
      'fanout.start': () => ({ ok: false as const, error: { code: 'UNREACHABLE', message: 'stop here' } }),
    });
    const panel = await openFanoutPanel(bridge);
    await within(panel).findByRole('option', { name: /inner-key/ });
    fireEvent.change(within(panel).getByLabelText('Hosts'), { target: { value: '10.9.0.1\n10.9.0.2' } });
    fireEvent.change(within(panel).getByLabelText('Command'), { target: { value: 'uptime' } });
    fireEvent.change(within(panel).getByLabelText('Credential profile'), { target: { value: 'ops' } });
    expect(within(panel).queryByTestId('jump-hops')).toBeNull();

    const chain = within(panel).getByLabelText('Jump host(s)');
    fireEvent.change(chain, { target: { value: 'ops@bastion:2200, jump@[fd00::7]:22 10.0.0.9' } });
    expect(within(panel).getAllByTestId('jump-hop-address').map((e) => e.textContent)).toEqual(['ops@bastion:2200', 'jump@[fd00::7]:22', '10.0.0.9:22']);
    const hop = (n: number) => within(panel).getByLabelText(`Credential for hop ${n}`) as HTMLSelectElement;
    expect([hop(1).value, hop(2).value, hop(3).value]).toEqual(['', '', '']);
    expect(within(hop(1)).getAllByRole('option')[0]!.textContent).toBe('Same as the targets');
    // Picking the first hop's profile carries to the hops after it that were left alone.
    fireEvent.change(hop(1), { target: { value: 'bastion-key' } });
    expect([hop(1).value, hop(2).value, hop(3).value]).toEqual(['bastion-key', 'bastion-key', 'bastion-key']);
    fireEvent.change(hop(2), { target: { value: 'inner-key' } });
    expect([hop(1).value, hop(2).value, hop(3).value]).toEqual(['bastion-key', 'inner-key', 'inner-key']);
    // A hop chosen on its own stays when an earlier one changes.
    fireEvent.change(hop(1), { target: { value: '' } });
    expect([hop(1).value, hop(2).value, hop(3).value]).toEqual(['', 'inner-key', 'inner-key']);
    fireEvent.change(hop(1), { target: { value: 'bastion-key' } });
    // Tab order: chain, then each hop's picker in order (native selects: arrow keys choose).
    const focusable = [...panel.querySelectorAll<HTMLElement>('input, select, textarea, button')].filter((e) => !e.hasAttribute('disabled'));
    const at = (e: HTMLElement) => focusable.indexOf(e);
    expect(at(chain)).toBeLessThan(at(hop(1)));
    expect(at(hop(1)) + 1).toBe(at(hop(2)));
    expect(at(hop(2)) + 1).toBe(at(hop(3)));

    await act(async () => {
      fireEvent.click(within(panel).getByRole('button', { name: 'Run' }));
    });
    expect(bridge.calls.find((c) => c.command === 'fanout.start')?.input).toMatchObject({
      credential: 'ops',
      jumps: [
        { host: 'bastion', port: 2200, user: 'ops', credential: 'bastion-key' },
        { host: 'fd00::7', port: 22, user: 'jump', credential: 'inner-key' },
        { host: '10.0.0.9', port: 22, credential: 'inner-key' },
      ],
    });
    // Dropping the middle hop from the text: the rows follow the chain.
    fireEvent.change(chain, { target: { value: 'ops@bastion:2200' } });
    expect(within(panel).getAllByTestId('jump-hop')).toHaveLength(1);
    expect(hop(1).value).toBe('bastion-key');
  });

  it('hop credentials: a hop left alone uses the previous hop\'s choice, the first the targets\'', () => {
    expect(hopCredential([], 0)).toBe('');
    expect(hopCredential(['a'], 3)).toBe('a');
    expect(hopCredential(['a', null, 'b'], 1)).toBe('a');
    expect(hopCredential(['', 'b'], 0)).toBe('');
    expect(withHopCredential([], 2, 'c')).toEqual([null, null, 'c']);
    expect(withHopCredential(['a', 'b'], 0, 'z')).toEqual(['z', 'b']);
    expect(jumpHopsOf({ text: 'x, y', credentials: [null, 'inner'] }, 'target')).toEqual({ hops: [{ host: 'x', port: 22, credential: 'target' }, { host: 'y', port: 22, credential: 'inner' }] });
    expect(jumpHopsOf({ text: 'x:0', credentials: [] }, 'target')).toMatchObject({ error: expect.stringContaining('Jump host(s):') });
  });
});
