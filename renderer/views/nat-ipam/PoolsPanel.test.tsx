import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

describe('Pools', () => {
  it('sends the pool as typed and marks the fields (including a reserved range) a VALIDATION error names', async () => {
    const bridge = createFakeBridge({
      'ipam.pools.add': () => ({
        ok: false,
        error: {
          code: 'VALIDATION',
          message: 'Invalid input for ipam.pools.add',
          details: {
            issues: [
              { path: ['cidr'], message: 'Too small: expected string to have >=3 characters' },
              { path: ['reserved', 0, 'start'], message: 'Too small: expected string to have >=2 characters' },
            ],
          },
        },
      }),
    });
    await renderApp(bridge, 'nat-ipam');
    expect(screen.getByRole('heading', { name: 'No address pools yet' })).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'public-a' } });
    fireEvent.change(screen.getByLabelText('Gateway (optional)'), { target: { value: '203.0.113.1' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add a reserved range' }));
    fireEvent.change(screen.getByLabelText('Range 1 reason'), { target: { value: 'routers' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Add pool' }));
    });

    expect(bridge.calls.find((c) => c.command === 'ipam.pools.add')?.input).toEqual({
      name: 'public-a',
      cidr: '',
      kind: 'public',
      gateway: '203.0.113.1',
      reserved: [{ start: '', end: '', reason: 'routers' }],
    });
    expect(within(screen.getByRole('alert')).getByTestId('toast-code').textContent).toBe('VALIDATION');
    expect(screen.getByLabelText('CIDR').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Range 1 start').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByLabelText('Name').getAttribute('aria-invalid')).toBeNull();
  });

  it('shows utilisation as allocated + reserved of the usable size', async () => {
    const bridge = createFakeBridge({
      'ipam.pools.list': () => ({
        ok: true,
        value: [
          { id: 1, name: 'public-a', cidr: '203.0.113.0/28', family: 4, kind: 'public', scope: '', gateway: null, reserved: [{ start: '203.0.113.14', end: '203.0.113.14', reason: 'fw' }], createdAt: '2025-01-01T00:00:00Z', createdBy: 'ada', size: '14', allocated: 2, reservedCount: '1' },
        ],
      }),
    });
    await renderApp(bridge, 'nat-ipam');
    expect(screen.getByTestId('pool-usage-public-a').textContent).toBe('2 allocated, 1 reserved of 14 usable');
    const meter = screen.getByRole('meter', { name: 'Utilisation of public-a' });
    expect(meter.getAttribute('aria-valuenow')).toBe('21.42');
  });
});
