import { describe, expect, it } from 'vitest';
import type { VmSummary } from '../../../core/contract';
import type { BatchStarted, CmdbRecord, EnrollmentCheck, OsRule } from '../../../core/contract/enrollment';
import { batchCounts, batchRows, batchSummary, newer, type RunUpdate } from './batch-progress';
import { cmdbInput, enrolledBySite, joinBatches, offboardEffects, offboardGroups } from './cmdb-filter';
import { canOpen, checkKey, currentCheck, draftProblems, eligibilityHints, initialWizard, osCovered, runnable, startInput, stepProblems, wizardReducer, type WizardAction, type WizardState } from './wizard-state';
import { testVm } from '../../testing/fixtures';

const vm = (name: string, extra: Partial<VmSummary> = {}): VmSummary => testVm(name, { ipAddresses: ['10.0.0.5'], ...extra });

const run = (state: WizardState, ...actions: WizardAction[]): WizardState => actions.reduce(wizardReducer, state);
const targets: WizardAction[] = [
  { type: 'field', field: 'credential', value: 'guest-root' },
  { type: 'field', field: 'firewall', value: 'edge' },
  { type: 'field', field: 'pool', value: 'public' },
];

const check = (eligible: Record<string, boolean>, targetsPass = true): EnrollmentCheck => ({
  site: 'dc1',
  poolFree: '12',
  targets: [{ id: 'pool', label: 'Pool', status: targetsPass ? 'pass' : 'fail', message: '', code: targetsPass ? null : 'IPAM_EXHAUSTED' }],
  vms: Object.entries(eligible).map(([name, ok]) => ({
    vm: `vm-${name}`,
    name,
    moref: `vm-${name}`,
    instanceUuid: null,
    guestFullName: null,
    privateIp: '10.0.0.5',
    osRule: 'ubuntu',
    credentialMethod: 'guest-api',
    eligible: ok,
    checks: [],
  })),
});

