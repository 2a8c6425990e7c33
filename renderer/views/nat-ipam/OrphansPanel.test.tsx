import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { CmdbRecord } from '../../../core/contract/enrollment';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const record = (extra: Partial<CmdbRecord>): CmdbRecord => ({
  id: 7, site: 'dc1', vmMoref: 'vm-42', instanceUuid: null, vmName: 'app-<1>', os: null, osRule: null, privateIp: '10.0.0.5', publicIp: '203.0.113.5', natRecordId: 3,
  firewall: 'edge', credential: 'c', serviceAccount: 'outpost', credentialMethod: null, enrolledAt: '2026-01-01T00:00:00Z', enrolledBy: 'ada', offboardedAt: null, offboardedBy: null,
  enrollProcedureId: null, offboardProcedureId: null, status: 'active', vcenterDeletedAt: null, guestIpSeen: null, guestIpSeenAt: null, ...extra,
});

describe('NAT & IPAM: orphans and drift', () => {
  it('lists an enrolled VM deleted in vCenter with its NAT and addresses; Offboard starts the offboarding of exactly it; drift shows what the guest reports', async () => {
    const bridge = createFakeBridge({
      'cmdb.orphans': () => ({
        ok: true,
        value: {
          orphans: [{ record: record({ vcenterDeletedAt: '2026-01-02T00:00:00Z' }), nat: { id: 3, firewall: 'edge', publicIp: '203.0.113.5', privateIp: '10.0.0.5', state: 'active' }, addresses: [{ pool: 'pub', address: '203.0.113.5', purpose: 'public-nat' }] }],
          drift: [record({ id: 8, vmName: 'db-1', vmMoref: 'vm-43', privateIp: '10.0.0.6', guestIpSeen: '10.9.9.9', guestIpSeenAt: '2026-01-03T00:00:00Z' })],
        },
      }),
      'enrollment.offboard': () => ({ ok: true, value: { batchId: 'b', concurrency: 4, items: [{ vm: 'vm-42', name: 'app-<1>', procedureId: '7b0c7a57-93c2-4a8f-9a57-0c4b8b7b3c11', error: null }] } }),
    });
    await renderApp(bridge, 'nat-ipam');
    await act(async () => {
      fireEvent.click(screen.getByRole('tab', { name: 'Orphans & drift (2)' }));
    });
    const row = await screen.findByTestId('orphan-row');
    expect(within(row).getByRole('rowheader').textContent).toBe('app-<1>');
    expect(row.textContent).toContain('203.0.113.5 → 10.0.0.5 on edge (record 3)');
    expect(within(screen.getByTestId('drift-row')).getByText('10.9.9.9')).toBeTruthy();
    await act(async () => {
      fireEvent.click(within(row).getByRole('button', { name: 'Offboard app-<1>' }));
    });
    await act(async () => {
      fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Offboard app-<1>' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'enrollment.offboard').map((c) => c.input)).toEqual([{ site: 'dc1', vms: ['vm-42'], removeAccount: false }]);
  });
});
