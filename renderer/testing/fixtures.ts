import { afterAll, beforeAll } from 'vitest';
import type { SiteSummary, VmSummary } from '../../core/contract';

/** A fake bridge answer. */
export const ok = <T,>(value: T) => ({ ok: true as const, value });

export const testSite: SiteSummary = { id: 1, name: 'dc1', url: 'https://vc/sdk', username: 'u', lastSyncAt: '2025-01-01T00:00:00Z', connected: true };

/** An inventory VM of site dc1 (powered on, Ubuntu, Tools running on esx-1); `extra` overrides. */
export function testVm(name: string, extra: Partial<VmSummary> = {}): VmSummary {
  return {
    site: 'dc1',
    moref: `vm-${name}`,
    name,
    uuid: null,
    instanceUuid: null,
    powerState: 'poweredOn',
    guestId: 'ubuntu64Guest',
    guestFullName: 'Ubuntu Linux (64-bit)',
    ipAddress: '10.0.0.5',
    ipAddresses: [],
    hostName: null,
    toolsRunningStatus: 'guestToolsRunning',
    host: 'esx-1',
    numCpu: 2,
    memoryMB: 2048,
    annotation: null,
    folderPath: null,
    updatedAt: '2025-01-01T00:00:00Z',
    removedAt: null,
    ...extra,
  };
}

/** A private-key credential profile as credentials.list answers it. */
export const keyProfile = (id: number, name: string, username: string) => ({ id, name, kind: 'private-key', username, scope: { type: 'global' }, createdAt: '', updatedAt: '' });

/** jsdom lays nothing out: give scroll boxes a height so virtualized grids render rows. */
export function withLayoutHeight(px = 600): void {
  const saved = Object.getOwnPropertyDescriptor(HTMLElement.prototype, 'clientHeight');
  beforeAll(() => Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => px }));
  afterAll(() => saved && Object.defineProperty(HTMLElement.prototype, 'clientHeight', saved));
}
