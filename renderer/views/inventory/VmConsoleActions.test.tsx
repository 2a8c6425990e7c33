import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SiteSummary, VmSummary } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

// A FAKE bridge (component test): the Electron transport cannot run in jsdom. The host build's
// path runs against the real host and vcsim in e2e/networking.spec.ts.
afterEach(() => {
  unmountAll();
  vi.restoreAllMocks();
});
const saved = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
beforeAll(() => Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 }));
afterAll(() => saved && Object.defineProperty(HTMLElement.prototype, 'clientHeight', saved));

const site: SiteSummary = { id: 1, name: 'dc1', url: 'https://vc/sdk', username: 'u', lastSyncAt: '2025-01-01T00:00:00Z', connected: true };
const web: VmSummary = {
  site: 'dc1', moref: 'vm-7', name: 'web', uuid: null, instanceUuid: null, powerState: 'poweredOn', guestId: null, guestFullName: null,
  ipAddress: null, ipAddresses: [], hostName: null, toolsRunningStatus: 'guestToolsRunning', host: 'esx-1', numCpu: 1, memoryMB: 1024,
  annotation: null, folderPath: null, updatedAt: '2025-01-01T00:00:00Z', removedAt: null,
};
const link = 'vmrc://clone:cst-secret-ticket@vc:443/?moid=vm-7';
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));

describe('VM console actions in Electron (fake bridge)', () => {
  it('asks for a VMRC link on the click and hands it straight to window.open, never showing or keeping it', async () => {
    const opened: (string | URL | undefined)[] = [];
    vi.spyOn(window, 'open').mockImplementation((url) => {
      opened.push(url);
      return null;
    });
    const bridge = createFakeBridge({
      'app.info': () => ({ ok: true, value: { version: '0', transport: 'electron', dataDir: '/d', dbPath: '/d/o.db', schemaVersion: 1, platform: 'linux' } }),
      'sites.list': () => ({ ok: true, value: [site] }),
      'vms.list': () => ({ ok: true, value: [web] }),
      'vm.guestinfo.get': () => ({ ok: true, value: { site: 'dc1', vm: 'web', moref: 'vm-7', entries: [] } }),
      'vm.console.open': () => ({ ok: true, value: { vm: 'web', moref: 'vm-7', kind: 'vmrc', windowPath: null, origin: null, vmrcUrl: link, expiresAt: null } }),
    });
    await renderApp(bridge, 'inventory');
    await settle();
    fireEvent.keyDown(screen.getByRole('grid', { name: 'Virtual machines' }), { key: 'ArrowDown' });
    const consoleBox = within(screen.getByTestId('vm-console'));
    expect(consoleBox.queryByRole('button', { name: 'Open console window' })).toBeNull(); // host build only
    expect(opened).toEqual([]); // nothing asked before the click
    fireEvent.click(consoleBox.getByRole('button', { name: 'VMware Remote Console' }));
    await settle();
    expect(bridge.calls.filter((c) => c.command === 'vm.console.open').map((c) => c.input)).toEqual([{ site: 'dc1', vm: 'vm-7', kind: 'vmrc' }]);
    expect(opened).toEqual([link]);
    expect(screen.getByTestId('vm-console-vmrc-sent')).toBeTruthy();
    expect(document.body.innerHTML).not.toContain('secret-ticket');
  });
});
