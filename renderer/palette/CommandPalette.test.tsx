import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { createFakeBridge } from '../testing/fake-bridge';
import { renderApp, unmountAll } from '../testing/render-app';

afterEach(unmountAll);

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
    expect(within(dialog).getByText(/Nothing matches/)).toBeTruthy();

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
});
