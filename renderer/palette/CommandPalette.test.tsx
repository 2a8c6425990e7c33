import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { ProcedureSummary, VmSummary } from '../../core/contract';
import { createFakeBridge } from '../testing/fake-bridge';
import { renderApp, unmountAll } from '../testing/render-app';

afterEach(() => {
  unmountAll();
  window.localStorage.clear();
});

const vm = (name: string, moref: string, powerState = 'poweredOff'): VmSummary => ({
  site: 'lab', moref, name, uuid: null, instanceUuid: null, powerState, guestId: null, guestFullName: null, ipAddress: '10.1.0.7', ipAddresses: ['10.1.0.7'],
  hostName: null, toolsRunningStatus: null, host: null, numCpu: 1, memoryMB: 512, annotation: null, folderPath: null, updatedAt: '2026-01-01T00:00:00Z', removedAt: null,
});

function openPalette(): HTMLElement {
  fireEvent.keyDown(window, { key: 'k', ctrlKey: true });
  return screen.getByRole('dialog', { name: 'Command palette' });
}

describe('command palette', () => {
  it('opens on Ctrl+K with focus in the combobox, filters fuzzily and navigates on Enter', async () => {
    const { store } = await renderApp(createFakeBridge());
    const dialog = openPalette();
    const input = within(dialog).getByRole('combobox');
    expect(document.activeElement).toBe(input);
    expect(input.getAttribute('aria-controls')).toBe(within(dialog).getByRole('listbox').id);

    fireEvent.change(input, { target: { value: 'adt lg' } });
    const options = within(dialog).getAllByRole('option');
    expect(options[0]?.textContent).toContain('Audit log');
    expect(options.some((o) => o.textContent?.includes('Inventory'))).toBe(false);
    expect(input.getAttribute('aria-activedescendant')).toBe(options[0]?.id);

    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(store.getState().view).toBe('audit');
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Audit log');
    expect(document.activeElement?.id).toBe('view-heading');
  });

  it('moves the active option with the arrow keys and wraps', async () => {
    const { store } = await renderApp(createFakeBridge());
    const input = within(openPalette()).getByRole('combobox');
    fireEvent.change(input, { target: { value: 'ing' } }); // Settings ranks first (shorter), then Networking, ...
    const options = screen.getAllByRole('option');
    expect(options.length).toBeGreaterThan(1);
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    expect(screen.getAllByRole('option')[1]?.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    fireEvent.keyDown(input, { key: 'ArrowUp' });
    expect(screen.getAllByRole('option').at(-1)?.getAttribute('aria-selected')).toBe('true');
    fireEvent.keyDown(input, { key: 'ArrowDown' });
    const first = screen.getAllByRole('option')[0];
    expect(first?.getAttribute('aria-selected')).toBe('true');
    expect(first?.textContent).toContain('Settings');
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Settings');
    expect(store.getState().paletteOpen).toBe(false);
  });

  it('keeps focus inside, closes on Escape without navigating and says when nothing matches', async () => {
    const { store } = await renderApp(createFakeBridge());
    const dialog = openPalette();
    const input = within(dialog).getByRole('combobox');
    fireEvent.keyDown(input, { key: 'Tab' });
    expect(document.activeElement).toBe(input);

    fireEvent.change(input, { target: { value: 'zzqx' } });
    expect(within(dialog).queryAllByRole('option')).toHaveLength(0);
    expect(await within(dialog).findByText(/Nothing matches/)).toBeTruthy();

    fireEvent.keyDown(input, { key: 'Escape' });
    expect(screen.queryByRole('dialog')).toBeNull();
    expect(store.getState().view).toBe('inventory');
  });

  it('runs actions too: Toggle theme saves the opposite theme through settings.update', async () => {
    const bridge = createFakeBridge();
    await renderApp(bridge);
    expect(document.documentElement.dataset.theme).toBe('light');
    const input = within(openPalette()).getByRole('combobox');
    fireEvent.change(input, { target: { value: 'toggle theme' } });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    expect(bridge.calls.filter((c) => c.command === 'settings.update')).toEqual([{ command: 'settings.update', input: { theme: 'dark' } }]);
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('opens with Ctrl+Shift+P too', async () => {
    await renderApp(createFakeBridge());
    fireEvent.keyDown(window, { key: 'P', ctrlKey: true, shiftKey: true });
    expect(screen.getByRole('dialog', { name: 'Command palette' })).toBeTruthy();
  });

  it("finds VMs through the server's search (debounced, a few rows, never all) and powers one on", async () => {
    const bridge = createFakeBridge({
      'vms.list': (input) => {
        const q = (input as { query?: string }).query ?? '';
        return { ok: true, value: 'web-01'.startsWith(q) ? [vm('web-01', 'vm-42')] : [] };
      },
      'vm.power': () => ({ ok: true, value: { site: 'lab', vm: 'web-01', moref: 'vm-42', powerState: 'poweredOn' } }),
    });
    await renderApp(bridge);
    const input = within(openPalette()).getByRole('combobox');
    for (const typed of ['power on w', 'power on we', 'power on web', 'power on web-0']) fireEvent.change(input, { target: { value: typed } });
    const option = await screen.findByRole('option', { name: /Power on web-01/ });
    // One search for the settled text, with the verbs left out and a small limit.
    expect(bridge.calls.filter((c) => c.command === 'vms.list').map((c) => c.input)).toEqual([{ query: 'web-0', limit: 12 }]);
    expect(screen.getAllByRole('option')[0]).toBe(option);
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    expect(bridge.calls.filter((c) => c.command === 'vm.power').map((c) => c.input)).toEqual([{ site: 'lab', vm: 'vm-42', action: 'on' }]);
  });

  it('lists what was run before first, across a reload (localStorage)', async () => {
    await renderApp(createFakeBridge());
    let input = within(openPalette()).getByRole('combobox');
    fireEvent.change(input, { target: { value: 'audit' } });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    unmountAll();
    await renderApp(createFakeBridge());
    input = within(openPalette()).getByRole('combobox');
    const first = screen.getAllByRole('option')[0]!;
    expect(first.textContent).toContain('Audit log');
    expect(first.getAttribute('data-recent')).toBe('true');
    expect(first.textContent).toContain('Recent');
    expect(JSON.parse(window.localStorage.getItem('outpost.palette.recent') ?? '[]')).toHaveLength(1);
  });

  it('approves a run waiting at its gate (after the confirmation)', async () => {
    const waiting: ProcedureSummary = { id: '6f1d2c3b-0a9e-4c1d-9a7e-1234567890ab', kind: 'nat.add', state: 'waiting', target: '10.0.0.5', createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-01T00:00:00Z', createdBy: 'ada' };
    const bridge = createFakeBridge({
      'procedures.list': () => ({ ok: true, value: [waiting] }),
      'procedures.approve': () => ({ ok: true, value: { ...waiting, state: 'running' } }),
    });
    await renderApp(bridge);
    const input = within(openPalette()).getByRole('combobox');
    fireEvent.change(input, { target: { value: 'approve nat' } });
    await screen.findByRole('option', { name: /Approve nat.add 10.0.0.5/ });
    await act(async () => {
      fireEvent.keyDown(input, { key: 'Enter' });
    });
    const dialog = screen.getByRole('alertdialog');
    await act(async () => {
      fireEvent.click(within(dialog).getByRole('button', { name: 'Approve' }));
    });
    expect(bridge.calls.filter((c) => c.command === 'procedures.approve').map((c) => c.input)).toEqual([{ id: waiting.id }]);
  });
});
