import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { VMS_LIST_MAX, type FirewallView, type PoolView, type SiteSummary, type VmSummary } from '../../../core/contract';
import type { CmdbRecord, EnrollmentCheck, OsRule, VmEligibility } from '../../../core/contract/enrollment';
import type { CredentialView } from '../../../core/contract/remote';
import { createFakeBridge, type FakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';
import { testVm, testSite, withLayoutHeight } from '../../testing/fixtures';

afterEach(unmountAll);

// jsdom lays nothing out: give the picker's scroll box a height so the virtualizer renders rows.
withLayoutHeight(600);

const site: SiteSummary = testSite;
const vm = (name: string, extra: Partial<VmSummary> = {}): VmSummary => testVm(name, { ...extra });
const vms = [vm('app-1'), vm('app-2', { powerState: 'poweredOff', toolsRunningStatus: 'guestToolsNotRunning' }), vm('app-3'), vm('db-1', { toolsRunningStatus: 'guestToolsNotRunning', guestId: 'windows2019srv_64Guest', guestFullName: 'Microsoft Windows Server 2019 (64-bit)' })];

const record = (id: number, extra: Partial<CmdbRecord> = {}): CmdbRecord => ({
  id,
  site: 'dc1',
  vmMoref: 'vm-app-3',
  instanceUuid: null,
  vmName: 'app-3',
  os: 'Ubuntu Linux (64-bit)',
  osRule: 'ubuntu',
  privateIp: '10.0.0.7',
  publicIp: '203.0.113.7',
  natRecordId: 3,
  firewall: 'edge',
  credential: 'guest-root',
  serviceAccount: 'outpost',
  credentialMethod: 'guest-api',
  enrolledAt: '2025-01-01T00:00:00Z',
  enrolledBy: 'ada',
  offboardedAt: null,
  offboardedBy: null,
  enrollProcedureId: '11111111-2222-3333-4444-555555555555',
  offboardProcedureId: null,
  status: 'active',
  vcenterDeletedAt: null,
  guestIpSeen: null,
  guestIpSeenAt: null,
  ...extra,
});

const credential: CredentialView = { id: 1, name: 'guest-root', kind: 'password', username: 'root', scope: { type: 'global' }, createdAt: '', updatedAt: '' };
const firewall: FirewallView = { id: 1, name: 'edge', driver: 'manual', settings: { manualSyntax: 'iptables' }, connection: { type: 'none' }, createdAt: '', createdBy: 'ada' };
const pool = (name: string, kind: 'public' | 'private'): PoolView => ({
  id: name.length,
  name,
  cidr: kind === 'public' ? '203.0.113.0/28' : '10.0.0.0/24',
  family: 4,
  kind,
  scope: '',
  gateway: null,
  reserved: [],
  createdAt: '',
  createdBy: 'ada',
  size: '14',
  allocated: 1,
  reservedCount: '0',
});

const ubuntuRule: OsRule = {
  id: 'ubuntu',
  label: 'Ubuntu 20.04 or later',
  family: 'linux',
  guestIdPattern: '^ubuntu',
  guestFullNamePattern: 'ubuntu',
  guestOsIds: ['ubuntu'],
  minVersion: '20.04',
  minFreeDiskMB: 1024,
  requiredServices: ['ssh'],
  access: 'ssh',
};

const eligibility = (name: string, eligible: boolean, checks: VmEligibility['checks']): VmEligibility => ({
  vm: `vm-${name}`,
  name,
  moref: `vm-${name}`,
  instanceUuid: null,
  guestFullName: 'Ubuntu Linux (64-bit)',
  privateIp: '10.0.0.5',
  osRule: 'ubuntu',
  credentialMethod: eligible ? 'guest-api' : null,
  eligible,
  checks,
});

const checkResult: EnrollmentCheck = {
  site: 'dc1',
  poolFree: '13',
  targets: [
    { id: 'firewall', label: 'Firewall', status: 'pass', message: 'edge (manual)', code: null },
    { id: 'pool', label: 'Pool', status: 'pass', message: '13 free', code: null },
  ],
  vms: [
    eligibility('app-1', true, [
      { id: 'powered-on', label: 'Powered on', status: 'pass', message: 'poweredOn', code: null },
      { id: 'os-version', label: 'OS version', status: 'pass', message: 'Ubuntu 22.04 ≥ 20.04', code: null },
    ]),
    eligibility('app-2', false, [
      { id: 'powered-on', label: 'Powered on', status: 'fail', message: 'The VM is powered off: power it on first', code: 'ENROLL_INELIGIBLE' },
      { id: 'credentials', label: 'Guest login', status: 'skipped', message: 'not run: an earlier check failed', code: null },
    ]),
    eligibility('app-3', true, [{ id: 'free-disk', label: 'Free disk', status: 'warn', message: '2100 MB free (2048 needed)', code: null }]),
  ],
};

const PROC_A = 'aaaaaaaa-0000-4000-8000-000000000001';
const PROC_C = 'cccccccc-0000-4000-8000-000000000003';
const ok = (value: unknown) => ({ ok: true as const, value });
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
const calls = (bridge: FakeBridge, command: string) => bridge.calls.filter((c) => c.command === command).map((c) => c.input);

function bridge(overrides: Partial<Record<string, FakeHandler>> = {}): FakeBridge {
  return createFakeBridge({
    'sites.list': () => ok([site]),
    'vms.list': (input) => {
      const q = input as { query?: string };
      return ok(q.query ? vms.filter((v) => v.name.includes(q.query!)) : vms);
    },
    'credentials.list': () => ok([credential, { ...credential, id: 2, name: 'vc-admin', kind: 'vcenter' }, { ...credential, id: 3, name: 'svc-key', kind: 'private-key', username: 'outpost' }]),
    'firewalls.list': () => ok([firewall]),
    'ipam.pools.list': () => ok([pool('inside', 'private'), pool('public', 'public')]),
    'enrollment.rules': () => ok({ source: '/app/resources/enrollment/os-requirements.json', rules: [ubuntuRule], ansibleAvailable: false }),
    'cmdb.list': (input) => ok((input as { status?: string }).status === 'active' ? [record(1)] : [record(1), record(2, { vmName: 'old-1', vmMoref: 'vm-old', status: 'offboarded', offboardedAt: '2025-01-02T00:00:00Z', offboardedBy: 'ada' })]),
    'enrollment.check': () => ok(checkResult),
    'enrollment.start': () =>
      ok({
        batchId: 'batch-1',
        concurrency: 2,
        items: [
          { vm: 'vm-app-1', name: 'app-1', procedureId: PROC_A, error: null },
          { vm: 'vm-app-3', name: 'app-3', procedureId: PROC_C, error: null },
        ],
      }),
    'procedures.list': () => ok([]),
    'procedures.get': (input) => {
      const id = (input as { id: string }).id;
      return ok({
        procedure: { id, kind: 'enroll-vm', state: 'rolled-back', target: 'app-1', createdAt: '', updatedAt: '', createdBy: 'ada', title: 'Enroll app-1', context: {}, error: null, finishedAt: null, cancelRequested: false },
        steps: [{ idx: 6, name: 'verify-access', title: 'Verify access through the public IP', state: 'failed', output: null, error: { code: 'SSH_AUTH', message: 'The service key was refused at 203.0.113.2' }, gate: null, attempts: 1, startedAt: null, finishedAt: null }],
        journal: [],
      });
    },
    ...overrides,
  } as Parameters<typeof createFakeBridge>[0]);
}

const click = async (element: HTMLElement): Promise<void> => {
  await act(async () => {
    fireEvent.click(element);
  });
  await settle();
};
const update = (id: string, state: string, at: string, step: { idx: number; name: string; state: string } | null = null) => ({
  id,
  kind: 'enroll-vm',
  state,
  target: null,
  createdAt: '2025-01-01T00:00:00Z',
  updatedAt: at,
  createdBy: 'ada',
  step,
});

describe('Enrollment wizard (fake bridge)', () => {
  it('walks VMs → targets → check → run, refusing incomplete steps and enrolling only the eligible VMs, with live per-VM progress', async () => {
    let listed: unknown[] = [];
    const fake = bridge({ 'procedures.list': () => ok(listed) });
    await renderApp(fake, 'enrollment');
    await settle();

    // Step 1: the inventory's VMs with what stands against each one.
    const grid = screen.getByRole('grid', { name: 'VMs to enroll' });
    const row = (name: string) => grid.querySelector<HTMLElement>(`[data-vm="${name}"]`)!;
    const hints = (name: string) => [...row(name).querySelectorAll('[data-hint]')].map((h) => h.getAttribute('data-hint'));
    expect(hints('app-1')).toEqual([]);
    expect(hints('app-2')).toEqual(['powered-off']);
    expect(hints('app-3')).toEqual(['enrolled']); // the CMDB holds it
    expect(hints('db-1')).toEqual(['tools-not-running', 'os-unsupported']); // no rule covers Windows here

    // "Hide VMs that cannot enroll" leaves the ones nothing stands against.
    fireEvent.click(screen.getByRole('checkbox', { name: 'Hide VMs that cannot enroll' }));
    expect([...grid.querySelectorAll('[data-testid="vm-picker-row"]')].map((r) => r.getAttribute('data-vm'))).toEqual(['app-1']);
    fireEvent.click(screen.getByRole('checkbox', { name: 'Hide VMs that cannot enroll' }));

    // Next with nothing picked says so and stays.
    await click(screen.getByRole('button', { name: /^Next: targets/ }));
    expect(screen.getByTestId('wizard-problems').textContent).toBe('Pick at least one VM.');
    expect(screen.getByRole('button', { name: /VMs/, current: 'step' })).toBeTruthy();

    // Keyboard: the grid is one Tab stop; Down moves, Space picks (and unpicks).
    fireEvent.keyDown(grid, { key: 'Home' });
    fireEvent.keyDown(grid, { key: ' ' });
    expect(row('app-1').getAttribute('aria-selected')).toBe('true');
    expect(grid.getAttribute('aria-activedescendant')).toBe(row('app-1').id);
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    fireEvent.keyDown(grid, { key: ' ' });
    expect(row('app-2').getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(grid, { key: ' ' });
    expect(row('app-2').getAttribute('aria-selected')).toBe('false');

    await click(within(row('app-2')).getByRole('checkbox', { name: 'Pick app-2' }));
    await click(row('app-3'));
    expect(screen.getByTestId('vm-picker-selected-count').textContent).toBe('3 VMs picked');
    expect(row('app-1').getAttribute('aria-selected')).toBe('true');
    await click(screen.getByRole('button', { name: 'Next: targets for 3 VMs' }));

    // Step 2: nothing chosen yet → each field says what is missing; vCenter accounts are not offered.
    expect(screen.getByRole('complementary', { name: 'OS requirements' }).textContent).toContain('Ubuntu 20.04 or later');
    const credentialSelect = screen.getByLabelText('Credential profile') as HTMLSelectElement;
    expect([...credentialSelect.options].map((o) => o.value)).toEqual(['', 'guest-root', 'svc-key']);
    expect([...(screen.getByLabelText('Public pool') as HTMLSelectElement).options].map((o) => o.value)).toEqual(['', 'public']);
    await click(screen.getByRole('button', { name: 'Next: check' }));
    expect(credentialSelect.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Firewall').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Public pool').getAttribute('aria-invalid')).toBe('true');
    expect(calls(fake, 'enrollment.check')).toEqual([]);

    fireEvent.change(credentialSelect, { target: { value: 'guest-root' } });
    fireEvent.change(screen.getByLabelText('Firewall'), { target: { value: 'edge' } });
    fireEvent.change(screen.getByLabelText('Public pool'), { target: { value: 'public' } });
    fireEvent.change(screen.getByLabelText('Concurrency'), { target: { value: '99' } });
    await click(screen.getByRole('button', { name: 'Next: check' }));
    expect(screen.getByLabelText('Concurrency').getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('enroll-concurrency-error')?.textContent).toBe('A whole number from 1 to 32.');
    expect(screen.getByTestId('wizard-problems').textContent).toBe('Fix the marked fields.');
    fireEvent.change(screen.getByLabelText('Concurrency'), { target: { value: '2' } });
    // Only private-key profiles can be the service account's key.
    expect([...(screen.getByLabelText('Service account key') as HTMLSelectElement).options].map((o) => o.value)).toEqual(['', 'svc-key']);
    fireEvent.change(screen.getByLabelText('Service account key'), { target: { value: 'svc-key' } });
    await click(screen.getByRole('button', { name: 'Next: check' }));

    // Step 3: the check runs by itself and shows every VM's requirements.
    expect(calls(fake, 'enrollment.check')).toEqual([{ site: 'dc1', vms: ['vm-app-1', 'vm-app-2', 'vm-app-3'], credential: 'guest-root', firewall: 'edge', pool: 'public', guest: true }]);
    expect(screen.getByTestId('check-summary').textContent).toBe('2 of 3 eligible, 1 not');
    const app2 = screen.getByRole('article', { name: 'Check of app-2' });
    expect(within(app2).getByTestId('check-verdict').textContent).toBe('Not eligible');
    expect(within(app2).getByTestId('check-powered-on').getAttribute('data-status')).toBe('fail');
    expect(within(app2).getByTestId('check-powered-on').textContent).toContain('ENROLL_INELIGIBLE');
    expect(within(app2).getByTestId('check-powered-on').textContent).toContain('The VM is powered off');
    expect(within(app2).getByTestId('check-credentials').getAttribute('data-status')).toBe('skipped');
    const app1 = screen.getByRole('article', { name: 'Check of app-1' });
    expect(within(app1).getByTestId('check-credential-method').textContent).toContain('ValidateCredentialsInGuest');
    expect(within(app1).getByTestId('check-os-version').textContent).toContain('Ubuntu 22.04');
    expect(screen.getByTestId('enroll-run-note').textContent).toBe('1 VM is not eligible and will be left out.');

    // Step 4: only the eligible VMs are started; each row moves on its own events.
    await click(screen.getByRole('button', { name: 'Enroll 2 eligible VMs' }));
    expect(calls(fake, 'enrollment.start')).toEqual([
      { site: 'dc1', vms: ['vm-app-1', 'vm-app-3'], credential: 'guest-root', firewall: 'edge', pool: 'public', concurrency: 2, serviceAccount: 'outpost', serviceCredential: 'svc-key', setHostname: true, osActions: 'auto' },
    ]);
    const progress = () => screen.getByRole('region', { name: 'Enrollment progress' });
    const batchRow = (name: string) => within(progress()).getAllByTestId('batch-row').find((r) => r.getAttribute('data-vm') === name)!;
    expect(within(batchRow('app-1')).getByRole('link').getAttribute('href')).toBe(`#/procedures/${PROC_A}`);

    await act(async () => {
      fake.emit('procedure.updated', update(PROC_A, 'running', '2025-01-01T00:00:01Z', { idx: 3, name: 'nat', state: 'running' }));
      fake.emit('procedure.updated', update(PROC_C, 'running', '2025-01-01T00:00:01Z', { idx: 1, name: 'private-ip', state: 'running' }));
      fake.emit('procedure.log', { procedureId: PROC_C, id: 9, stepIdx: 1, at: '2025-01-01T00:00:01Z', level: 'info', message: 'Recorded 10.0.0.7 in IPAM' });
    });
    expect(batchRow('app-1').getAttribute('data-state')).toBe('running');
    expect(batchRow('app-1').textContent).toContain('4. nat');

    // A manual firewall: the run waits for the operator, and the row says where to go.
    await act(async () => {
      fake.emit('procedure.updated', update(PROC_A, 'waiting', '2025-01-01T00:00:01.500Z', { idx: 6, name: 'nat-confirm', state: 'waiting' }));
    });
    expect(within(batchRow('app-1')).getByTestId('batch-waiting').textContent).toBe('Waiting for you: open the procedure to see what to apply, then approve.');
    expect(within(within(batchRow('app-1')).getByTestId('batch-waiting')).getByRole('link').getAttribute('href')).toBe(`#/procedures/${PROC_A}`);
    expect(screen.getByTestId('batch-summary').textContent).toMatch(/1 waiting for you/);
    expect(batchRow('app-3').textContent).toContain('Recorded 10.0.0.7 in IPAM');

    // app-1 fails and rolls back: its error shows, app-3 goes on and finishes.
    await act(async () => {
      fake.emit('procedure.updated', update(PROC_A, 'rolled-back', '2025-01-01T00:00:02Z'));
    });
    await settle();
    expect(batchRow('app-1').getAttribute('data-state')).toBe('rolled-back');
    expect(within(batchRow('app-1')).getByTestId('batch-error').textContent).toBe('SSH_AUTH at Verify access through the public IP: The service key was refused at 203.0.113.2');
    await act(async () => {
      fake.emit('procedure.updated', update(PROC_C, 'succeeded', '2025-01-01T00:00:03Z'));
    });
    expect(batchRow('app-3').getAttribute('data-state')).toBe('succeeded');
    expect(screen.getByTestId('batch-summary').textContent).toMatch(/^1 of 2 done, 1 failed\. Finished\./);

    // Runs of other batches do not move these rows.
    await act(async () => {
      fake.emit('procedure.updated', update('other', 'failed', '2025-01-01T00:00:04Z'));
    });
    expect(within(progress()).getAllByTestId('batch-row')).toHaveLength(2);

    // Leaving the page (to a run's procedure, say) and coming back keeps the wizard where it was;
    // the rows are read again from procedures.list, which now has the runs.
    listed = [update(PROC_A, 'rolled-back', '2025-01-01T00:00:02Z'), update(PROC_C, 'succeeded', '2025-01-01T00:00:03Z')].map(({ step: _step, ...run }) => run);
    await act(async () => {
      window.location.hash = `#/procedures/${PROC_A}`;
    });
    await settle();
    expect(screen.queryByRole('region', { name: 'Enrollment progress' })).toBeNull();
    await act(async () => {
      window.location.hash = '#/enrollment';
    });
    await settle();
    expect(screen.getByTestId('batch-summary').textContent).toMatch(/^1 of 2 done, 1 failed\. Finished\./);
    expect(within(batchRow('app-1')).getByTestId('batch-error').textContent).toContain('SSH_AUTH');

    await click(screen.getByRole('button', { name: 'Enroll more VMs' }));
    expect(screen.getByTestId('vm-picker-selected-count').textContent).toBe('No VMs picked');
  });

  it('the VM picker searches and filters through the host, and shows a VM that enters the site (inventory.changed) with no reload', async () => {
    let listed = vms;
    const fake = bridge({
      'vms.list': (input) => {
        const q = input as { query?: string; powerState?: string };
        return ok(listed.filter((v) => (!q.query || v.name.includes(q.query)) && (!q.powerState || v.powerState === q.powerState)));
      },
    });
    await renderApp(fake, 'enrollment');
    await settle();
    const grid = screen.getByRole('grid', { name: 'VMs to enroll' });
    const shown = () => [...grid.querySelectorAll('[data-testid="vm-picker-row"]')].map((r) => r.getAttribute('data-vm'));
    expect(shown()).toEqual(['app-1', 'app-2', 'app-3', 'db-1']);

    await act(async () => {
      fireEvent.change(screen.getByLabelText('Power state'), { target: { value: 'poweredOff' } });
    });
    await settle();
    expect(shown()).toEqual(['app-2']);
    expect(calls(fake, 'vms.list').at(-1)).toEqual({ site: site.name, powerState: 'poweredOff', limit: VMS_LIST_MAX });
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Power state'), { target: { value: '' } });
      fireEvent.change(screen.getByLabelText('Search VMs to enroll'), { target: { value: 'app' } });
    });
    await act(async () => new Promise((r) => setTimeout(r, 200)));
    expect(shown()).toEqual(['app-1', 'app-2', 'app-3']);
    expect(grid.getAttribute('data-rendered-query')).toBe('app');

    listed = [...vms, vm('app-4')];
    await act(async () => {
      fake.emit('inventory.changed', { site: 'elsewhere', changes: [{ kind: 'enter', type: 'VirtualMachine', moref: 'vm-x' }], truncated: false });
    });
    await settle();
    expect(shown()).toEqual(['app-1', 'app-2', 'app-3']);
    await act(async () => {
      fake.emit('inventory.changed', { site: site.name, changes: [{ kind: 'enter', type: 'VirtualMachine', moref: 'vm-app-4' }], truncated: false });
    });
    await act(async () => new Promise((r) => setTimeout(r, 200)));
    expect(shown()).toEqual(['app-1', 'app-2', 'app-3', 'app-4']);
  });

  it('checks again after the targets change, and shows a check that could not run with its code', async () => {
    let fail = true;
    const fake = bridge({
      'enrollment.check': () => (fail ? { ok: false, error: { code: 'INTERNAL', message: 'enrollment is not in this build yet' } } : ok(checkResult)),
    });
    await renderApp(fake, 'enrollment');
    await settle();
    await click(screen.getByRole('grid', { name: 'VMs to enroll' }).querySelector<HTMLElement>('[data-vm="app-1"]')!);
    await click(screen.getByRole('button', { name: /^Next: targets/ }));
    fireEvent.change(screen.getByLabelText('Credential profile'), { target: { value: 'guest-root' } });
    fireEvent.change(screen.getByLabelText('Firewall'), { target: { value: 'edge' } });
    fireEvent.change(screen.getByLabelText('Public pool'), { target: { value: 'public' } });
    await click(screen.getByRole('button', { name: 'Next: check' }));
    expect(screen.getByTestId('check-failure').textContent).toBe('INTERNAL enrollment is not in this build yet');
    expect(screen.queryByRole('button', { name: /^Enroll \d/ })).toBeNull();

    fail = false;
    await click(screen.getByRole('button', { name: 'Run the check' }));
    expect(screen.getByTestId('check-summary')).toBeTruthy();
    expect(calls(fake, 'enrollment.check')).toHaveLength(2);

    // Back to the targets: without guest checks the key changes, so reopening checks again.
    await click(screen.getByRole('button', { name: 'Back' }));
    fireEvent.click(screen.getByRole('checkbox', { name: /Log in to each guest/ }));
    await click(screen.getByRole('button', { name: 'Next: check' }));
    expect(calls(fake, 'enrollment.check')).toHaveLength(3);
    expect(calls(fake, 'enrollment.check')[2]).toMatchObject({ guest: false });
  });
});

