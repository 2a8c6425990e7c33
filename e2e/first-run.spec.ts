import type { OutpostClient } from '../core/contract';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { expect, test } from './host-fixture';

const unavailable = vcsimUnavailable();

// A fresh install: no vault passphrase in the environment, the vault never set up.
test.describe('first run: add a vCenter on a fresh install (real vcsim)', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.setTimeout(120_000);
  let vc: Vcsim;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    vc = await startVcsim({ vms: 5, clusters: 1, hosts: 1 });
  });
  test.afterAll(async () => {
    await vc?.stop();
  });

  test('the vault is set up inside the Add a vCenter flow, nothing typed is lost, and the new site syncs and is watched by itself', async ({ page, host }) => {
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    // Every watcher status the page hears, to say what happened should the site not go live.
    await page.evaluate(() => {
      const w = window as Window & { __outpost?: OutpostClient; __watchLog?: unknown[] };
      w.__watchLog = [];
      w.__outpost!.on('inventory.watch', (s) => w.__watchLog!.push({ at: performance.now(), ...s }));
    });
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('link', { name: 'Add a vCenter' }).click();
    const vault = page.getByTestId('add-site-vault');
    await expect(vault.getByRole('heading', { name: 'Set up the vault first' })).toBeVisible();

    await page.getByLabel('Name', { exact: true }).fill('lab');
    await page.getByLabel('URL', { exact: true }).fill(vc.url);
    await page.getByLabel('User', { exact: true }).fill(vc.username);
    await page.getByLabel('Password', { exact: true }).fill(vc.password);
    await page.getByRole('button', { name: 'Add vCenter' }).click();
    await expect(page.getByTestId('site-problem')).toContainText('The vault is locked');

    await vault.getByLabel('New vault passphrase').fill('first-run passphrase');
    await vault.getByLabel('Confirm the passphrase').fill('first-run passphrase');
    await vault.getByRole('button', { name: 'Set up vault' }).click();
    // The add goes on by itself with what was typed: next is the certificate question.
    const prompt = page.getByTestId('trust-prompt');
    await expect(prompt.getByTestId('trust-fingerprint')).toHaveText(vc.fingerprint);
    await expect(vault).toHaveCount(0);
    await expect(page.getByLabel('Name', { exact: true })).toHaveValue('lab');
    await prompt.getByRole('button', { name: 'Trust and add' }).click();
    await expect(page.getByTestId('site-row-lab')).toBeVisible();

    // No more clicks: synced, then watched.
    await expect(page.getByTestId('sync-progress-lab')).toContainText('5 VMs', { timeout: 60_000 });
    await expect(page.getByTestId('site-watch-lab'))
      .toHaveText(/Live/, { timeout: 30_000 })
      .catch(async (err: unknown) => {
        const seen = await page.evaluate(async () => {
          const w = window as Window & { __outpost?: OutpostClient; __watchLog?: unknown[] };
          return { heard: w.__watchLog, now: await w.__outpost!.invoke('inventory.watch.status', {}) };
        });
        throw new Error(`${String(err)}\nwatch events the page heard: ${JSON.stringify(seen.heard)}\nthe host's watchers now: ${JSON.stringify(seen.now)}`);
      });
    await expect(page.getByTestId('status-vault')).toContainText(/unlocked/i);
  });
});
