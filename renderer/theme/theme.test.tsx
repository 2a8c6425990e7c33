import { act } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { defaultSettings } from '../../core/contract';
import { createFakeBridge } from '../testing/fake-bridge';
import { renderApp, unmountAll } from '../testing/render-app';
import { resolveTheme, toggledTheme } from './resolve-theme';

afterEach(() => {
  unmountAll();
  vi.unstubAllGlobals();
});

describe('resolveTheme', () => {
  it('follows the OS for "system" (and before settings load), otherwise the setting wins', () => {
    expect(resolveTheme('system', true)).toBe('dark');
    expect(resolveTheme('system', false)).toBe('light');
    expect(resolveTheme(undefined, true)).toBe('dark');
    expect(resolveTheme('light', true)).toBe('light');
    expect(resolveTheme('dark', false)).toBe('dark');
    expect(toggledTheme('dark')).toBe('light');
  });
});

/** A controllable prefers-color-scheme, since jsdom has no matchMedia. */
function stubColorScheme(initiallyDark: boolean): (dark: boolean) => void {
  let dark = initiallyDark;
  const listeners = new Set<() => void>();
  vi.stubGlobal('matchMedia', (query: string) => ({
    media: query,
    get matches() {
      return dark;
    },
    addEventListener: (_type: string, listener: () => void) => listeners.add(listener),
    removeEventListener: (_type: string, listener: () => void) => listeners.delete(listener),
  }));
  return (next) => {
    dark = next;
    for (const listener of listeners) listener();
  };
}

describe('applied theme', () => {
  it('follows the OS live while the setting is "system", and the setting overrides it', async () => {
    const setOsDark = stubColorScheme(true);
    const bridge = createFakeBridge();
    await renderApp(bridge);
    expect(document.documentElement.dataset.theme).toBe('dark');

    act(() => setOsDark(false));
    expect(document.documentElement.dataset.theme).toBe('light');

    // A change saved elsewhere arrives as settings.changed.
    act(() => bridge.emit('settings.changed', { ...defaultSettings, theme: 'dark' }));
    expect(document.documentElement.dataset.theme).toBe('dark');
    act(() => setOsDark(true));
    act(() => setOsDark(false));
    expect(document.documentElement.dataset.theme).toBe('dark');
  });

  it('disposes its event subscriptions on unmount', async () => {
    const bridge = createFakeBridge();
    const { unmount } = await renderApp(bridge);
    expect(bridge.listenerCount('settings.changed')).toBeGreaterThan(0);
    expect(bridge.listenerCount('status.changed')).toBeGreaterThan(0);
    unmount();
    expect(bridge.listenerCount('settings.changed')).toBe(0);
    expect(bridge.listenerCount('status.changed')).toBe(0);
  });
});
