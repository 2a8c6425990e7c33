import type { Page } from '@playwright/test';
import { join } from 'node:path';
import { sshdAvailable } from '../test/peers/openssh-server';
import { vcsimUnavailable } from '../test/peers/vcsim';
import { prepareUpgradeCore, reinstaller, startUpgradeLab, type UpgradeLab } from '../test/fixtures/upgrade-lab';
import { tempDir } from '../test/temp-dir';
import { createOutpostCore, type OutpostCore } from '../core/server/core';
import { expect, test } from './host-fixture';

const passphrase = 'e2e-upgrades-passphrase';
const unavailable = vcsimUnavailable() ?? (sshdAvailable() ? null : 'OpenSSH sshd is not installed');
const TARGET = '24022510';

test.use({ hostVaultPassphrase: passphrase });

async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

test.describe('host upgrades against vcsim (3-host cluster) and one loopback sshd per host', () => {
  test.skip(unavailable !== null, `upgrade lab unavailable: ${unavailable}`);
  test.setTimeout(240_000);
  let labDir: ReturnType<typeof tempDir>;
  let lab: UpgradeLab;

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    labDir = tempDir();
    lab = await startUpgradeLab(labDir.path, 3);
  });
  test.afterAll(async () => {
    await lab?.stop();
    labDir?.remove();
  });

  test('plan with preview → run → approve each boot gate → rows progress through the soak to done', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // What an operator set up before (vCenter added and synced, SSH key saved, host keys trusted),
    // written to the host's own store by a second core on the same database.
    const side: OutpostCore = await createOutpostCore({ dataDir: host.dataDir, transport: 'test', passphrase });
    await prepareUpgradeCore(async (command, input) => {
      const r = await side.dispatch(command, input, { actor: 'e2e' });
      if (!r.ok) throw new Error(`${command}: ${JSON.stringify(r.error)}`);
      return r.value as never;
    }, lab);

    await openConsole(page, host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Host upgrades/ }).click();
    await expect(page.getByRole('heading', { name: 'No upgrade plans yet' })).toBeVisible();
    await page.getByRole('link', { name: 'New plan' }).click();
    await expect(page.getByRole('tab', { name: 'New plan' })).toHaveAttribute('aria-selected', 'true');

    const editor = page.getByRole('form', { name: 'New upgrade plan' });
    await expect(editor.getByLabel('Cluster')).toHaveValue(lab.cluster);
    await editor.getByLabel('Target build').fill(TARGET);
    await editor.getByLabel('Host addresses').fill(lab.hosts.map((h, i) => `${h}=127.0.0.1:${lab.sshds[i]!.port}`).join('\n'));
    await editor.getByLabel('Backup command (optional)').fill(`printf 'datastore dump\\n' > ${lab.backupPath}`);
    await editor.getByLabel('Backup artefact path').fill(lab.backupPath);
    await editor.getByLabel('Seconds between reconnect checks').fill('0.3');
    await editor.getByLabel('Built-in commands over SSH').fill(`echo configured >> ${lab.configLog}`);
    await editor.getByLabel('Soak minutes').fill('0.08');
    await editor.getByLabel('Seconds between probes').fill('0.5');
    await editor.getByLabel('Log to scan (optional)').fill(lab.logPath);
    await editor.getByLabel('Error patterns').fill('PANIC');

    // Bad input first: the contract names the field and nothing is saved.
    await editor.getByLabel('Target build').fill('not a build!');
    await editor.getByRole('button', { name: 'Preview' }).click();
    await expect(editor.getByText('a build such as 24022510')).toBeVisible();
    await editor.getByLabel('Target build').fill(TARGET);

    await editor.getByRole('button', { name: 'Preview' }).click();
    const preview = page.getByTestId('upgrade-preview');
    await expect(preview).toContainText('3 host(s) to upgrade, one at a time');
    for (const h of lab.hosts) await expect(preview.getByTestId(`preview-row-${h}`)).toBeVisible();
    await editor.getByRole('button', { name: 'Save plan' }).click();

    const rollout = page.getByTestId('rollout');
    await expect(rollout.getByTestId('rollout-plan-state')).toHaveText('draft');
    for (const h of lab.hosts) await expect(rollout.getByTestId(`rollout-state-${h}`)).toHaveText('pending');

    // The hosts tab highlights every host behind its new desired build.
    await page.getByRole('tab', { name: /Hosts/ }).click();
    await expect(page.getByTestId('hosts-behind-count')).toHaveText('3 behind target');
    for (const h of lab.hosts) await expect(page.getByTestId(`host-build-${h}`)).toHaveAttribute('data-behind', 'true');
    // The inventory highlights them too, next to the VMs.
    const planHash = new URL(page.url()).hash;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: /^Hosts/ }).click();
    await page.getByLabel('Only hosts behind their target build').check();
    await expect(page.getByTestId('hosts-behind-count')).toHaveText('3 behind target');
    for (const h of lab.hosts) await expect(page.getByTestId(`host-build-${h}`)).toHaveAttribute('data-behind', 'true');
    await page.evaluate((hash) => {
      window.location.hash = hash;
    }, planHash);
    await page.getByRole('tab', { name: /Rollouts/ }).click();

    const play = reinstaller(lab, () => side.sql, TARGET);
    try {
      await rollout.getByRole('button', { name: 'Start rollout' }).click();
      await expect(rollout.getByTestId('rollout-plan-state')).toHaveText('running');
      for (const [i, h] of lab.hosts.entries()) {
        const row = rollout.getByTestId(`rollout-row-${h}`);
        await expect(row).toHaveAttribute('data-state', 'running', { timeout: 30_000 });
        // Only one host at a time.
        for (const other of lab.hosts.slice(i + 1)) await expect(rollout.getByTestId(`rollout-state-${other}`)).toHaveText('pending');
        await row.getByRole('button', { name: `Approve: the installer runs on ${h}` }).click();
        await expect(row.getByTestId(`rollout-step-${h}-wait-reconnect`)).toHaveClass(/step-done/, { timeout: 30_000 });
        await expect(row.getByTestId(`probe-${h}-ssh`)).toContainText('green', { timeout: 30_000 });
        await expect(row.getByTestId(`probe-${h}-log-scan`)).toContainText('green');
        await expect(row.getByTestId(`probe-${h}-vcenter`)).toContainText('green');
        await expect(row).toHaveAttribute('data-state', 'succeeded', { timeout: 30_000 });
        await expect(row).toContainText('sha256');
        // Where the backup went before the reinstall: the workstation's data folder, checksum matched.
        const copies = join(host.dataDir, 'upgrade-backups', 'lab', h).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        await expect(row.getByTestId(`backup-location-${h}`)).toHaveText(new RegExp(`^${copies}/[0-9a-f-]{36}-datastore-backup\\.sql$`));
        await expect(row.getByTestId(`backup-${h}`)).toContainText('Off-host copy verified');
      }
      await expect(rollout.getByTestId('rollout-plan-state')).toHaveText('succeeded');
    } finally {
      play.stop();
    }

    // Once the inventory has the new builds, no host is behind.
    await side.dispatch('inventory.sync', { site: 'lab' }, { actor: 'e2e' });
    await page.reload();
    await page.getByRole('tab', { name: /Hosts/ }).click();
    await expect(page.getByTestId('hosts-behind-count')).toHaveText('none behind target');
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: /^Hosts/ }).click();
    await expect(page.getByTestId('hosts-behind-count')).toHaveText('none behind target');
    await side.close();
    expect(problems).toEqual([]);
  });
});
