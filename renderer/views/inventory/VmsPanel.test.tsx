import { act, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { VmSummary } from '../../../core/contract';
import { createFakeBridge } from '../../testing/fake-bridge';
import { testSite, testVm, withLayoutHeight } from '../../testing/fixtures';
import { renderApp, unmountAll } from '../../testing/render-app';
import { FIRST_PAGE, PAGE } from './use-vm-rows';

afterEach(unmountAll);

withLayoutHeight();

const site = testSite;
// No guest OS id and no address unless a row says so: the filters below read them.
const vm = (name: string, extra: Partial<VmSummary>): VmSummary => testVm(name, { guestId: null, ipAddress: null, ...extra });
const all = [
  vm('web-10', { ipAddress: '10.0.0.10', ipAddresses: ['10.0.0.10'], numCpu: 4 }),
  vm('web-9', { ipAddress: '10.0.0.9', ipAddresses: ['10.0.0.9'], numCpu: 1, powerState: 'poweredOff', toolsRunningStatus: 'guestToolsNotRunning' }),
  vm('db-1', { ipAddress: '10.0.1.1', ipAddresses: ['10.0.1.1'], numCpu: 8, memoryMB: 16384 }),
];
const names = (): string[] => screen.getAllByTestId('vm-row').map((r) => r.getAttribute('data-vm') ?? '');
const settle = () => act(async () => new Promise((resolve) => setTimeout(resolve, 0)));

// The fake store's filters, as core/inventory/vm-search.ts applies them (web-10 is the one enrolled VM).
// The table never sends a query (it searches the rows it holds): a query here fails the test.
function filtered(input: unknown): VmSummary[] {
  const q = input as { query?: string; powerState?: string; toolsStatus?: string; enrolled?: boolean };
  if (q.query !== undefined) throw new Error('the table asked the store to search');
  let rows = all;
  if (q.powerState) rows = rows.filter((r) => r.powerState === q.powerState);
  if (q.toolsStatus) rows = rows.filter((r) => (r.toolsRunningStatus ?? 'unknown') === q.toolsStatus);
  if (q.enrolled !== undefined) rows = rows.filter((r) => (r.name === 'web-10') === q.enrolled);
  return rows;
}

function bridgeWithVms() {
  return createFakeBridge({
    'sites.list': () => ({ ok: true, value: [site] }),
    'vms.list': (input) => ({ ok: true, value: filtered(input) }),
    'vms.count': (input) => ({ ok: true, value: { total: filtered(input).length } }),
  });
}

describe('VM table (fake bridge)', () => {
  it('sorts by a column (numbers and IPs by value), both ways, with aria-sort', async () => {
    await renderApp(bridgeWithVms(), 'inventory');
    await settle();
    expect(names()).toEqual(['db-1', 'web-9', 'web-10']); // natural name order
    expect(screen.getByTestId('vm-count').textContent).toContain('3 VMs');

    fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
    expect(names()).toEqual(['web-9', 'web-10', 'db-1']);
    expect(screen.getByRole('columnheader', { name: /CPUs/ }).getAttribute('aria-sort')).toBe('ascending');
    fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
    expect(names()).toEqual(['db-1', 'web-10', 'web-9']);
    expect(screen.getByRole('columnheader', { name: /CPUs/ }).getAttribute('aria-sort')).toBe('descending');

    fireEvent.click(screen.getByRole('button', { name: 'IP' }));
    expect(names()).toEqual(['web-9', 'web-10', 'db-1']); // 10.0.0.9 < 10.0.0.10 < 10.0.1.1
  });

  it('search narrows the rows held (no request per keystroke); power, tools and enrolled go to vms.list; keyboard moves the selection into the detail pane', async () => {
    const bridge = bridgeWithVms();
    await renderApp(bridge, 'inventory');
    await settle();
    const lists = () => bridge.calls.filter((c) => c.command === 'vms.list').length;
    const before = lists();

    for (const text of ['E', 'EB', 'EB-', 'EB-1']) {
      await act(async () => {
        fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: text } });
      });
      await settle();
    }
    expect(names()).toEqual(['web-10']); // a mid-name fragment, any case
    expect(screen.getByTestId('vm-count').textContent).toContain('1 of 3 VMs match');
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: '.0.0.' } });
    });
    await settle();
    expect(names()).toEqual(['web-9', 'web-10']); // an IP fragment
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'web' } });
    });
    await settle();
    expect(names()).toEqual(['web-9', 'web-10']);
    expect(lists()).toBe(before);
    expect(bridge.calls.filter((c) => c.command === 'vms.list').at(-1)?.input).toEqual({ includeRemoved: false, limit: FIRST_PAGE, offset: 0 });

    await act(async () => {
      fireEvent.change(screen.getByLabelText('Power state'), { target: { value: 'poweredOn' } });
    });
    await settle();
    expect(names()).toEqual(['web-10']);
    expect(bridge.calls.filter((c) => c.command === 'vms.list').at(-1)?.input).toMatchObject({ powerState: 'poweredOn' });

    fireEvent.change(screen.getByLabelText('Power state'), { target: { value: '' } });
    await settle();
    fireEvent.change(screen.getByLabelText('Tools status'), { target: { value: 'guestToolsNotRunning' } });
    await settle();
    expect(names()).toEqual(['web-9']);
    expect(bridge.calls.filter((c) => c.command === 'vms.list').at(-1)?.input).toEqual({ toolsStatus: 'guestToolsNotRunning', includeRemoved: false, limit: FIRST_PAGE, offset: 0 });
    fireEvent.change(screen.getByLabelText('Tools status'), { target: { value: '' } });
    fireEvent.change(screen.getByLabelText('Enrolled'), { target: { value: 'yes' } });
    await settle();
    expect(names()).toEqual(['web-10']);
    expect(bridge.calls.filter((c) => c.command === 'vms.list').at(-1)?.input).toMatchObject({ enrolled: true });
    fireEvent.change(screen.getByLabelText('Enrolled'), { target: { value: 'no' } });
    await settle();
    expect(names()).toEqual(['web-9']);
    fireEvent.change(screen.getByLabelText('Enrolled'), { target: { value: '' } });
    await settle();
    // Neither answer reached its limit: each is its own total, nothing is counted.
    expect(bridge.calls.some((c) => c.command === 'vms.count')).toBe(false);

    const grid = screen.getByRole('grid', { name: 'Virtual machines' });
    fireEvent.keyDown(grid, { key: 'ArrowDown' });
    expect(within(screen.getByTestId('vm-detail')).getByRole('heading', { name: 'web-9' })).toBeTruthy();
    fireEvent.keyDown(grid, { key: 'End' });
    expect(within(screen.getByTestId('vm-detail')).getByRole('heading', { name: 'web-10' })).toBeTruthy();
    expect(grid.getAttribute('aria-activedescendant')).toBe('vm-row-1');
    // Escape in the detail pane closes it.
    fireEvent.keyDown(within(screen.getByTestId('vm-detail')).getByRole('button', { name: 'Close the details' }), { key: 'Escape' });
    expect(screen.queryByTestId('vm-detail')).toBeNull();
  });

  it('Export CSV of a table that holds every VM writes what it shows (its search and order), with no second read of the store', async () => {
    const saved: Blob[] = [];
    const { createObjectURL, revokeObjectURL } = URL;
    Object.assign(URL, { createObjectURL: (blob: Blob) => (saved.push(blob), 'blob:fake'), revokeObjectURL: () => undefined });
    try {
      const bridge = bridgeWithVms();
      await renderApp(bridge, 'inventory');
      await settle();
      await act(async () => {
        fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'web' } });
      });
      await settle();
      fireEvent.click(screen.getByRole('button', { name: 'CPUs' }));
      const reads = bridge.calls.filter((c) => c.command === 'vms.list').length;
      fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
      await settle();
      expect(bridge.calls.filter((c) => c.command === 'vms.list')).toHaveLength(reads);
      expect(saved).toHaveLength(1);
      const lines = (await saved[0]!.text()).trimEnd().split('\r\n');
      expect(lines[0]).toMatch(/^site,name,moref,/);
      expect(lines.slice(1).map((l) => l.split(',')[1])).toEqual(['web-9', 'web-10']); // the search, by CPUs (1, then 4)
    } finally {
      Object.assign(URL, { createObjectURL, revokeObjectURL });
    }
  });

  it('refetches on inventory.changed for VMs, never on a timer', async () => {
    const bridge = bridgeWithVms();
    await renderApp(bridge, 'inventory');
    await settle();
    const count = () => bridge.calls.filter((c) => c.command === 'vms.list').length;
    const before = count();
    await act(async () => bridge.emit('inventory.changed', { site: 'dc1', changes: [{ kind: 'modify', type: 'Datastore', moref: 'ds-1' }], truncated: false }));
    expect(count()).toBe(before);
    await act(async () => bridge.emit('inventory.changed', { site: 'dc1', changes: [{ kind: 'modify', type: 'VirtualMachine', moref: 'vm-web-9' }], truncated: false }));
    await settle();
    expect(count()).toBe(before + 1);
  });

  it('every match of a search is in the grid (no 200-row ceiling), in the chosen order, and reachable with End', async () => {
    const many = Array.from({ length: 450 }, (_, i) => vm(`vm-${String(i).padStart(3, '0')}`, {}));
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [site] }),
      'vms.list': (input) => {
        const { limit, offset = 0 } = input as { limit: number; offset?: number };
        return { ok: true, value: many.slice(offset, offset + limit) };
      },
    });
    await renderApp(bridge, 'inventory');
    await settle();
    expect(screen.getByTestId('vm-count').textContent).toContain('450 VMs');
    for (const text of ['m', 'm-', 'm-4']) {
      await act(async () => {
        fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: text } });
      });
      await settle();
    }
    const grid = screen.getByRole('grid', { name: 'Virtual machines' });
    expect(screen.getByTestId('vm-count').textContent).toContain('50 of 450 VMs match');
    expect(grid.getAttribute('data-row-count')).toBe('50');
    expect(grid.getAttribute('data-rendered-query')).toBe('m-4');
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'vm' } });
    });
    // The first screen at once, the rest of the scan in slices between frames.
    await waitFor(() => expect(grid.getAttribute('data-row-count')).toBe('450'));
    expect(screen.getByTestId('vm-count').textContent).toContain('450 of 450 VMs match');
    fireEvent.keyDown(grid, { key: 'End' });
    expect(within(screen.getByTestId('vm-detail')).getByRole('heading', { name: 'vm-449' })).toBeTruthy();
    expect(bridge.calls.some((c) => c.command === 'vms.count')).toBe(false);
  });
});

