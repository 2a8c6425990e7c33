import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { UpgradeHostRow, UpgradePlanDetail } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const step = (name: string, state: string, gatePrompt: string | null = null): UpgradeHostRow['steps'][number] => ({ name, title: name, state, startedAt: null, finishedAt: null, gatePrompt });

function plan(overrides: Partial<UpgradePlanDetail> = {}): UpgradePlanDetail {
  return {
    id: '11111111-1111-4111-8111-111111111111',
    site: 'lab',
    cluster: 'C1',
    targetBuild: '24022510',
    targetVersion: null,
    state: 'running',
    reason: null,
    hostsTotal: 2,
    hostsDone: 0,
    createdAt: '2026-11-22T08:00:00.000Z',
    createdBy: 'tester',
    updatedAt: '2026-11-22T08:00:00.000Z',
    options: {
      ssh: { credential: 'esx-root', port: 22 },
      backup: null,
      evacuate: true,
      reinstall: { mode: 'manual' },
      reconnectTimeoutMinutes: 120,
      reconnectPollSeconds: 15,
      configure: { commands: [] },
      soakMinutes: 30,
      probeIntervalSeconds: 60,
      logScan: null,
    },
    hostSettings: [],
    hosts: [
      {
        position: 0,
        name: 'esx01',
        moref: 'host-1',
        state: 'running',
        procedureId: 'run-1',
        procedureState: 'running',
        error: null,
        startedAt: null,
        finishedAt: null,
        steps: [step('pre-checks', 'done'), step('soak', 'running')],
        soak: {
          until: new Date(Date.now() + 125_000).toISOString(),
          rounds: 3,
          latest: [
            { round: 3, probe: 'ssh', ok: true, detail: 'reachable', at: '2026-11-22T08:00:00.000Z' },
            { round: 3, probe: 'vcenter', ok: false, detail: 'overall status red', at: '2026-11-22T08:00:00.000Z' },
          ],
        },
        backup: null,
      },
      { position: 1, name: 'esx02', moref: 'host-2', state: 'pending', procedureId: null, procedureState: null, error: null, startedAt: null, finishedAt: null, steps: [step('boot-iso', 'waiting', 'Boot esx02 from the new ISO now')], soak: null, backup: null },
    ],
    ...overrides,
  };
}

describe('Host upgrades page', () => {
  it('says what to do first when there are no plans', async () => {
    const bridge = createFakeBridge({ 'upgrade.list': () => ({ ok: true, value: [] }), 'upgrade.hosts': () => ({ ok: true, value: [] }), 'credentials.list': () => ({ ok: true, value: [] }) });
    await renderApp(bridge, 'host-upgrades');
    expect(screen.getByRole('heading', { name: 'No upgrade plans yet' })).toBeTruthy();
    expect(screen.getByText(/Add a vCenter in Inventory and sync it/)).toBeTruthy();
  });

  it('shows one row per host with the soak countdown and probe results, and asks before aborting', async () => {
    const detail = plan();
    const bridge = createFakeBridge({
      'upgrade.list': () => ({ ok: true, value: [detail] }),
      'upgrade.hosts': () => ({ ok: true, value: [] }),
      'credentials.list': () => ({ ok: true, value: [] }),
      'upgrade.status': () => ({ ok: true, value: detail }),
      'upgrade.abort': () => ({ ok: true, value: { ...detail, state: 'aborted' } }),
    });
    await renderApp(bridge, 'host-upgrades');
    const row = await screen.findByTestId('rollout-row-esx01');
    expect(within(row).getByTestId('soak-countdown-esx01').textContent).toMatch(/^2 min 0[45] s$/);
    expect(within(row).getByTestId('probe-esx01-vcenter').textContent).toContain('red');
    expect(within(row).getByTestId('probe-esx01-ssh').textContent).toContain('green');
    expect(screen.getByTestId('rollout-state-esx02').textContent).toBe('pending');

    fireEvent.click(screen.getByRole('button', { name: 'Abort…' }));
    const dialog = screen.getByRole('alertdialog');
    expect(bridge.calls.some((c) => c.command === 'upgrade.abort')).toBe(false);
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Abort rollout' }));
    });
    expect(bridge.calls.find((c) => c.command === 'upgrade.abort')?.input).toEqual({ planId: detail.id });
  });

  it("shows where each host's backup is: the off-host copy, its size, checksum and when it was verified (or why not)", async () => {
    const sha = 'ab'.repeat(32);
    const base = plan();
    const detail = plan({
      hosts: [
        {
          ...base.hosts[0]!,
          backup: { artefactPath: '/var/backup/ds.tgz', sha256: sha, bytes: 15, offHost: { state: 'verified', kind: 'ssh', location: 'backup.lab:22:/srv/outpost/lab/esx01/run-1-ds.tgz', sha256: sha, bytes: 15, verifiedAt: '2026-11-22T08:01:00.000Z', error: null } },
        },
        {
          ...base.hosts[1]!,
          state: 'failed',
          procedureId: 'run-2',
          backup: { artefactPath: '/var/backup/<b>ds</b>.tgz', sha256: sha, bytes: 15, offHost: { state: 'failed', kind: 'local', location: '/data/upgrade-backups/lab/esx02/run-2-ds.tgz', sha256: null, bytes: null, verifiedAt: null, error: { code: 'BACKUP_NOT_VERIFIED', message: 'does not match' } } },
        },
      ],
    });
    const bridge = createFakeBridge({
      'upgrade.list': () => ({ ok: true, value: [detail] }),
      'upgrade.hosts': () => ({ ok: true, value: [] }),
      'credentials.list': () => ({ ok: true, value: [] }),
      'upgrade.status': () => ({ ok: true, value: detail }),
    });
    await renderApp(bridge, 'host-upgrades');
    const first = await screen.findByTestId('backup-esx01');
    expect(screen.getByTestId('backup-location-esx01').textContent).toBe('backup.lab:22:/srv/outpost/lab/esx01/run-1-ds.tgz');
    expect(first.textContent).toContain('/var/backup/ds.tgz · 15 bytes');
    expect(first.textContent).toContain('verified');
    expect(first.textContent).toContain('(SSH)');
    expect(first.textContent).toContain('SHA-256 matched');
    const second = screen.getByTestId('backup-esx02');
    expect(second.textContent).toContain('not verified');
    expect(second.textContent).toContain('(this workstation)');
    expect(second.textContent).not.toContain('SHA-256 matched');
    // A path is text, never markup.
    expect(second.querySelector('b')).toBeNull();
    expect(second.textContent).toContain('/var/backup/<b>ds</b>.tgz');
  });

  it('refetches when an upgrade moves (event, no polling)', async () => {
    let state: UpgradePlanDetail['state'] = 'running';
    const bridge = createFakeBridge({
      'upgrade.list': () => ({ ok: true, value: [plan({ state })] }),
      'upgrade.hosts': () => ({ ok: true, value: [] }),
      'credentials.list': () => ({ ok: true, value: [] }),
      'upgrade.status': () => ({ ok: true, value: plan({ state, reason: state === 'failed' ? 'esx01 failed at "soak": red' : null }) }),
    });
    await renderApp(bridge, 'host-upgrades');
    expect((await screen.findByTestId('rollout-plan-state')).textContent).toBe('running');
    state = 'failed';
    await act(async () => {
      bridge.emit('upgrade.updated', { planId: plan().id, state: 'failed', host: 'esx01' });
    });
    expect((await screen.findByTestId('rollout-reason')).textContent).toContain('esx01 failed at "soak"');
    expect(screen.getByRole('button', { name: 'Retry failed host' })).toBeTruthy();
  });
});
