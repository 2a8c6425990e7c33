import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { OutpostClient } from '../core/contract';
import { createOutpostCore } from '../core/server/core';
import { seedVms } from '../test/seed-vms';
import { expect, test } from './host-fixture';

const VMS = 50_000;
// VM i is named web|db|app|cache-<i, 5 digits> (test/seed-vms.ts): 4321 is db-04321, moref vm-4421.
const TARGET = 'db-04321';

async function openConsole(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

let seeded = '';

test.describe(`command palette and view state at ${VMS.toLocaleString('en-US')} VMs`, () => {
  // eslint-disable-next-line no-empty-pattern
  test.use({ hostDataDir: async ({}, use) => use(seeded), hostVaultPassphrase: 'e2e-palette-passphrase' });
  test.setTimeout(120_000);

  test.beforeAll(async () => {
    seeded = mkdtempSync(join(tmpdir(), 'outpost-e2e-palette-'));
    const core = await createOutpostCore({ dataDir: seeded, transport: 'test' });
    await seedVms(core.sql, VMS, 'lab');
    await core.close();
  });
  test.afterAll(() => {
    if (seeded) rmSync(seeded, { recursive: true, force: true });
  });

  test('finds a VM by the server search (a few rows per search), opens it selected, reload and Back keep the state; recents first', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Every vms.list the page sends, with its limit (the palette must never ask for all VMs).
    const vmLists: { query?: string; limit?: number }[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8');
        if (!text.includes('"vms.list"')) return;
        const message = JSON.parse(text) as { input?: { query?: string; limit?: number } };
        vmLists.push(message.input ?? {});
      }),
    );
    await openConsole(page, host.info.openUrl);
    // The Inventory page (the first view) lists every VM: let that finish, so what is timed below is the palette alone.
    await expect(page.getByTestId('vm-count')).toHaveText(/^50,000 VMs/, { timeout: 60_000 });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Settings/ }).click();
    await expect(page).toHaveURL(/#\/settings$/);
    vmLists.length = 0;

    // Ctrl+Shift+P opens it as Ctrl+K does.
    await page.keyboard.press('Control+Shift+P');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await expect(palette).toBeVisible();
    const input = palette.getByRole('combobox');
    await expect(input).toHaveAttribute('placeholder', /Find VMs, hosts, sites, procedures/);
    await input.pressSequentially(TARGET, { delay: 25 });
    const started = Date.now();
    const option = palette.getByRole('option', { name: new RegExp(`^${TARGET}`) });
    await expect(option).toBeVisible();
    const ms = Date.now() - started;
    console.log(`palette: "${TARGET}" found among ${VMS} VMs ${ms} ms after the last key`);
    expect(ms).toBeLessThan(1500);
    await expect(palette.getByRole('option', { name: `Power off ${TARGET}` })).toBeVisible();
    await expect(palette.getByRole('option', { name: `Open terminal to ${TARGET}` })).toBeVisible();
    await expect(palette.getByRole('option', { name: `Enroll ${TARGET}` })).toBeVisible();
    // Debounced: far fewer searches than keys, each a few rows.
    expect(vmLists.length).toBeGreaterThan(0);
    expect(vmLists.length).toBeLessThan(TARGET.length);
    expect(vmLists.every((l) => l.limit === 12)).toBe(true);

    await input.press('Enter');
    await expect(palette).toBeHidden();
    const detail = page.getByTestId('vm-detail');
    await expect(detail.getByRole('heading', { name: TARGET })).toBeVisible();
    await expect(page).toHaveURL(/#\/inventory\?.*vm=lab%2Fvm-4421/);

    // Search, a filter and the sort go into the address too.
    const search = page.getByLabel('Search VMs');
    await search.fill('db-0432');
    await page.getByLabel('Power state').selectOption('poweredOn');
    await page.getByRole('columnheader', { name: /Memory/ }).click();
    await expect(page).toHaveURL(/q=db-0432/);
    await expect(page).toHaveURL(/power=poweredOn/);
    await expect(page).toHaveURL(/sort=memoryMB%3Aasc/);
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    await expect(grid).toHaveAttribute('data-rendered-query', 'db-0432');
    // What the store says matches both filters; the table shows exactly that once the powered-on rows arrived.
    const rows = String(
      await page.evaluate(async () => {
        const client = (window as Window & { __outpost?: OutpostClient }).__outpost!;
        return (await client.invoke('vms.count', { query: 'db-0432', powerState: 'poweredOn' })).total;
      }),
    );
    await expect(grid).toHaveAttribute('data-row-count', rows);

    await page.reload();
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await expect(page.getByLabel('Search VMs')).toHaveValue('db-0432');
    await expect(page.getByLabel('Power state')).toHaveValue('poweredOn');
    await expect(page.getByRole('columnheader', { name: /Memory/ })).toHaveAttribute('aria-sort', 'ascending');
    await expect(grid).toHaveAttribute('data-row-count', rows);
    await expect(page.getByTestId('vm-detail').getByRole('heading', { name: TARGET })).toBeVisible();

    // Back steps out of the sort, then the filter (each a history entry), the search typed is one entry.
    await page.goBack();
    await expect(page).not.toHaveURL(/sort=/);
    await expect(page.getByRole('columnheader', { name: /Memory/ })).not.toHaveAttribute('aria-sort', 'ascending');
    await page.goBack();
    await expect(page.getByLabel('Power state')).toHaveValue('');
    await page.goForward();
    await expect(page.getByLabel('Power state')).toHaveValue('poweredOn');

    // Recents first, across the reload (localStorage).
    await page.keyboard.press('Control+k');
    const first = page.getByRole('dialog', { name: 'Command palette' }).getByTestId('palette-option').first();
    await expect(first).toHaveAttribute('data-recent', 'true');
    await expect(first).toContainText(TARGET);
    await page.keyboard.press('Escape');
    expect(problems).toEqual([]);
  });

  test('approves a waiting gate and syncs a site from the palette; actions show up as tasks', async ({ page, host }) => {
    await openConsole(page, host.info.openUrl);
    await page.evaluate(async () => {
      const client = (window as Window & { __outpost?: OutpostClient }).__outpost!;
      await client.invoke('ipam.pools.add', { name: 'public', cidr: '203.0.113.0/28', kind: 'public' });
      await client.invoke('firewalls.add', { name: 'edge-manual', driver: 'manual' });
      await client.invoke('nat.add', { firewall: 'edge-manual', privateIp: '10.0.0.5', pool: 'public' });
    });
    await expect(page.getByTestId('status-tasks')).toHaveText('0 running, 1 waiting for approval');

    await page.keyboard.press('Control+k');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await palette.getByRole('combobox').fill('approve nat');
    await palette.getByRole('option', { name: /^Approve nat\.add/ }).click();
    const confirm = page.getByRole('alertdialog');
    await expect(confirm).toContainText('Approve nat.add');
    await confirm.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByTestId('status-tasks')).toHaveText('0 running');

    // "Sync lab": the seeded site has no vCenter behind it, so the task fails with a code, visibly.
    await page.keyboard.press('Control+k');
    await palette.getByRole('combobox').fill('sync lab');
    await palette.getByRole('option', { name: 'Sync lab' }).click();
    await page.getByTestId('status-tasks').click();
    const sync = page.getByRole('complementary', { name: 'Recent tasks' }).locator('[data-task-kind="site.sync"]');
    await expect(sync).toHaveAttribute('data-task-state', 'failed', { timeout: 30_000 });
    await expect(sync).toContainText('Sync lab');
  });
});