describe('VM table loads page by page (fake bridge)', () => {
  it('paints the first page with the total before the rest arrives, searches what is held meanwhile, then holds every VM', async () => {
    const total = FIRST_PAGE + PAGE + 7;
    const many = Array.from({ length: total }, (_, i) => vm(`vm-${String(i).padStart(5, '0')}`, { numCpu: i % 3 }));
    // Later pages wait until the test lets them go: what the table shows meanwhile is checked.
    const held: (() => void)[] = [];
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [site] }),
      'vms.list': (input) => {
        const { limit, offset = 0 } = input as { limit: number; offset?: number };
        const answer = { ok: true as const, value: many.slice(offset, offset + limit) };
        return offset === 0 ? answer : new Promise((resolve) => held.push(() => resolve(answer)));
      },
      'vms.count': () => ({ ok: true, value: { total } }),
    });
    await renderApp(bridge, 'inventory');
    await settle();
    const grid = screen.getByRole('grid', { name: 'Virtual machines' });
    const count = () => screen.getByTestId('vm-count').textContent ?? '';
    expect(grid.getAttribute('data-row-count')).toBe(String(FIRST_PAGE));
    expect(names()[0]).toBe('vm-00000');
    expect(count()).toContain(`Loading VMs: 500 of ${total.toLocaleString('en-US')}`);
    expect(bridge.calls.filter((c) => c.command === 'vms.list').map((c) => c.input)).toEqual([
      { includeRemoved: false, limit: FIRST_PAGE, offset: 0 },
      { includeRemoved: false, limit: PAGE, offset: FIRST_PAGE },
    ]);

    // A search meanwhile finds what is held and says there may be more.
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'vm-0049' } });
    });
    await settle();
    expect(names()).toEqual(Array.from({ length: 10 }, (_, i) => `vm-0049${i}`));
    expect(count()).toContain(`10+ of ${total.toLocaleString('en-US')} VMs match · loading 500 of`);

    // The rest arrives: the search covers it, and the count is exact.
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: 'vm-10506' } });
    });
    expect(screen.queryAllByTestId('vm-row')).toHaveLength(0);
    while (held.length > 0) {
      await act(async () => held.shift()!());
      await settle();
    }
    await waitFor(() => expect(count()).toContain(`1 of ${total.toLocaleString('en-US')} VMs match`));
    expect(names()).toEqual(['vm-10506']);
    expect(bridge.calls.filter((c) => c.command === 'vms.list').map((c) => (c.input as { offset: number }).offset)).toEqual([0, FIRST_PAGE, FIRST_PAGE + PAGE]);
    await act(async () => {
      fireEvent.change(screen.getByLabelText('Search VMs'), { target: { value: '' } });
    });
    await settle();
    expect(screen.getByRole('grid', { name: 'Virtual machines' }).getAttribute('data-row-count')).toBe(String(total));
    expect(count()).toContain(`${total.toLocaleString('en-US')} VMs`);
  });

  it('a reload (inventory.changed) keeps every row shown until the new answer is complete', async () => {
    const total = FIRST_PAGE + 20;
    let many = Array.from({ length: total }, (_, i) => vm(`vm-${String(i).padStart(5, '0')}`, {}));
    const held: (() => void)[] = [];
    let hold = false;
    const bridge = createFakeBridge({
      'sites.list': () => ({ ok: true, value: [site] }),
      'vms.list': (input) => {
        const { limit, offset = 0 } = input as { limit: number; offset?: number };
        const answer = { ok: true as const, value: many.slice(offset, offset + limit) };
        return hold && offset > 0 ? new Promise((resolve) => held.push(() => resolve(answer))) : answer;
      },
      'vms.count': () => ({ ok: true, value: { total: many.length } }),
    });
    await renderApp(bridge, 'inventory');
    await settle();
    const grid = screen.getByRole('grid', { name: 'Virtual machines' });
    expect(grid.getAttribute('data-row-count')).toBe(String(total));
    hold = true;
    many = many.slice(1);
    await act(async () => bridge.emit('inventory.changed', { site: 'dc1', changes: [{ kind: 'leave', type: 'VirtualMachine', moref: 'vm-0' }], truncated: false }));
    await settle();
    expect(held.length).toBe(1);
    expect(grid.getAttribute('data-row-count')).toBe(String(total));
    await act(async () => held.shift()!());
    await settle();
    expect(grid.getAttribute('data-row-count')).toBe(String(total - 1));
    expect(screen.getByTestId('vm-count').textContent).toContain(`${(total - 1).toLocaleString('en-US')} VMs`);
  });
});

