import { act, screen } from '@testing-library/react';
import type { createFakeBridge } from './fake-bridge';
import { renderApp } from './render-app';

/** The app on the Terminals page (loaded on first open: xterm is most of the bundle), fan-out panel shown. */
export async function openFanoutPanel(bridge: ReturnType<typeof createFakeBridge>): Promise<HTMLElement> {
  await renderApp(bridge, 'terminals');
  await screen.findByTestId('fanout-toggle', {}, { timeout: 10_000 });
  await act(async () => {
    window.location.hash = '#/terminals/fanout';
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  });
  return screen.getByTestId('fanout-panel');
}
