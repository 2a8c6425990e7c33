import type { Page } from '@playwright/test';
import type { OutpostClient } from '../core/contract';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { expect, test } from './host-fixture';
import { readmeScreenshots } from './screenshot-path';

async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

/** The typed contract client the host transport exposes to the page (window.__outpost). */
async function call(page: Page, command: string, input: unknown): Promise<unknown> {
  return page.evaluate(
    async ([c, i]) => {
      const client = (window as Window & { __outpost?: OutpostClient }).__outpost;
      if (!client) throw new Error('window.__outpost is missing');
      return (client.invoke as (c: string, i: unknown) => Promise<unknown>)(c as string, i);
    },
    [command, input] as const,
  );
}

test.use({ hostVaultPassphrase: 'e2e-tasks-passphrase' });

test('a NAT waiting for approval: the status bar says "1 waiting for approval", the pane singles it out, approving it succeeds live', async ({ page, host }) => {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await openConsole(page, host.info.openUrl);
  const status = page.getByTestId('status-tasks');
  await expect(status).toHaveText('0 running');

  await call(page, 'ipam.pools.add', { name: 'public', cidr: '203.0.113.0/28', kind: 'public' });
  await call(page, 'firewalls.add', { name: 'edge-manual', driver: 'manual' });
  await call(page, 'nat.add', { firewall: 'edge-manual', privateIp: '10.0.0.5', pool: 'public' });

  // Before: "0 procedures running" while the run waited. Now the wait is counted as what it is.
  await expect(status).toHaveText('0 running, 1 waiting for approval');
  await status.click();
  const pane = page.getByRole('complementary', { name: 'Recent tasks' });
  await expect(pane).toBeVisible();
  await expect(pane.getByRole('heading', { name: 'Recent tasks' })).toBeFocused();
  const row = pane.getByTestId('task-row').first();
  await expect(row).toHaveAttribute('data-task-state', 'waiting');
  await expect(row).toHaveClass(/task-attention/);
  await expect(row).toContainText('Waiting for approval');
  await expect(row).toContainText('10.0.0.5');
  await expect(row.locator('time')).toHaveAttribute('dateTime', /^\d{4}-\d\d-\d\dT/);

  await row.getByRole('link', { name: 'Review and approve' }).click();
  await expect(page).toHaveURL(/#\/procedures\/[0-9a-f-]{36}$/);
  await expect(page.getByTestId('procedure-state')).toHaveText('waiting');
  await readmeScreenshots(page, 'screenshot-gate');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  await expect(page.getByTestId('procedure-state')).toHaveText('succeeded');

  // Live: the row and the status bar move on without a reload.
  await expect(row).toHaveAttribute('data-task-state', 'succeeded');
  await expect(row).toContainText('Succeeded');
  await expect(status).toHaveText('0 running');

  // Escape closes the pane and gives focus back to the status bar button.
  await pane.getByRole('heading', { name: 'Recent tasks' }).focus();
  await page.keyboard.press('Escape');
  await expect(pane).toHaveCount(0);
  await expect(status).toBeFocused();
  expect(problems).toEqual([]);
});

const unavailable = vcsimUnavailable();

test.describe('site sync and VM power as tasks (real vcsim)', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.setTimeout(120_000);
  let vc: Vcsim;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    vc = await startVcsim({ vms: 20, clusters: 1, hosts: 1 });
  });
  test.afterAll(async () => {
    await vc?.stop();
  });

  test('sync from the vCenters tab and a power change show up as tasks with who, when, outcome and a link', async ({ page, host }) => {
    await openConsole(page, host.info.openUrl);
    await call(page, 'settings.update', { operatorName: 'Ada Operator' });
    await call(page, 'sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: /vCenters/ }).click();
    await page.getByRole('button', { name: 'Sync now: lab' }).click();
    await page.getByTestId('status-tasks').click();
    const pane = page.getByRole('complementary', { name: 'Recent tasks' });
    const sync = pane.locator('[data-task-kind="site.sync"]');
    await expect(sync).toHaveAttribute('data-task-state', 'succeeded', { timeout: 60_000 });
    await expect(sync).toContainText('Sync lab');
    await expect(sync).toContainText('20 VMs');
    await expect(sync).toContainText('Ada Operator');
    await expect(sync.getByRole('link', { name: 'Details' })).toHaveAttribute('href', '#/inventory/sites');

    const vms = (await call(page, 'vms.list', { site: 'lab', limit: 1 })) as { name: string }[];
    const vm = vms[0]!.name;
    await call(page, 'vm.power', { site: 'lab', vm, action: 'off' });
    const power = pane.locator('[data-task-kind="vm.power"]');
    await expect(power).toHaveAttribute('data-task-state', 'succeeded');
    await expect(power).toContainText(`Power off ${vm}`);
    await expect(power).toContainText('Now poweredOff');
    // Details opens the VMs table searched for it.
    await power.getByRole('link', { name: 'Details' }).click();
    await expect(page).toHaveURL(new RegExp(`#/inventory\\?site=lab&q=${vm}$`));
    await expect(page.getByLabel('Search VMs')).toHaveValue(vm);

    // A failed power change is a failed task with its code (the VM name does not exist).
    await call(page, 'vm.power', { site: 'lab', vm: 'no-such-vm', action: 'on' }).catch(() => undefined);
    const failed = pane.locator('[data-task-kind="vm.power"][data-task-state="failed"]');
    await expect(failed).toContainText('NOT_FOUND');
    await expect(page.getByTestId('status-tasks')).toHaveText('0 running');
  });
});
