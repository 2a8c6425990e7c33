import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultSettings } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

describe('Settings view', () => {
  it('shows a contract VALIDATION error as a toast with its code and marks the field', async () => {
    const bridge = createFakeBridge({
      'settings.update': () => ({
        ok: false,
        error: {
          code: 'VALIDATION',
          message: 'Invalid input for settings.update: auditPageSize: Too small: expected number to be >=10',
          details: { issues: [{ path: ['auditPageSize'], message: 'Too small: expected number to be >=10', code: 'too_small' }] },
        },
      }),
    });
    await renderApp(bridge, 'settings');

    fireEvent.change(screen.getByLabelText('Audit log page size'), { target: { value: '5' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    });

    // The value went to the contract as typed (a number), not pre-filtered by the form.
    expect(bridge.calls.at(-1)).toEqual({ command: 'settings.update', input: { auditPageSize: 5 } });
    const toast = screen.getByRole('alert');
    expect(within(toast).getByText('Settings were not saved')).toBeTruthy();
    expect(within(toast).getByTestId('toast-code').textContent).toBe('VALIDATION');
    expect(toast.textContent).toContain('auditPageSize');
    expect(screen.getByLabelText('Audit log page size').getAttribute('aria-invalid')).toBe('true');

    fireEvent.click(within(toast).getByRole('button', { name: /Dismiss/ }));
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it('a transport failure shows the TRANSPORT code', async () => {
    const bridge = createFakeBridge({
      'settings.update': () => ({ ok: false, error: { code: 'TRANSPORT', message: 'The connection to the Outpost host dropped.' } }),
    });
    await renderApp(bridge, 'settings');
    fireEvent.change(screen.getByLabelText('Operator name'), { target: { value: 'Grace' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    });
    expect(within(screen.getByRole('alert')).getByTestId('toast-code').textContent).toBe('TRANSPORT');
  });

  it('sends only the changed fields and shows what the host saved, plus app info', async () => {
    const bridge = createFakeBridge();
    const { store } = await renderApp(bridge, 'settings');
    expect(screen.getByText('/fake/data')).toBeTruthy();
    expect(screen.getByTestId('app-version').textContent).toBe('0.0.0-test');
    expect((screen.getByRole('button', { name: 'Save settings' }) as HTMLButtonElement).disabled).toBe(true);

    fireEvent.click(screen.getByRole('radio', { name: 'Dark' }));
    fireEvent.change(screen.getByLabelText('Operator name'), { target: { value: 'Grace' } });
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Save settings' }));
    });
    expect(bridge.calls.at(-1)).toEqual({ command: 'settings.update', input: { theme: 'dark', operatorName: 'Grace' } });
    expect(store.getState().settings).toEqual({ ...defaultSettings, theme: 'dark', operatorName: 'Grace' });
    expect(screen.getByText('Settings saved')).toBeTruthy();
  });
});

describe('Settings: how VMs are reached', () => {
  it('shows each site\'s vmAddress choice (auto when unset) and saves one site without losing the others', async () => {
    const bridge = createFakeBridge({
      'settings.get': () => ({ ok: true, value: { ...defaultSettings, vmAddress: { lab: 'private' } } }),
      'sites.list': () => ({ ok: true, value: [{ id: 1, name: 'lab', url: 'https://vc/sdk', username: 'u', lastSyncAt: null, connected: true }, { id: 2, name: 'dc2', url: 'https://vc2/sdk', username: 'u', lastSyncAt: null, connected: true }] }),
      'settings.update': (input) => ({ ok: true, value: { ...defaultSettings, ...(input as object) } }),
    });
    await renderApp(bridge, 'settings');
    const panel = await screen.findByTestId('vm-address-panel');
    const lab = (await within(panel).findByLabelText('lab')) as HTMLSelectElement;
    const dc2 = within(panel).getByLabelText('dc2') as HTMLSelectElement;
    expect([lab.value, dc2.value]).toEqual(['private', 'auto']);
    await act(async () => {
      fireEvent.change(dc2, { target: { value: 'public' } });
    });
    expect(bridge.calls.find((c) => c.command === 'settings.update')?.input).toEqual({ vmAddress: { lab: 'private', dc2: 'public' } });
    expect((within(panel).getByLabelText('dc2') as HTMLSelectElement).value).toBe('public');
  });
});
