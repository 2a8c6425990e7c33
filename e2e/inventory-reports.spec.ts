import { readFileSync } from 'node:fs';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { VsphereOperator } from '../test/peers/vsphere-operator';
import { expect, test } from './host-fixture';
import { readmeScreenshots } from './screenshot-path';

const VMS = 20;
const unavailable = vcsimUnavailable();

test.use({ hostVaultPassphrase: 'e2e-inventory-reports-passphrase' });

// RVTools-style reports against vcsim: the navigation tree scopes the view, the column chooser
// survives a reload, view tabs, CSV and Excel downloads, and a live change lights its row up.
test.describe('inventory reports against a real vcsim', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.setTimeout(180_000);
  let vc: Vcsim;
  let operator: VsphereOperator;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    vc = await startVcsim({ vms: VMS, clusters: 1, hosts: 2 });
    operator = await VsphereOperator.connect(vc);
  });
  test.afterAll(async () => {
    await operator?.close().catch(() => undefined);
    await vc?.stop();
  });

  test('tree with counts filters the view; columns persist over reload; view tabs; CSV and xlsx export; live change highlighted', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('link', { name: 'Add a vCenter' }).click();
    await page.getByLabel('Name', { exact: true }).fill('lab');
    await page.getByLabel('URL', { exact: true }).fill(vc.url);
    await page.getByLabel('User', { exact: true }).fill(vc.username);
    await page.getByLabel('Password', { exact: true }).fill(vc.password);
    await page.getByRole('button', { name: 'Add vCenter' }).click();
    await page.getByTestId('trust-prompt').getByRole('button', { name: 'Trust and add' }).click();
    await expect(page.getByTestId('site-watch-lab')).toHaveText(/Live/, { timeout: 60_000 });

    await page.getByRole('tab', { name: 'Reports' }).click();
    const count = page.getByTestId('report-count');
    await expect(count).toHaveText(`${VMS} rows`);
    const tree = page.getByRole('tree', { name: 'Inventory tree' });
    await expect(tree.getByRole('button', { name: new RegExp(`^lab ${VMS}$`) })).toBeVisible();
    // A host node: its count, and the table narrows to its VMs.
    const hostButton = tree.locator('.nav-tree-host').first();
    const [hostName, hostCount] = ((await hostButton.textContent()) ?? '').trim().split(' ');
    expect(Number(hostCount)).toBeGreaterThan(0);
    expect(Number(hostCount)).toBeLessThan(VMS);
    await hostButton.click();
    await expect(count).toHaveText(`${hostCount} rows in ${hostName}`);
    await page.getByRole('button', { name: 'Everything' }).click();
    await expect(count).toHaveText(`${VMS} rows`);
    await readmeScreenshots(page, 'screenshot-inventory-tree');

    // Column chooser: show "Tools version", move it first; both survive a reload.
    const table = page.getByRole('table', { name: 'vInfo view' });
    await expect(table.getByRole('columnheader', { name: 'Tools version' })).toHaveCount(0);
    await page.locator('.column-chooser summary').click();
    await page.getByRole('group', { name: 'Choose columns' }).getByRole('checkbox', { name: 'Tools version' }).check();
    await expect(table.getByRole('columnheader', { name: 'Tools version' })).toBeVisible();
    for (let i = 0; i < 20; i++) {
      const up = page.getByRole('button', { name: 'Move Tools version left' });
      if (await up.isDisabled()) break;
      await up.click();
    }
    await expect(table.getByRole('columnheader').first()).toHaveText('Tools version');
    await page.reload();
    await page.getByRole('tab', { name: 'Reports' }).click();
    await expect(page.getByRole('table', { name: 'vInfo view' }).getByRole('columnheader').first()).toHaveText('Tools version');

    // vDisk: one row per disk; downloads of CSV (chosen columns) and xlsx.
    await page.getByRole('tab', { name: 'vDisk' }).click();
    await expect(page.getByTestId('report-count')).toHaveText(`${VMS} rows`);
    let downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = readFileSync(await (await downloading).path(), 'utf8').trimEnd().split('\r\n');
    expect(csv[0]).toBe('VM,Powerstate,Cluster,Host,Disk,Capacity MiB,Datastore,Thin,Path');
    expect(csv).toHaveLength(VMS + 1);
    downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export Excel' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^outpost-vdisk-.*\.xlsx$/);
    expect(readFileSync(await download.path()).subarray(0, 2).toString()).toBe('PK');

    // Another session reconfigures a VM: its vCPU row shows the new count, highlighted.
    await page.getByRole('tab', { name: 'vCPU' }).click();
    const vcpu = page.getByRole('table', { name: 'vCPU view' });
    const firstVm = (await vcpu.locator('tbody tr').first().locator('td').first().textContent())!;
    await operator.setCpuMemory(await operator.vmNamed(firstVm), 7, 3072);
    const row = vcpu.locator('tbody tr', { hasText: firstVm }).first();
    await expect(row).toHaveClass(/row-changed/, { timeout: 5_000 });
    await expect(row.locator('td').nth(4)).toHaveText('7');
    expect(problems).toEqual([]);
  });
});
