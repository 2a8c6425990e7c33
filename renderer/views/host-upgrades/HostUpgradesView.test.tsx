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
