import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { createOutpostCore } from '../core/server/core';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { VsphereOperator } from '../test/peers/vsphere-operator';
import { expect, test } from './host-fixture';

const unavailable = vcsimUnavailable();
const passphrase = 'e2e-events-passphrase';
// A store that already knows the site: the host must index it at start, without any toggle.
const dataDir = mkdtempSync(join(tmpdir(), 'outpost-e2e-events-'));
test.use({ hostVaultPassphrase: passphrase, hostDataDir: dataDir });

async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

test.describe('Events view against a real vcsim', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.setTimeout(120_000);
  let vc: Vcsim;
  let operator: VsphereOperator;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    vc = await startVcsim({ vms: 4, clusters: 1, hosts: 1 });
    operator = await VsphereOperator.connect(vc);
    const core = await createOutpostCore({ dataDir, transport: 'test', passphrase });
    try {
      const r = await core.dispatch('sites.add', { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint });
      if (!r.ok) throw new Error(JSON.stringify(r.error));
    } finally {
      await core.close();
    }
  });
  test.afterAll(async () => {
    await operator?.close().catch(() => undefined);
    await vc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the started host indexes the site; events from another session appear live with their user, filter by type, untrusted names shown as text, VM timeline', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    page.on('dialog', (d) => problems.push(`dialog: ${d.message()}`));
    await openConsole(page, host.info.openUrl);
    const nav = page.getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: /vCenters/ }).click();
    await expect(page.getByTestId('site-watch-lab')).toHaveText(/Live/, { timeout: 30_000 });

    await page.getByRole('tab', { name: 'Virtual machines' }).click();
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    const rows = grid.getByTestId('vm-row');
    await expect(rows).toHaveCount(4);
    const moref = (await rows.nth(0).getAttribute('data-moref'))!;
    const other = (await rows.nth(1).getAttribute('data-moref'))!;

    await nav.getByRole('link', { name: /Events/ }).click();
    await expect(page.getByRole('heading', { name: 'Events' })).toBeVisible();
    const table = page.getByTestId('events-table');

    // Behind Outpost's back: a rename to markup and a power off, by another vSphere session.
    const evil = '<img src=x onerror=alert(1)>';
    await operator.renameVm(moref, evil);
    await operator.power(other, 'off');
    const renamed = table.getByTestId('event-row').filter({ hasText: 'VmRenamedEvent' });
    await expect(renamed).toHaveCount(1, { timeout: 10_000 });
    await expect(renamed).toContainText(evil); // the text itself, not an element
    await expect(renamed).toContainText(vc.username);
    expect(await table.locator('img').count()).toBe(0);
    await expect(table.getByTestId('event-row').filter({ hasText: 'VmPoweredOffEvent' })).toHaveCount(1, { timeout: 10_000 });

    // Filter by type (on the host): only power-off events remain.
    await page.getByRole('searchbox', { name: 'Type' }).fill('VmPoweredOffEvent');
    await expect(table.getByTestId('event-row')).toHaveCount(1);
    await expect(table.getByTestId('event-row')).toContainText(vc.username);
    await page.getByRole('searchbox', { name: 'User' }).fill('someone-else');
    await expect(page.getByText('No events match these filters.')).toBeVisible();

    // The VM's own timeline in its detail pane.
    await nav.getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: 'Virtual machines' }).click();
    await grid.locator(`[data-moref="${other}"]`).click();
    const timeline = page.getByTestId('vm-timeline');
    await expect(timeline.getByTestId('vm-timeline-event').filter({ hasText: 'VmPoweredOffEvent' })).toHaveCount(1);
    await expect(timeline).toContainText(`by ${vc.username}`);
    expect(problems).toEqual([]);
  });
});