describe('enrollment wizard state', () => {
  it('validates each step with the contract schemas and only opens a step when the earlier ones are complete', () => {
    let s = initialWizard;
    expect(stepProblems('vms', s.draft)).toEqual({ site: 'Pick a vCenter.', vms: 'Pick at least one VM.' });
    expect(canOpen('targets', s)).toBe(false);
    expect(wizardReducer(s, { type: 'goto', step: 'targets' }).step).toBe('vms');

    s = run(s, { type: 'site', site: 'dc1' }, { type: 'toggle', vm: vm('web-1') });
    expect(stepProblems('vms', s.draft)).toEqual({});
    expect(canOpen('targets', s)).toBe(true);
    expect(canOpen('check', s)).toBe(false);
    expect(stepProblems('targets', s.draft)).toEqual({ credential: 'Pick a credential profile.', firewall: 'Pick a firewall.', pool: 'Pick a public pool.' });

    s = run(s, ...targets, { type: 'field', field: 'concurrency', value: 'four' }, { type: 'field', field: 'serviceAccount', value: 'Bad Name' });
    const problems = stepProblems('targets', s.draft);
    expect(problems.concurrency).toBe('A whole number from 1 to 32.');
    expect(problems.serviceAccount).toMatch(/lower-case account name/);
    s = run(s, { type: 'field', field: 'concurrency', value: '40' });
    expect(stepProblems('targets', s.draft).concurrency).toBe('A whole number from 1 to 32.');
    s = run(s, { type: 'field', field: 'concurrency', value: ' 8 ' }, { type: 'field', field: 'serviceAccount', value: 'svc_outpost' });
    expect(draftProblems(s.draft)).toEqual({});
    expect(canOpen('check', s)).toBe(true);
    expect(canOpen('run', s)).toBe(false); // not checked yet
    expect(startInput(s.draft, ['vm-web-1'])).toMatchObject({ concurrency: 8, serviceAccount: 'svc_outpost', vms: ['vm-web-1'] });
  });

  it('keeps one site per batch: another site clears the picks, VMs of other sites are ignored', () => {
    let s = run(initialWizard, { type: 'site', site: 'dc1' }, { type: 'select', vms: [vm('a'), vm('b'), vm('c', { site: 'dc2' })], on: true });
    expect([...s.draft.selected.keys()]).toEqual(['vm-a', 'vm-b']);
    s = run(s, { type: 'toggle', vm: vm('a') }, { type: 'toggle', vm: vm('x', { site: 'dc2' }) });
    expect([...s.draft.selected.keys()]).toEqual(['vm-b']);
    s = run(s, { type: 'site', site: 'dc1' });
    expect(s.draft.selected.size).toBe(1); // same site: nothing lost
    s = run(s, { type: 'site', site: 'dc2' });
    expect(s.draft.selected.size).toBe(0);
  });

  it('runs only eligible VMs of a current check; an edit makes the check stale; failing targets run nothing', () => {
    let s = run(initialWizard, { type: 'site', site: 'dc1' }, { type: 'select', vms: [vm('a'), vm('b'), vm('c')], on: true }, ...targets);
    s = run(s, { type: 'checked', forKey: checkKey(s.draft), result: check({ a: true, b: false, c: true }) });
    expect(currentCheck(s)).not.toBeNull();
    expect(runnable(s)).toEqual(['vm-a', 'vm-c']);
    expect(canOpen('run', s)).toBe(true);

    const edited = run(s, { type: 'field', field: 'pool', value: 'other' });
    expect(currentCheck(edited)).toBeNull();
    expect(runnable(edited)).toEqual([]);
    expect(canOpen('run', edited)).toBe(false);

    const blocked = run(s, { type: 'checked', forKey: checkKey(s.draft), result: check({ a: true }, false) });
    expect(runnable(blocked)).toEqual([]);
  });

  it('freezes the draft once a batch started, until "enroll more"', () => {
    let s = run(initialWizard, { type: 'site', site: 'dc1' }, { type: 'toggle', vm: vm('a') }, ...targets);
    const batch: BatchStarted = { batchId: 'b1', concurrency: 4, items: [{ vm: 'vm-a', name: 'a', procedureId: 'p1', error: null }] };
    s = run(s, { type: 'started', batch });
    expect(s.step).toBe('run');
    expect(run(s, { type: 'clear' }, { type: 'goto', step: 'vms' })).toBe(s);
    const again = run(s, { type: 'restart' });
    expect(again.step).toBe('vms');
    expect(again.batch).toBeNull();
    expect(again.draft.selected.size).toBe(0);
    expect(again.draft.firewall).toBe('edge'); // targets kept for the next batch
  });

  it('hints what the inventory and the CMDB already say against a VM', () => {
    const enrolled = new Set(['vm-done']);
    const ids = (v: VmSummary) => eligibilityHints(v, enrolled).map((h) => h.id);
    expect(ids(vm('ok'))).toEqual([]);
    expect(ids(vm('off', { powerState: 'poweredOff', toolsRunningStatus: 'guestToolsNotRunning' }))).toEqual(['powered-off']);
    expect(ids(vm('notools', { toolsRunningStatus: 'guestToolsNotRunning', ipAddress: null }))).toEqual(['tools-not-running', 'no-ip']);
    expect(ids(vm('done'))).toEqual(['enrolled']);
    expect(eligibilityHints(vm('noip', { ipAddress: null }), enrolled)[0]).toMatchObject({ id: 'no-ip', blocking: false });

    // With the rules known, an OS no rule covers is marked (patterns as the check applies them).
    const rules: OsRule[] = [
      { id: 'debian', label: 'Debian', family: 'linux', guestIdPattern: '^debian', guestFullNamePattern: null, guestOsIds: ['debian'], minVersion: '11', minFreeDiskMB: 1024, requiredServices: [], access: 'ssh' },
      { id: 'broken', label: 'Broken', family: 'linux', guestIdPattern: '(', guestFullNamePattern: 'ubuntu', guestOsIds: [], minVersion: null, minFreeDiskMB: 0, requiredServices: [], access: 'ssh' },
    ];
    expect(osCovered({ guestId: 'DEBIAN12_64Guest', guestFullName: null }, rules)).toBe(true);
    expect(osCovered({ guestId: 'other', guestFullName: 'Ubuntu Linux (64-bit)' }, rules)).toBe(true); // the broken pattern is skipped, not thrown
    expect(eligibilityHints(vm('win', { guestId: 'windows9Guest', guestFullName: 'Windows 10' }), enrolled, rules).map((h) => h.id)).toEqual(['os-unsupported']);
    expect(eligibilityHints(vm('win'), enrolled, null).map((h) => h.id)).toEqual([]); // rules unknown: no guess
  });
});

