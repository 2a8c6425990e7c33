import type { Page } from '@playwright/test';
import type { OutpostClient } from '../core/contract';
import { expect, test } from './host-fixture';
import { readmeScreenshots } from './screenshot-path';


async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

test('the console opens against the host, connected, without leaving the token in the URL', async ({ page, host }) => {
  // CSP violations (an inline script or style, a remote font) and uncaught errors land here.
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  await openConsole(page, host.info.openUrl);
  expect(page.url()).not.toContain('token=');
  await expect(page.getByRole('heading', { level: 1, name: 'Inventory' })).toBeVisible();
  // Real data from a fresh SQLite file: no vCenters, so the first step is to add one.
  await expect(page.getByRole('heading', { name: 'No vCenters yet' })).toBeVisible();
  await expect(page.getByTestId('status-sites')).toHaveText('Sites 0 of 0 connected');
  await expect(page.getByTestId('status-tasks')).toHaveText('0 running');
  await expect(page.getByTestId('status-vault')).toHaveText('Vault: not set up');

  await readmeScreenshots(page, 'screenshot-shell');
  expect(problems).toEqual([]);
});

test('navigation works by click, by keyboard shortcut and with arrow keys in the sidebar', async ({ page, host }) => {
  await openConsole(page, host.info.openUrl);
  const nav = page.getByRole('navigation', { name: 'Main' });

  await nav.getByRole('link', { name: /Audit log/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  await expect(nav.getByRole('link', { name: /Audit log/ })).toHaveAttribute('aria-current', 'page');
  expect(new URL(page.url()).hash).toBe('#/audit');

  // "g then s": Settings, with focus moved to the view's heading.
  await page.keyboard.press('g');
  await page.keyboard.press('s');
  const settingsHeading = page.getByRole('heading', { level: 1, name: 'Settings' });
  await expect(settingsHeading).toBeVisible();
  await expect(settingsHeading).toBeFocused();

  // Sidebar links are a Tab stop each, and Up/Down move between them; Enter follows.
  await nav.getByRole('link', { name: /Inventory/ }).focus();
  await page.keyboard.press('ArrowDown');
  await expect(nav.getByRole('link', { name: /Events/ })).toBeFocused();
  await page.keyboard.press('ArrowDown');
  await expect(nav.getByRole('link', { name: /Enrollment/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Enrollment' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'No vCenters yet' })).toBeVisible();

  // Back goes to the previous view (the view lives in the URL fragment).
  await page.goBack();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
});

test('the command palette filters, moves with arrows and navigates on Enter', async ({ page, host }) => {
  await openConsole(page, host.info.openUrl);
  await page.keyboard.press('Control+K');
  const palette = page.getByRole('dialog', { name: 'Command palette' });
  await expect(palette).toBeVisible();
  const input = palette.getByRole('combobox');
  await expect(input).toBeFocused();

  await input.fill('proc');
  await expect(palette.getByRole('option').first()).toHaveText(/Procedures/);
  await input.press('Enter');
  await expect(palette).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Procedures' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'No procedures have run' })).toBeVisible();

  // Escape closes without navigating.
  await page.keyboard.press('Control+K');
  await page.getByRole('combobox').fill('settings');
  await page.keyboard.press('Escape');
  await expect(palette).toBeHidden();
  await expect(page.getByRole('heading', { level: 1, name: 'Procedures' })).toBeVisible();

  // An action: Toggle theme switches the resolved theme and saves it as a setting.
  const before = await page.locator('html').getAttribute('data-theme');
  await page.keyboard.press('Control+K');
  await page.getByRole('combobox').fill('toggle th');
  await page.keyboard.press('Enter');
  await expect(page.locator('html')).toHaveAttribute('data-theme', before === 'dark' ? 'light' : 'dark');
});

test('settings persist across a host restart on the same data directory', async ({ page, host }) => {
  await openConsole(page, host.info.openUrl);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Settings/ }).click();
  await expect(page.getByTestId('app-version')).not.toBeEmpty();
  await expect(page.getByText(host.dataDir, { exact: true })).toBeVisible();

  await page.getByRole('radio', { name: 'Dark' }).check();
  await page.getByLabel('Operator name').fill('Ada Operator');
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByRole('status').filter({ hasText: 'Settings saved' })).toBeVisible();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

  // The save was audited (the real audit.list), with the change in its details.
  await page.getByRole('link', { name: /Audit log/ }).click();
  const row = page.getByRole('row').filter({ has: page.getByRole('cell', { name: 'settings.update', exact: true }) });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('Ada Operator');

  const firstPid = host.info.pid;
  const restarted = await host.restart();
  expect(restarted.pid).not.toBe(firstPid);
  await expect(page.getByTestId('status-connection')).toHaveText(/Reconnecting/);

  // The new host has a new port and token: open the URL it printed.
  await openConsole(page, restarted.openUrl);
  await page.getByRole('link', { name: /Settings/ }).click();
  await expect(page.getByRole('radio', { name: 'Dark' })).toBeChecked();
  await expect(page.getByLabel('Operator name')).toHaveValue('Ada Operator');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await expect(page.getByText('Operator: Ada Operator')).toBeVisible();

  // The audit log survived the restart too, and new entries arrive live (audit.appended over the
  // socket) without a reload: change a setting from outside the view, through the contract.
  await page.getByRole('link', { name: /Audit log/ }).click();
  await expect(page.getByRole('cell', { name: 'settings.update', exact: true })).toHaveCount(1);
  await page.evaluate(async () => {
    const client = (window as Window & { __outpost?: OutpostClient }).__outpost;
    await client?.invoke('settings.update', { confirmDestructive: false });
  });
  await expect(page.getByRole('cell', { name: 'settings.update', exact: true })).toHaveCount(2);
  await expect(page.getByRole('row').nth(1)).toContainText('confirmDestructive');
});

test('an invalid contract call returns a typed VALIDATION error, and the form shows its code', async ({ page, host }) => {
  await openConsole(page, host.info.openUrl);

  // Straight through the same typed client the views use (exposed only over the host transport).
  const outcome = await page.evaluate(async () => {
    const client = (window as Window & { __outpost?: OutpostClient }).__outpost;
    if (!client) return { exposed: false };
    try {
      // Deliberately outside the contract's type: the host must reject it at the boundary.
      await client.invoke('settings.update', { theme: 'purple' } as unknown as { theme: 'dark' });
      return { exposed: true, code: 'none' };
    } catch (err) {
      const e = err as { name?: string; code?: string; details?: { issues?: { path: string[] }[] } };
      return { exposed: true, name: e.name, code: e.code, path: e.details?.issues?.[0]?.path };
    }
  });
  expect(outcome).toEqual({ exposed: true, name: 'OutpostError', code: 'VALIDATION', path: ['theme'] });

  // The same kind of error from the Settings form becomes a toast carrying the code.
  await page.getByRole('link', { name: /Settings/ }).click();
  await page.getByLabel('Audit log page size').fill('5');
  await page.getByRole('button', { name: 'Save settings' }).click();
  const toast = page.getByRole('alert').filter({ hasText: 'Settings were not saved' });
  await expect(toast).toBeVisible();
  await expect(toast.getByTestId('toast-code')).toHaveText('VALIDATION');
  await expect(page.getByLabel('Audit log page size')).toHaveAttribute('aria-invalid', 'true');
});
