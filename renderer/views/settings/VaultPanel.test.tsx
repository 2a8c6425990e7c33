import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status } from '../../../core/contract';
import { createFakeBridge, fakeStatus, type FakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const unlocks = (bridge: FakeBridge) => bridge.calls.filter((c) => c.command === 'vault.unlock').map((c) => c.input);
const submit = async (name: string): Promise<void> => {
  await act(async () => {
    fireEvent.click(screen.getByRole('button', { name }));
  });
};

describe('Vault panel', () => {
  it('first time: passphrase and confirmation; a mismatch blocks the call, a match sets it up and the status bar follows', async () => {
    const bridge = createFakeBridge({ 'vault.unlock': () => ({ ok: true, value: { kind: 'passphrase', initialised: true, unlocked: true } }) });
    await renderApp(bridge, 'settings');
    const panel = screen.getByTestId('vault-panel');
    expect(within(panel).getByText(/Passphrase \(AES-256-GCM/)).toBeTruthy();
    expect(screen.getByTestId('vault-initialised').textContent).toBe('no');
    expect(within(panel).getByText(/cannot be recovered/)).toBeTruthy();
    expect(screen.getByTestId('status-vault').textContent).toBe('Vault: not set up');

    fireEvent.change(screen.getByLabelText('New vault passphrase'), { target: { value: 'correct horse battery' } });
    fireEvent.change(screen.getByLabelText('Confirm the passphrase'), { target: { value: 'correct horse battery!' } });
    await submit('Set up vault');
    expect(unlocks(bridge)).toEqual([]);
    const confirm = screen.getByLabelText('Confirm the passphrase');
    expect(confirm.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('vault-passphrase-confirm-error')?.textContent).toContain('differ');

    fireEvent.change(confirm, { target: { value: 'correct horse battery' } });
    expect(confirm.getAttribute('aria-invalid')).toBeNull();
    await submit('Set up vault');
    expect(unlocks(bridge)).toEqual([{ passphrase: 'correct horse battery' }]);
    expect(screen.getByTestId('vault-unlocked').textContent).toBe('yes');
    expect(screen.queryByLabelText('New vault passphrase')).toBeNull();
    expect(screen.getByTestId('status-vault').textContent).toBe('Vault: unlocked');
    expect(screen.getByText('Vault set up')).toBeTruthy();
  });

  it('a too-short passphrase goes to the contract, whose VALIDATION marks the field', async () => {
    const bridge = createFakeBridge({
      'vault.unlock': () => ({
        ok: false,
        error: { code: 'VALIDATION', message: 'Invalid input for vault.unlock', details: { issues: [{ path: ['passphrase'], message: 'Too small: expected string to have >=12 characters' }] } },
      }),
    });
    await renderApp(bridge, 'settings');
    fireEvent.change(screen.getByLabelText('New vault passphrase'), { target: { value: 'short' } });
    fireEvent.change(screen.getByLabelText('Confirm the passphrase'), { target: { value: 'short' } });
    await submit('Set up vault');
    expect(unlocks(bridge)).toEqual([{ passphrase: 'short' }]);
    const field = screen.getByLabelText('New vault passphrase') as HTMLInputElement;
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(field.value).toBe(''); // never kept after the call
    expect(within(screen.getByRole('alert')).getByTestId('toast-code').textContent).toBe('VALIDATION');
  });

  it('later: passphrase only; a wrong one is a field error (VAULT_PASSPHRASE), and status.changed moves the panel', async () => {
    const locked: Status = { ...fakeStatus, vault: { kind: 'passphrase', initialised: true, unlocked: false } };
    const bridge = createFakeBridge({
      'status.get': () => ({ ok: true, value: locked }),
      'vault.unlock': () => ({ ok: false, error: { code: 'VAULT_PASSPHRASE', message: 'Wrong vault passphrase.' } }),
    });
    await renderApp(bridge, 'settings');
    expect(screen.getByTestId('status-vault').textContent).toBe('Vault: locked');
    expect(screen.queryByLabelText('Confirm the passphrase')).toBeNull();
    expect(screen.queryByText(/cannot be recovered/)).toBeNull();
    fireEvent.change(screen.getByLabelText('Vault passphrase'), { target: { value: 'not the right one' } });
    await submit('Unlock vault');
    const field = screen.getByLabelText('Vault passphrase');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById('vault-passphrase-error')?.textContent).toBe('Wrong vault passphrase. (VAULT_PASSPHRASE)');
    expect(screen.queryByRole('alert')).toBeNull();

    // Unlocked elsewhere (the CLI, another window): the event is enough.
    act(() => bridge.emit('status.changed', { ...locked, vault: { kind: 'passphrase', initialised: true, unlocked: true } }));
    expect(screen.queryByLabelText('Vault passphrase')).toBeNull();
    expect(screen.getByTestId('vault-unlocked').textContent).toBe('yes');
  });

  it('the OS keychain needs no passphrase', async () => {
    const bridge = createFakeBridge({ 'status.get': () => ({ ok: true, value: { ...fakeStatus, vault: { kind: 'os', initialised: true, unlocked: true } } }) });
    await renderApp(bridge, 'settings');
    expect(within(screen.getByTestId('vault-panel')).getByText(/OS keychain/, { selector: 'dd' })).toBeTruthy();
    expect(screen.queryByRole('button', { name: /vault/ })).toBeNull();
  });
});
