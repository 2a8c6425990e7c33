import type { Page } from '@playwright/test';
import type { OutpostClient } from '../core/contract';
import type { Sshd } from '../test/peers/openssh-server';
import { expect, test } from './host-fixture';
import { useSshd } from './sshd-peer';
import { readmeScreenshots } from './screenshot-path';

test.use({ hostVaultPassphrase: 'e2e-terminal-layout-passphrase' });

async function connected(page: Page): Promise<void> {
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

/** New terminal (or Split) to the sshd with the saved credential; the host key is already trusted. */
async function openTerminal(page: Page, sshd: Sshd, split: boolean): Promise<void> {
  await page.getByRole('button', { name: split ? 'Split' : 'New terminal' }).first().click();
  const dialog = page.getByTestId('open-terminal-dialog');
  await dialog.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await dialog.getByLabel('Port', { exact: true }).fill(String(sshd.port));
  await expect(dialog.getByLabel('Credential profile')).toHaveValue('e2e-root');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await expect(dialog).toBeHidden();
}

test.describe('terminal layout in the address (real sshd)', () => {
  let sshd: Sshd;
  let privateKey: string;
  useSshd('outpost-e2e-layout-', (peer) => ({ sshd, privateKey } = peer));

  test('two tabs, one split in two: a reload puts them back as they were; after a host restart it says which are gone', async ({ page, host }) => {
    await page.goto(host.info.openUrl);
    await connected(page);
    await page.evaluate(
      async ([key, port, fingerprint]) => {
        const client = (window as Window & { __outpost?: OutpostClient }).__outpost!;
        await client.invoke('credentials.add', { name: 'e2e-root', username: 'root', secret: { type: 'private-key', privateKey: key as string } });
        await client.invoke('knownHosts.trust', { host: '127.0.0.1', port: port as number, fingerprint: fingerprint as string });
      },
      [privateKey, sshd.port, sshd.fingerprint] as const,
    );
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await openTerminal(page, sshd, false);
    await openTerminal(page, sshd, true);
    await openTerminal(page, sshd, false);
    const tabs = page.getByRole('tablist', { name: 'Terminals' }).getByRole('tab');
    await expect(tabs).toHaveCount(2);
    // First tab: two panes; the second tab (active) one.
    await expect(page).toHaveURL(/#\/terminals\?layout=\d+\.\d+_\d+&tab=1$/);
    // Ids only: no host, user or credential in the address.
    expect(new URL(page.url()).hash).toMatch(/^#\/terminals\?layout=[\d._]+&tab=\d$/);

    // The first tab active, then reload: same tabs, same split, same active tab, all open.
    await tabs.first().click();
    await expect(page).toHaveURL(/&tab=0$/);
    await page.reload();
    await connected(page);
    await expect(tabs).toHaveCount(2);
    await expect(tabs.first()).toHaveAttribute('aria-selected', 'true');
    const activePanel = page.locator('[role="tabpanel"]:not([hidden])');
    await expect(activePanel.getByTestId('terminal-pane')).toHaveCount(2);
    await expect(activePanel.getByTestId('terminal-state')).toHaveText(['open', 'open']);
    await readmeScreenshots(page, 'screenshot-terminals');
    await tabs.nth(1).click();
    await expect(page.locator('[role="tabpanel"]:not([hidden])').getByTestId('terminal-pane')).toHaveCount(1);

    // A new host process has none of these terminals: the page says so instead of showing nothing.
    const layoutHash = new URL(page.url()).hash;
    const restarted = await host.restart();
    await page.goto(restarted.openUrl);
    await connected(page);
    await page.evaluate((hash) => (window.location.hash = hash), layoutHash);
    await expect(page.getByTestId('terminals-gone')).toContainText('3 terminals of this layout are no longer open');
    await expect(page.getByTestId('terminals-gone').getByRole('button', { name: 'New terminal' })).toBeVisible();
  });
});
