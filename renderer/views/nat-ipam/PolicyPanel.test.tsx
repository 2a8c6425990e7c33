import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FirewallView, NatList, NatPolicy } from '../../../core/contract';
import { createFakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const at = '2026-01-01T00:00:00Z';
const firewall: FirewallView = { id: 1, name: 'edge', driver: 'linux-iptables', settings: {}, connection: { type: 'local' }, createdAt: at, createdBy: 'ada' };
const natList: NatList = {
  records: [{ id: 1, firewall: 'edge', publicIp: '203.0.113.4', privateIp: '10.0.0.5', vm: null, state: 'active', procedureId: null, createdAt: at, createdBy: 'ada', removedAt: null, drift: 'not-checked' }],
  orphans: [],
  unreachable: [],
};
const policy: NatPolicy = {
  allows: [{ id: 3, firewall: 'edge', publicIp: '203.0.113.4', source: '198.51.100.0/24', proto: 'tcp', port: 443, createdAt: at, createdBy: 'ada' }],
  forwards: [{ id: 2, firewall: 'edge', publicIp: '203.0.113.1', publicPort: 2222, proto: 'tcp', privateIp: '10.0.0.6', privatePort: 22, createdAt: at, createdBy: 'ada' }],
  drift: [
    {
      firewall: 'edge',
      state: 'drift',
      checkedAt: at,
      // Rule text read from a firewall is untrusted: shown as text, never as markup.
      items: [{ kind: 'extra', tag: 'outpost:guard:203.0.113.9', detail: '<img src=x onerror="alert(1)"> drop other new connections to 203.0.113.9' }],
      error: null,
    },
  ],
};
const PROCEDURE_ID = '0b6f8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b';

const handlers = {
  'ipam.pools.list': (() => ({ ok: true, value: [] })) as FakeHandler,
  'firewalls.list': (() => ({ ok: true, value: [firewall] })) as FakeHandler,
  'nat.list': (() => ({ ok: true, value: natList })) as FakeHandler,
  'nat.policy': (() => ({ ok: true, value: policy })) as FakeHandler,
  'nat.reconcile': (() => ({ ok: true, value: { status: policy.drift[0], procedureId: PROCEDURE_ID } })) as FakeHandler,
};

async function openNat(bridge: ReturnType<typeof createFakeBridge>): Promise<void> {
  await renderApp(bridge, 'nat-ipam');
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: 'NAT' }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

describe('NAT policy panel', () => {
  it('shows each NAT’s allow-list and forwards, the drift as text, and repairs after a confirmation', async () => {
    const bridge = createFakeBridge(handlers);
    await openNat(bridge);
    const nat = screen.getByTestId('policy-row-203.0.113.4');
    expect(nat.textContent).toContain('198.51.100.0/24 tcp/443');
    expect(nat.textContent).toContain('1:1 NAT → 10.0.0.5');
    expect(screen.getByTestId('policy-row-203.0.113.1').textContent).toContain('2222/tcp → 10.0.0.6:22');

    const drift = screen.getByTestId('drift-edge');
    expect(drift.textContent).toContain('<img src=x onerror="alert(1)"> drop other new connections');
    expect(drift.querySelector('img')).toBeNull();

    await act(async () => {
      fireEvent.click(within(drift).getByRole('button', { name: 'Repair' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'nat.reconcile')).toEqual([]);
    const dialog = screen.getByRole('alertdialog', { name: 'Repair firewall edge?' });
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Repair' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'nat.reconcile').map((c) => c.input)).toEqual([{ firewall: 'edge', repair: true }]);
    expect(screen.getAllByRole('status').some((s) => s.textContent?.startsWith('Started repair of edge'))).toBe(true);
  });

  it('a drift event reads the policy again; removing an entry goes through nat.disallow with the entry as it is', async () => {
    const bridge = createFakeBridge({ ...handlers, 'nat.disallow': () => ({ ok: true, value: { procedureId: PROCEDURE_ID } }) });
    await openNat(bridge);
    const reads = () => bridge.calls.filter((c) => c.command === 'nat.policy').length;
    const before = reads();
    await act(async () => {
      bridge.emit('nat.drift', { ...policy.drift[0]!, state: 'in-sync', items: [] });
      await new Promise((resolve) => setTimeout(resolve, 0));
    });
    expect(reads()).toBe(before + 1);

    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Remove 198.51.100.0/24 tcp/443 from 203.0.113.4' }));
    });
    await act(async () => {
      fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove entry' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'nat.disallow').map((c) => c.input)).toEqual([{ firewall: 'edge', source: '198.51.100.0/24', publicIp: '203.0.113.4', port: 443, proto: 'tcp' }]);
  });
});
