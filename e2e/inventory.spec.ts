import { readFileSync } from 'node:fs';
import type { Page } from '@playwright/test';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { VsphereOperator } from '../test/peers/vsphere-operator';
import { expect, test } from './host-fixture';
import { readmeScreenshots } from './screenshot-path';

const VMS = 300;
const unavailable = vcsimUnavailable();

test.use({ hostVaultPassphrase: 'e2e-inventory-passphrase' });

async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

test.describe('inventory against a real vcsim', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.setTimeout(240_000);
  let vc: Vcsim;
  let operator: VsphereOperator;

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    vc = await startVcsim({ vms: VMS, clusters: 1, hosts: 2 });
    operator = await VsphereOperator.connect(vc);
  });
  test.afterAll(async () => {
    await operator?.close().catch(() => undefined);
    await vc?.stop();
  });

  test('add a vCenter through the trust prompt, sync, search, live power change, power action, CSV export', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await openConsole(page, host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await expect(page.getByRole('heading', { name: 'No vCenters yet' })).toBeVisible();
    await page.getByRole('link', { name: 'Add a vCenter' }).click();
    await expect(page.getByRole('tab', { name: /vCenters/ })).toHaveAttribute('aria-selected', 'true');

    // Add: vcsim's own certificate is unknown, so the trust prompt shows what vcsim printed.
    await page.getByLabel('Name', { exact: true }).fill('lab');
    await page.getByLabel('URL', { exact: true }).fill(vc.url);
    await page.getByLabel('User', { exact: true }).fill(vc.username);
    await page.getByLabel('Password', { exact: true }).fill(vc.password);
    await page.getByRole('button', { name: 'Add vCenter' }).click();
    const prompt = page.getByTestId('trust-prompt');
    await expect(prompt.getByTestId('trust-fingerprint')).toHaveText(vc.fingerprint);
    await expect(prompt.getByTestId('trust-subject')).not.toBeEmpty();
    await expect(prompt.getByTestId('trust-validity')).toContainText(' to ');
    await prompt.getByRole('button', { name: 'Trust and add' }).click();
    await expect(page.getByTestId('site-row-lab')).toBeVisible();
    // Always on: the host indexes a site from the moment it is added, no toggle.
    await expect(page.getByTestId('site-watch-lab')).toHaveText(/Live/, { timeout: 30_000 });

    // A new site syncs, then is watched, without more clicks: counts and elapsed from the sync; the last-sync time follows.
    await expect(page.getByTestId('sync-progress-lab')).toContainText(`${VMS} VMs`, { timeout: 60_000 });
    await expect(page.getByTestId('site-last-sync-lab')).not.toHaveText('Never');
    await expect(page.getByTestId('site-watch-lab')).toHaveText(/Live/, { timeout: 30_000 });
    await expect(page.getByTestId('site-connection-lab')).toHaveText('Connected');

    // The table holds every VM; search narrows it through the store's full-text index.
    await page.getByRole('tab', { name: 'Virtual machines' }).click();
    await expect(page.getByTestId('vm-count')).toHaveText(new RegExp(`^${VMS} VMs`));
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    const firstRow = grid.getByTestId('vm-row').first();
    const target = (await firstRow.getAttribute('data-vm'))!;
    const moref = (await firstRow.getAttribute('data-moref'))!;
    await page.getByLabel('Search VMs').pressSequentially(target, { delay: 30 });
    await expect(grid).toHaveAttribute('data-rendered-query', target);
    const narrowed = Number(await grid.getAttribute('data-row-count'));
    expect(narrowed).toBeGreaterThan(0);
    expect(narrowed).toBeLessThan(VMS);
    await expect(grid.locator(`[data-vm="${target}"]`)).toBeVisible();

    // Another session powers it off: the watcher writes it, inventory.changed refetches, no reload.
    await grid.locator(`[data-vm="${target}"]`).click();
    const detail = page.getByTestId('vm-detail');
    await expect(detail.getByRole('heading', { name: target })).toBeVisible();
    await expect(detail.getByTestId('vm-detail-power')).toHaveText('On');
    await operator.power(moref, 'off');
    await expect(detail.getByTestId('vm-detail-power')).toHaveText('Off', { timeout: 15_000 });
    await expect(grid.locator(`[data-vm="${target}"] .vm-power-poweredOff`)).toHaveText('Off');

    // A power action from the UI (on needs no confirmation; off asks first).
    await detail.getByRole('button', { name: 'Power on' }).click();
    await expect(detail.getByTestId('vm-detail-power')).toHaveText('On', { timeout: 15_000 });
    await detail.getByRole('button', { name: 'Power off' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog).toContainText(`Power off ${target}?`);
    await dialog.getByRole('button', { name: 'Power off' }).click();
    await expect(detail.getByTestId('vm-detail-power')).toHaveText('Off', { timeout: 15_000 });
    await operator.power(moref, 'on');
    await expect(detail.getByTestId('vm-detail-power')).toHaveText('On', { timeout: 15_000 });

    // CSV of the current filter: exactly the narrowed rows.
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const file = await (await downloading).path();
    const lines = readFileSync(file, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toMatch(/^site,name,moref,/);
    expect(lines).toHaveLength(narrowed + 1);
    expect(lines.some((l) => l.startsWith(`lab,${target},${moref},`))).toBe(true);

    // Keyboard: the grid is one Tab stop; arrows move the selection.
    await page.getByLabel('Search VMs').fill('');
    await expect(page.getByTestId('vm-count')).toHaveText(new RegExp(`^${VMS} VMs`));
    await grid.focus();
    await page.keyboard.press('Home');
    await page.keyboard.press('ArrowDown');
    await expect(detail.getByRole('heading', { level: 2 })).toHaveText((await grid.getByTestId('vm-row').nth(1).getAttribute('data-vm'))!);

    // The screenshot shows the page, not the toasts this run raised.
    const dismiss = page.getByRole('button', { name: /Dismiss/ });
    while ((await dismiss.count()) > 0) await dismiss.first().click();
    await readmeScreenshots(page, 'screenshot-inventory');

    // Tools and enrollment filter in the store (vcsim runs tools in every guest; nothing is enrolled here).
    await page.getByLabel('Tools status').selectOption('guestToolsNotRunning');
    await expect(page.getByTestId('vm-count')).toHaveText(/^0 VMs/);
    await page.getByLabel('Tools status').selectOption('guestToolsRunning');
    await expect(page.getByTestId('vm-count')).toHaveText(new RegExp(`^${VMS} VMs`));
    await page.getByLabel('Tools status').selectOption('');
    await page.getByLabel('Enrolled').selectOption('yes');
    await expect(page.getByTestId('vm-count')).toHaveText(/^0 VMs/);
    await page.getByLabel('Enrolled').selectOption('no');
    await expect(page.getByTestId('vm-count')).toHaveText(new RegExp(`^${VMS} VMs`));

    // Removing the vCenter asks first; its VMs leave the table (kept in the store for audit).
    await page.getByRole('tab', { name: /vCenters/ }).click();
    await page.getByRole('button', { name: 'Remove lab' }).click();
    const removal = page.getByRole('alertdialog', { name: 'Remove vCenter lab?' });
    await removal.getByRole('button', { name: 'Keep' }).click();
    await expect(page.getByTestId('site-row-lab')).toBeVisible();
    await page.getByRole('button', { name: 'Remove lab' }).click();
    await removal.getByRole('button', { name: 'Remove vCenter' }).click();
    await expect(page.getByTestId('site-row-lab')).toHaveCount(0);
    await page.getByRole('tab', { name: /Virtual machines/ }).click();
    await expect(page.getByRole('heading', { name: 'No vCenters yet' })).toBeVisible();
    expect(problems).toEqual([]);
  });
});
