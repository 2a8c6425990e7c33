import { act, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { SiteSummary, SyncProgress, SyncResult } from '../../../core/contract';
import { createFakeBridge, type FakeBridge } from '../../testing/fake-bridge';
import { renderApp, unmountAll } from '../../testing/render-app';

afterEach(unmountAll);

const dc1: SiteSummary = { id: 1, name: 'dc1', url: 'https://vc1/sdk', username: 'u', lastSyncAt: '2025-01-01T00:00:00Z', connected: false };
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));
const counts = (vms: number) => ({ datacenters: 1, clusters: 2, hosts: 8, networks: 3, datastores: 4, vms });

async function openSites(bridge: FakeBridge): Promise<void> {
  await renderApp(bridge, 'inventory');
  await act(async () => {
    fireEvent.click(screen.getByRole('tab', { name: /vCenters/ }));
    await new Promise((resolve) => setTimeout(resolve, 0));
  });
}

describe('vCenters panel (fake bridge)', () => {
  it('shows each site index: live with lag from another process, reconnecting with a countdown, error with its message, stale when the indexer died', async () => {
    const now = Date.now();
    const base = { retryAt: null, lastChangeAt: null, lastEventAt: null, lagMs: null, lastError: null, pid: 4242, heartbeatAt: new Date(now).toISOString(), stale: false };
    const sites: SiteSummary[] = [
      { ...dc1, id: 1, name: 'live', connected: true, index: { ...base, state: 'watching', lagMs: 1500 } },
      { ...dc1, id: 2, name: 'retry', index: { ...base, state: 'backoff', retryAt: new Date(now + 60_000).toISOString(), lastError: { code: 'VCENTER_UNREACHABLE', message: 'connection refused <b>' } } },
      { ...dc1, id: 3, name: 'dead', index: { ...base, state: 'watching', stale: true } },
      { ...dc1, id: 4, name: 'new', index: null },
    ];
    await openSites(createFakeBridge({ 'sites.list': () => ({ ok: true, value: sites }) }));
    expect(screen.getByTestId('site-watch-live').textContent).toContain('Live, lag 1.5 s');
    expect(screen.getByTestId('site-watch-retry').textContent).toMatch(/Reconnecting in (5\d|60) s/);
    expect(screen.getByTestId('site-error-retry').textContent).toContain('connection refused <b>'); // as text
    expect(screen.getByTestId('site-watch-dead').textContent).toContain('Not indexed (process 4242 stopped)');
    expect(screen.getByTestId('site-watch-new').textContent).toContain('Not indexed');
  });

  it('a running sync shows its progress events: counts, pages, a bar towards the last total; then the result', async () => {
    let finish: (r: SyncResult) => void = () => undefined;
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [dc1] }),
      'inventory.sync': () => new Promise((resolve) => (finish = (value) => resolve({ ok: true, value }))),
    });
    await openSites(bridge);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Sync now: dc1' }));
    });
    const progress = (p: Partial<SyncProgress>) =>
      act(async () => bridge.emit('inventory.sync.progress', { site: 'dc1', phase: 'vms', counts: counts(0), pages: 1, expectedVms: 10_000, elapsedMs: 100, ...p }));

    await progress({ phase: 'structure', counts: counts(0) });
    expect(screen.getByTestId('sync-status-dc1').textContent).toContain('8 hosts, 2 clusters, 4 datastores, 3 networks stored; reading VMs');
    await progress({ counts: counts(4_000), pages: 5 });
    expect(screen.getByTestId('sync-status-dc1').textContent).toContain('4,000 of ~10,000 VMs stored, 5 pages');
    expect(screen.getByRole('progressbar', { name: 'Syncing dc1' }).getAttribute('aria-valuenow')).toBe('40');
    // In a full-width row of its own under the site's row, not in a cell of it.
    expect(within(screen.getByTestId('site-row-dc1')).queryByTestId('sync-status-dc1')).toBeNull();
    expect(screen.getByTestId('sync-status-dc1').closest('td')?.getAttribute('colspan')).toBe('6');
    expect(screen.getByTestId('site-row-dc1').nextElementSibling?.contains(screen.getByTestId('sync-status-dc1'))).toBe(true);

    await act(async () => finish({ site: 'dc1', counts: counts(10_000), removed: 0, pages: 11, elapsedMs: 1234 }));
    await settle();
    expect(screen.getByTestId('sync-progress-dc1').textContent).toContain('Synced dc1 in 1.2 s: 10,000 VMs');
  });

  it('a first sync (no earlier total) keeps the bar indeterminate but shows the counts', async () => {
    const bridge = createFakeBridge({ 'sites.list': () => ({ ok: true, value: [{ ...dc1, lastSyncAt: null }] }), 'inventory.sync': () => new Promise(() => undefined) });
    await openSites(bridge);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Sync now: dc1' }));
    });
    await act(async () => bridge.emit('inventory.sync.progress', { site: 'dc1', phase: 'vms', counts: counts(1_000), pages: 2, expectedVms: null, elapsedMs: 300 }));
    expect(screen.getByTestId('sync-status-dc1').textContent).toContain('1,000 VMs stored, 2 pages');
    expect(screen.getByRole('progressbar', { name: 'Syncing dc1' }).getAttribute('aria-valuenow')).toBeNull();
  });

  it('a sync started by another window shows its progress too, and goes away at its done event', async () => {
    const bridge = createFakeBridge({ 'sites.list': () => ({ ok: true, value: [dc1] }) });
    await openSites(bridge);
    const lists = () => bridge.calls.filter((c) => c.command === 'sites.list').length;
    await act(async () => bridge.emit('inventory.sync.progress', { site: 'dc1', phase: 'vms', counts: counts(500), pages: 2, expectedVms: 1_000, elapsedMs: 900 }));
    expect(screen.getByTestId('sync-status-dc1').textContent).toContain('500 of ~1,000 VMs stored');
    const before = lists();
    await act(async () => bridge.emit('inventory.sync.progress', { site: 'dc1', phase: 'done', counts: counts(1_000), pages: 3, expectedVms: 1_000, elapsedMs: 1500 }));
    await settle();
    expect(screen.queryByTestId('sync-progress-dc1')).toBeNull();
    expect(lists()).toBeGreaterThan(before); // the last-sync time is read again
  });

  it('Remove asks first (Keep changes nothing), then calls sites.remove and reloads the list', async () => {
    let sites = [dc1];
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: sites }),
      'sites.remove': () => {
        sites = [];
        return { ok: true, value: { site: 'dc1', removedAt: '2025-01-02T00:00:00Z', markedRemoved: counts(42) } };
      },
    });
    await openSites(bridge);
    fireEvent.click(screen.getByRole('button', { name: 'Remove dc1' }));
    const dialog = screen.getByRole('alertdialog', { name: 'Remove vCenter dc1?' });
    expect(dialog.textContent).toContain('the rows stay for the audit trail');
    fireEvent.click(within(dialog).getByRole('button', { name: 'Keep' }));
    expect(bridge.calls.some((c) => c.command === 'sites.remove')).toBe(false);

    fireEvent.click(screen.getByRole('button', { name: 'Remove dc1' }));
    await act(async () => {
      fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove vCenter' }));
    });
    await settle();
    expect(bridge.calls.filter((c) => c.command === 'sites.remove').map((c) => c.input)).toEqual([{ site: 'dc1' }]);
    expect(screen.queryByTestId('site-row-dc1')).toBeNull();
    expect(screen.getByText(/42 VMs marked removed/)).toBeTruthy();
  });

  it('a refused removal (enrolled VMs) shows the error code and keeps the site', async () => {
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [dc1] }),
      'sites.remove': () => ({ ok: false, error: { code: 'CONFLICT', message: 'dc1 has 2 enrolled VMs; offboard them before removing the site.' } }),
    });
    await openSites(bridge);
    fireEvent.click(screen.getByRole('button', { name: 'Remove dc1' }));
    await act(async () => {
      fireEvent.click(within(screen.getByRole('alertdialog')).getByRole('button', { name: 'Remove vCenter' }));
    });
    await settle();
    expect(screen.getByText(/offboard them before removing the site/)).toBeTruthy();
    expect(document.body.textContent).toContain('CONFLICT');
    expect(screen.getByTestId('site-row-dc1')).toBeTruthy();
  });
  it('an answer that arrives after a newer status event does not put the older state back (Watch answered "Syncing" after the "Live" event)', async () => {
    const w = { site: 'dc1', syncs: 0, reconnects: 0, lastChangeAt: null, lastError: null, retryAt: null, lastEventAt: null, lagMs: null };
    let answer: () => void = () => undefined;
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [dc1] }),
      'inventory.watch.status': () => ({ ok: true, value: [] }),
      // The host read its status (syncing, version 10) and the answer is slow to come back.
      'inventory.watch.start': () => new Promise((resolve) => (answer = () => resolve({ ok: true, value: { ...w, state: 'syncing', version: 10 } }))),
    });
    await openSites(bridge);
    await act(async () => {
      fireEvent.click(screen.getByRole('button', { name: 'Watch dc1' }));
    });
    await act(async () => bridge.emit('inventory.watch', { ...w, state: 'syncing', version: 10 }));
    await act(async () => bridge.emit('inventory.watch', { ...w, state: 'watching', syncs: 1, version: 11 }));
    expect(screen.getByTestId('site-watch-dc1').textContent).toContain('Live');
    await act(async () => answer());
    await settle();
    expect(screen.getByTestId('site-watch-dc1').textContent).toContain('Live');
    // A later change is taken as it comes.
    await act(async () => bridge.emit('inventory.watch', { ...w, state: 'backoff', version: 12 }));
    expect(screen.getByTestId('site-watch-dc1').textContent).toContain('Reconnecting');
  });
});
