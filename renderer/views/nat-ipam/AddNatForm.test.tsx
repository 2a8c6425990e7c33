import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FirewallView, PoolView } from '../../../core/contract';
import { createFakeBridge, type FakeHandler } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const pool = (name: string, kind: 'public' | 'private', cidr: string): PoolView => ({
  id: name.length,
  name,
  cidr,
  family: 4,
  kind,
  scope: '',
  gateway: null,
  reserved: [],
  createdAt: '2025-01-01T00:00:00Z',
  createdBy: 'ada',
  size: '14',
  allocated: 0,
  reservedCount: '0',
});

const firewall: FirewallView = {
  id: 1,
  name: 'edge',
  driver: 'manual',
  settings: { manualSyntax: 'iptables' },
  connection: { type: 'none' },
  createdAt: '2025-01-01T00:00:00Z',
  createdBy: 'ada',
};

const lists = {
  'ipam.pools.list': (() => ({ ok: true, value: [pool('inside', 'private', '10.0.0.0/24'), pool('outside', 'public', '203.0.113.0/28')] })) as FakeHandler,
  'firewalls.list': (() => ({ ok: true, value: [firewall] })) as FakeHandler,
  // The policy panel under the NAT table reads this too.
  'nat.policy': (() => ({ ok: true, value: { allows: [], forwards: [], drift: [] } })) as FakeHandler,
};
const PROCEDURE_ID = '0b6f8e2a-1c3d-4e5f-8a9b-0c1d2e3f4a5b';

async function openNat(bridge: ReturnType<typeof createFakeBridge>): Promise<void> {
  await renderApp(bridge, 'nat-ipam');
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: 'NAT' }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

const natAdds = (bridge: ReturnType<typeof createFakeBridge>) => bridge.calls.filter((c) => c.command === 'nat.add').map((c) => c.input);
const submit = async (): Promise<void> => {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name: 'Add NAT' }));
  });
};

describe('Add NAT form', () => {
  it('sends a pool (public pools first) or a specific public IP, never both, and links to the started procedure', async () => {
    const bridge = createFakeBridge({ ...lists, 'nat.add': () => ({ ok: true, value: { procedureId: PROCEDURE_ID } }) });
    await openNat(bridge);
    expect(screen.getByRole('tab', { name: 'NAT' }).getAttribute('aria-selected')).toBe('true');

    fireEvent.change(screen.getByLabelText('Private IP'), { target: { value: '10.0.0.5' } });
    expect((screen.getByLabelText('Pool') as HTMLSelectElement).value).toBe('outside');
    fireEvent.change(screen.getByLabelText('VM (optional)'), { target: { value: 'web-01' } });
    await submit();
    expect(natAdds(bridge)).toEqual([{ firewall: 'edge', privateIp: '10.0.0.5', pool: 'outside', vm: 'web-01' }]);
    const started = screen.getAllByRole('status').find((s) => s.textContent?.startsWith('Started NAT'));
    expect(started).toBeTruthy();
    expect(within(started!).getByRole('link', { name: 'open the procedure' }).getAttribute('href')).toBe(`#/procedures/${PROCEDURE_ID}`);
    // The form is ready for the next one.
    expect((screen.getByLabelText('Private IP') as HTMLInputElement).value).toBe('');

    fireEvent.click(screen.getByRole('radio', { name: 'A specific address' }));
    expect(screen.queryByLabelText('Pool')).toBeNull();
    fireEvent.change(screen.getByLabelText('Private IP'), { target: { value: '10.0.0.6' } });
    fireEvent.change(screen.getByLabelText('Public IP'), { target: { value: '203.0.113.9' } });
    await submit();
    expect(natAdds(bridge)[1]).toEqual({ firewall: 'edge', privateIp: '10.0.0.6', publicIp: '203.0.113.9' });
  });

  it('marks the fields a contract VALIDATION error names, with a toast carrying the code', async () => {
    const bridge = createFakeBridge({
      ...lists,
      'nat.add': () => ({
        ok: false,
        error: {
          code: 'VALIDATION',
          message: 'Invalid input for nat.add: privateIp: Too small; publicIp: Too small',
          details: {
            issues: [
              { path: ['privateIp'], message: 'Too small: expected string to have >=2 characters' },
              { path: ['publicIp'], message: 'Too small: expected string to have >=2 characters' },
            ],
          },
        },
      }),
    });
    await openNat(bridge);
    fireEvent.click(screen.getByRole('radio', { name: 'A specific address' }));
    await submit();

    // Sent as typed: the empty public IP went to the contract, which named it.
    expect(natAdds(bridge)).toEqual([{ firewall: 'edge', privateIp: '', publicIp: '' }]);
    const toast = screen.getByRole('alert');
    expect(within(toast).getByText('NAT was not started')).toBeTruthy();
    expect(within(toast).getByTestId('toast-code').textContent).toBe('VALIDATION');
    const privateIp = screen.getByLabelText('Private IP');
    const publicIp = screen.getByLabelText('Public IP');
    expect(privateIp.getAttribute('aria-invalid')).toBe('true');
    expect(publicIp.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(publicIp.getAttribute('aria-describedby')!.split(' ').at(-1)!)?.textContent).toContain('Too small');
    expect(screen.getByLabelText('VM (optional)').getAttribute('aria-invalid')).toBeNull();

    // Editing a field clears its mark, not the others'.
    fireEvent.change(publicIp, { target: { value: '203.0.113.9' } });
    expect(publicIp.getAttribute('aria-invalid')).toBeNull();
    expect(privateIp.getAttribute('aria-invalid')).toBe('true');
  });

  it('a missing pool choice is marked on the pool select (the refine names publicIp)', async () => {
    const bridge = createFakeBridge({
      'firewalls.list': lists['firewalls.list'],
      'nat.add': () => ({
        ok: false,
        error: { code: 'VALIDATION', message: 'give publicIp, or a pool', details: { issues: [{ path: ['pool'], message: 'Too small: expected string to have >=1 characters' }] } },
      }),
    });
    await openNat(bridge);
    // No pools yet: the pool choice is empty and the contract says so.
    fireEvent.change(screen.getByLabelText('Private IP'), { target: { value: '10.0.0.5' } });
    await submit();
    expect(natAdds(bridge)).toEqual([{ firewall: 'edge', privateIp: '10.0.0.5', pool: '' }]);
    expect(screen.getByLabelText('Pool').getAttribute('aria-invalid')).toBe('true');
  });

  it('says what to add first when there are no pools or firewalls, and hides the form without a firewall', async () => {
    await openNat(createFakeBridge());
    expect(screen.getByRole('heading', { name: 'No NAT yet' })).toBeTruthy();
    expect(screen.getByText(/Add a public pool \(Pools tab\), then a firewall \(Firewalls tab\)/)).toBeTruthy();
    expect(screen.queryByRole('button', { name: 'Add NAT' })).toBeNull();
  });
});