describe('VM search typing cost (fake bridge)', () => {
  it('a keystroke neither writes the address nor reads a layout size; the search reaches the address once typing pauses, in one entry', async () => {
    await renderApp(bridgeWithVms(), 'inventory');
    await settle();
    const search = screen.getByLabelText('Search VMs');
    const writes: string[] = [];
    const replace = window.history.replaceState.bind(window.history);
    const push = window.history.pushState.bind(window.history);
    window.history.replaceState = (data, unused, url) => {
      writes.push(`replace ${String(url)}`);
      replace(data, unused, url);
    };
    window.history.pushState = (data, unused, url) => {
      writes.push(`push ${String(url)}`);
      push(data, unused, url);
    };
    let sizeReads = 0;
    Object.defineProperty(HTMLElement.prototype, 'clientHeight', {
      configurable: true,
      get: () => {
        sizeReads++;
        return 600;
      },
    });
    try {
      for (const text of ['w', 'we', 'web', 'web-1']) fireEvent.change(search, { target: { value: text } });
      expect(names()).toEqual(['web-10']);
      expect(screen.getByRole('grid', { name: 'Virtual machines' }).getAttribute('data-rendered-query')).toBe('web-1');
      expect(writes).toEqual([]);
      expect(sizeReads).toBe(0);
      await act(async () => new Promise((resolve) => setTimeout(resolve, 400)));
      expect(writes).toHaveLength(1);
      expect(writes[0]).toMatch(/^replace .*q=web-1/);
      expect((search as HTMLInputElement).value).toBe('web-1');
      // A filter chosen while a search is pending carries it: nothing typed is lost.
      fireEvent.change(search, { target: { value: 'web-9' } });
      fireEvent.change(screen.getByLabelText('Power state'), { target: { value: 'poweredOff' } });
      expect(writes.slice(-2)).toEqual([expect.stringMatching(/^replace .*q=web-9$/), expect.stringMatching(/^push .*q=web-9.*power=poweredOff/)]);
      await settle();
      expect(names()).toEqual(['web-9']);
    } finally {
      window.history.replaceState = replace;
      window.history.pushState = push;
      Object.defineProperty(HTMLElement.prototype, 'clientHeight', { configurable: true, get: () => 600 });
    }
  });
});
