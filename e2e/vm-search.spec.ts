import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore } from '../core/server/core';
import { seedVms } from '../test/seed-vms';
import { expect, test } from './host-fixture';

// VM i is named web|db|app|cache-<i, 5 digits> (test/seed-vms.ts); every 4th from 1 runs Windows.
const VMS = 5_000;
let seeded = '';

test.describe(`VM search by substring at ${VMS.toLocaleString('en-US')} VMs`, () => {
  // eslint-disable-next-line no-empty-pattern
  test.use({ hostDataDir: async ({}, use) => use(seeded), hostVaultPassphrase: 'e2e-vm-search-passphrase' });
  test.setTimeout(120_000);

  test.beforeAll(async () => {
    seeded = mkdtempSync(join(tmpdir(), 'outpost-e2e-vm-search-'));
    const core = await createOutpostCore({ dataDir: seeded, transport: 'test' });
    await seedVms(core.sql, VMS, 'lab');
    await core.close();
  });
  test.afterAll(() => {
    if (seeded) rmSync(seeded, { recursive: true, force: true });
  });

  test('a fragment from the middle of names (any case) finds every match; the grid scrolls past row 200 to the last one', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const searches: string[] = [];
    page.on('websocket', (ws) =>
      ws.on('framesent', (frame) => {
        const text = typeof frame.payload === 'string' ? frame.payload : frame.payload.toString('utf8');
        if (text.includes('"vms.list"') && text.includes('"query"')) searches.push(text);
      }),
    );
    await page.goto(host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await expect(page.getByTestId('vm-count')).toHaveText(/^5,000 VMs/, { timeout: 60_000 });
    const grid = page.getByRole('grid', { name: 'Virtual machines' });

    // "B-04" is inside db-04xxx and web-04xxx: 250 of each from 4000 to 4999. Typed, not pasted.
    await page.getByLabel('Search VMs').pressSequentially('B-04', { delay: 20 });
    await expect(grid).toHaveAttribute('data-rendered-query', 'B-04');
    await expect(grid).toHaveAttribute('data-row-count', '500');
    await expect(page.getByTestId('vm-count')).toHaveText(/^500 of 5,000 VMs match/);
    await expect(grid.getByTestId('vm-row').first()).toHaveAttribute('data-vm', 'db-04001');

    // Row 301 of the answer (past any 200-row page): db-04001..db-04997 are rows 1-250, web-04000 is 251.
    await grid.locator('.data-grid-scroll').evaluate((body) => (body.scrollTop = 300 * 30));
    await expect(grid.locator('[data-vm="web-04200"]')).toBeVisible();
    // End selects the last match, scrolls to it and opens it.
    await grid.focus();
    await page.keyboard.press('End');
    await expect(page.getByTestId('vm-detail').getByRole('heading', { name: 'web-04996' })).toBeVisible();
    await expect(grid.locator('[data-vm="web-04996"]')).toBeVisible();
    await expect(grid.locator('[data-vm="web-04996"]')).toHaveAttribute('aria-selected', 'true');

    // The guest OS from the middle of its name, and an IP fragment (VM 4321 is 10.0.16.225).
    await page.getByLabel('Search VMs').fill('indows');
    await expect(page.getByTestId('vm-count')).toHaveText(/^1,250 of 5,000 VMs match/);
    await page.getByLabel('Search VMs').fill('0.16.22');
    await expect(grid).toHaveAttribute('data-rendered-query', '0.16.22');
    await expect(grid.locator('[data-vm="db-04321"]')).toBeVisible();

    // The table searched the rows it holds: no search was sent to the store.
    expect(searches).toEqual([]);
    expect(problems).toEqual([]);
  });

  test('at 200% zoom (640x400 CSS px) every column of the VM table is on screen: the columns narrow, nothing scrolls sideways', async ({ page, host }) => {
    await page.setViewportSize({ width: 640, height: 400 });
    await page.goto(host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await expect(page.getByTestId('vm-count')).toHaveText(/^5,000 VMs/, { timeout: 60_000 });
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    await grid.scrollIntoViewIfNeeded();
    await expect
      .poll(() => grid.locator('.data-grid-scroll').evaluate((el) => el.scrollWidth - el.clientWidth))
      .toBeLessThanOrEqual(0);
    const box = (await grid.boundingBox())!;
    for (const header of await grid.getByRole('columnheader').all()) {
      const h = (await header.boundingBox())!;
      expect(h.x + h.width).toBeLessThanOrEqual(box.x + box.width + 1);
    }
    expect(await page.evaluate(() => document.scrollingElement!.scrollWidth - document.scrollingElement!.clientWidth)).toBeLessThanOrEqual(0);
  });
});