describe('CMDB tab (fake bridge)', () => {
  it('lists records, sends the filter to list and export alike, refreshes on cmdb.changed, and offboards after saying what is undone', async () => {
    const created: Blob[] = [];
    const createObjectURL = vi.fn((blob: Blob) => {
      created.push(blob);
      return 'blob:fake';
    });
    Object.assign(URL, { createObjectURL, revokeObjectURL: () => undefined });
    const fake = bridge({
      'cmdb.exportCsv': () => ok({ filename: 'outpost-cmdb.csv', csv: 'site,vm\r\ndc1,app-3\r\n', rows: 1 }),
      'enrollment.offboard': () => ok({ batchId: 'off-1', concurrency: 4, items: [{ vm: 'vm-app-3', name: 'app-3', procedureId: PROC_C, error: null }] }),
    });
    await renderApp(fake, 'enrollment');
    await settle();
    await click(screen.getByRole('tab', { name: /^CMDB/ }));
    expect(window.location.hash).toBe('#/enrollment/cmdb');

    const table = screen.getByTestId('cmdb-table');
    expect(within(table).getAllByTestId('cmdb-row').map((r) => r.getAttribute('data-vm'))).toEqual(['app-3']);
    expect(within(table).getByTestId('cmdb-public-ip').textContent).toBe('203.0.113.7');

    fireEvent.change(screen.getByLabelText('Record status'), { target: { value: 'all' } });
    fireEvent.change(screen.getByLabelText('Search the CMDB'), { target: { value: ' app ' } });
    await act(async () => new Promise((resolve) => setTimeout(resolve, 250))); // the search settles
    expect(calls(fake, 'cmdb.list').at(-1)).toEqual({ query: 'app', status: 'all', limit: 1000 });
    expect(screen.getAllByTestId('cmdb-row')).toHaveLength(2);
    const old = screen.getAllByTestId('cmdb-row').find((r) => r.getAttribute('data-vm') === 'old-1')!;
    expect(within(old).queryByRole('checkbox')).toBeNull(); // history cannot be offboarded again

    await click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(calls(fake, 'cmdb.exportCsv')).toEqual([{ query: 'app', status: 'all', limit: 10_000 }]);
    expect(await created[0]!.text()).toBe('site,vm\r\ndc1,app-3\r\n');

    const before = calls(fake, 'cmdb.list').length;
    await act(async () => {
      fake.emit('cmdb.changed', { site: 'dc1', vmMoref: 'vm-x', vmName: 'x', change: 'enrolled' });
    });
    await settle();
    expect(calls(fake, 'cmdb.list').length).toBeGreaterThan(before);

    // Offboard: the dialog says exactly what is undone; "Keep" does nothing.
    const offboardButton = screen.getByRole('button', { name: 'Offboard…' });
    expect((offboardButton as HTMLButtonElement).disabled).toBe(true);
    await click(screen.getByRole('checkbox', { name: 'Pick app-3 to offboard' }));
    await click(screen.getByRole('button', { name: 'Offboard 1 VM…' }));
    let dialog = screen.getByRole('alertdialog');
    const effects = within(dialog).getByTestId('offboard-effects').textContent ?? '';
    expect(effects).toContain('delete the service account outpost (and its key) in the guest');
    expect(effects).toContain('remove the NAT 203.0.113.7 → 10.0.0.7 on edge (record 3)');
    expect(effects).toContain('release 203.0.113.7 back to its pool');
    expect(effects).toContain('mark the CMDB record offboarded');
    await click(within(dialog).getByRole('button', { name: 'Keep' }));
    expect(calls(fake, 'enrollment.offboard')).toEqual([]);

    fireEvent.click(screen.getByRole('checkbox', { name: /also deletes the service account/ }));
    await click(screen.getByRole('button', { name: 'Offboard 1 VM…' }));
    dialog = screen.getByRole('alertdialog');
    expect(within(dialog).getByTestId('offboard-effects').textContent).not.toContain('service account outpost');
    await click(within(dialog).getByRole('button', { name: 'Offboard 1 VM' }));
    expect(calls(fake, 'enrollment.offboard')).toEqual([{ site: 'dc1', vms: ['vm-app-3'], removeAccount: false }]);
    const progress = screen.getByRole('region', { name: 'Offboarding progress' });
    await act(async () => {
      fake.emit('procedure.updated', { ...update(PROC_C, 'running', '2025-01-01T00:00:05Z', { idx: 0, name: 'remove-nat', state: 'running' }), kind: 'offboard-vm' });
    });
    expect(within(progress).getByTestId('batch-row').textContent).toContain('1. remove-nat');
  });

  it('offboards VMs of two sites with one call each; a site that refuses is named, the other still runs', async () => {
    const fake = bridge({
      'cmdb.list': () => ok([record(1), record(2, { site: 'dc2', vmName: 'far-1', vmMoref: 'vm-far', publicIp: '203.0.113.9' })]),
      'enrollment.offboard': (input) =>
        (input as { site: string }).site === 'dc2'
          ? { ok: false, error: { code: 'NOT_FOUND', message: 'No vCenter named dc2.' } }
          : ok({ batchId: 'off-1', concurrency: 4, items: [{ vm: 'vm-app-3', name: 'app-3', procedureId: PROC_C, error: null }] }),
    });
    await renderApp(fake, 'enrollment');
    await settle();
    await click(screen.getByRole('tab', { name: /^CMDB/ }));
    await click(screen.getByRole('checkbox', { name: 'Pick app-3 to offboard' }));
    await click(screen.getByRole('checkbox', { name: 'Pick far-1 to offboard' }));
    await click(screen.getByRole('button', { name: 'Offboard 2 VMs…' }));
    const effects = within(screen.getByRole('alertdialog')).getByTestId('offboard-effects').textContent ?? '';
    expect(effects).toContain('app-3 (dc1)');
    expect(effects).toContain('far-1 (dc2): delete the service account outpost');
    await click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Offboard 2 VMs' }));
    await settle();
    expect(calls(fake, 'enrollment.offboard')).toEqual([
      { site: 'dc1', vms: ['vm-app-3'], removeAccount: true },
      { site: 'dc2', vms: ['vm-far'], removeAccount: true },
    ]);
    expect(within(screen.getByRole('region', { name: 'Offboarding progress' })).getAllByTestId('batch-row').map((r) => r.getAttribute('data-vm'))).toEqual(['app-3']);
    const refused = screen.getAllByRole('alert').find((t) => t.textContent?.includes('Offboarding was not started for site dc2'));
    expect(refused && within(refused).getByTestId('toast-code').textContent).toBe('NOT_FOUND');
  });
});