describe('batch progress rows', () => {
  const update = (id: string, state: RunUpdate['state'], updatedAt: string, step: RunUpdate['step'] = null): RunUpdate => ({
    id,
    kind: 'enroll-vm',
    state,
    target: null,
    createdAt: '2025-01-01T00:00:00Z',
    updatedAt,
    createdBy: 'ada',
    step,
  });

  it('keeps the newest update per run, shows refusals as not started, and counts without hiding anyone', () => {
    const later = update('p1', 'running', '2025-01-01T00:00:02Z', { idx: 2, name: 'nat', state: 'running' });
    expect(newer(later, update('p1', 'pending', '2025-01-01T00:00:01Z'))).toBe(later);
    expect(newer(later, update('p1', 'running', '2025-01-01T00:00:02Z')).step).toEqual(later.step); // a list answer keeps the event's step
    expect(newer(later, update('p1', 'waiting', '2025-01-01T00:00:02.500Z')).state).toBe('waiting'); // instants, not text

    const batch: BatchStarted = {
      batchId: 'b',
      concurrency: 2,
      items: [
        { vm: 'vm-a', name: 'a', procedureId: 'p1', error: null },
        { vm: 'vm-b', name: 'b', procedureId: 'p2', error: null },
        { vm: 'ghost', name: null, procedureId: null, error: { code: 'NOT_FOUND', message: 'no VM ghost' } },
      ],
    };
    const rows = batchRows(batch, new Map([['p1', later], ['p2', update('p2', 'failed', '2025-01-01T00:00:03Z')]]), new Map([['p2', { code: 'SSH_AUTH', message: 'denied', step: 'Verify access' }]]), new Map([['p1', 'NAT ensured']]));
    expect(rows.map((r) => [r.name, r.state, r.error?.code ?? null, r.lastLog])).toEqual([
      ['a', 'running', null, 'NAT ensured'],
      ['b', 'failed', 'SSH_AUTH', null],
      ['ghost', 'not-started', 'NOT_FOUND', null],
    ]);
    const counts = batchCounts(rows);
    expect(counts).toEqual({ total: 3, succeeded: 0, failed: 2, active: 1, waiting: 0 });
    expect(batchSummary(counts)).toBe('0 of 3 done, 2 failed, 1 running or queued');
  });
});

describe('CMDB helpers', () => {
  const record = (id: number, site: string, extra: Partial<CmdbRecord> = {}): CmdbRecord => ({
    id,
    site,
    vmMoref: `vm-${id}`,
    instanceUuid: null,
    vmName: `web-${id}`,
    os: 'Ubuntu',
    osRule: 'ubuntu',
    privateIp: `10.0.0.${id}`,
    publicIp: `203.0.113.${id}`,
    natRecordId: id,
    firewall: 'edge',
    credential: 'guest-root',
    serviceAccount: 'outpost',
    credentialMethod: 'guest-api',
    enrolledAt: '2025-01-01T00:00:00Z',
    enrolledBy: 'ada',
    offboardedAt: null,
    offboardedBy: null,
    enrollProcedureId: null,
    offboardProcedureId: null,
    status: 'active',
    vcenterDeletedAt: null,
    guestIpSeen: null,
    guestIpSeenAt: null,
    ...extra,
  });

  it('sends the same filter to the table and the export, and groups offboarding per site', () => {
    expect(cmdbInput({ query: ' web ', site: '', firewall: 'edge', status: 'all' })).toEqual({ query: 'web', firewall: 'edge', status: 'all', limit: 1000 });
    expect(cmdbInput({ query: '', site: 'dc1', firewall: '', status: 'active' }, 10_000)).toEqual({ site: 'dc1', status: 'active', limit: 10_000 });
    const records = [record(1, 'dc1'), record(2, 'dc2'), record(3, 'dc1'), record(4, 'dc1', { status: 'offboarded' })];
    expect(offboardGroups(records.slice(0, 3))).toEqual([
      { site: 'dc1', vms: ['vm-1', 'vm-3'] },
      { site: 'dc2', vms: ['vm-2'] },
    ]);
    expect([...(enrolledBySite(records).get('dc1') ?? [])]).toEqual(['vm-1', 'vm-3']);
    expect(joinBatches([])).toBeNull();
  });

  it('states exactly what offboarding undoes', () => {
    expect(offboardEffects(record(5, 'dc1'), true)).toEqual([
      'delete the service account outpost (and its key) in the guest',
      'remove the NAT 203.0.113.5 → 10.0.0.5 on edge (record 5)',
      'release 203.0.113.5 back to its pool',
      'release the private address record 10.0.0.5',
      'mark the CMDB record offboarded (kept as history)',
    ]);
    expect(offboardEffects(record(5, 'dc1'), false)[0]).toMatch(/^remove the NAT/);
  });
});
