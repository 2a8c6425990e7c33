import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Locator, Page } from '@playwright/test';
import type { OutpostClient } from '../core/contract';
import { viewTargets } from '../renderer/navigation/views';
import { sshdAvailable } from '../test/peers/openssh-server';
import { vcsimUnavailable } from '../test/peers/vcsim';
import { startUpgradeLab, type UpgradeLab } from '../test/fixtures/upgrade-lab';
import { tempDir } from '../test/temp-dir';
import { expect, test } from './host-fixture';
import { screenshotPath } from './screenshot-path';

const SIZES = [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  // 200 % zoom of a 1280x800 window: half the CSS pixels, twice the device pixels.
  { name: 'zoom200', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
] as const;
type Size = (typeof SIZES)[number];

async function openConsole(browser: Browser, size: Size, openUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.deviceScaleFactor });
  const page = await context.newPage();
  await page.goto(openUrl);
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
  return page;
}

/**
 * Horizontal overflow of the page, of the main column, and of any box inside it that scrolls
 * sideways (a table in a scroll box hides its first columns just the same). Code and command
 * blocks (pre, textarea) keep their lines and may scroll; so may a terminal.
 */
async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const main = document.getElementById('main');
    const scrollers = [...(main?.querySelectorAll<HTMLElement>('*') ?? [])].filter((el) => {
      if (el.closest('pre, textarea, .xterm')) return false;
      const x = getComputedStyle(el).overflowX;
      return x === 'auto' || x === 'scroll';
    });
    for (const el of [document.documentElement, main, ...scrollers]) {
      if (el && el.scrollWidth > el.clientWidth + 1) {
        const name = el.id ? `#${el.id}` : `${el.tagName.toLowerCase()}.${[...el.classList].join('.')}`;
        out.push(`${name} scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
      }
    }
    return out;
  });
}

/**
 * Serious and critical axe violations under WCAG 2 A and AA; with `labelInName`, also label in name
 * (WCAG 2.5.3), which axe tags experimental and so runs only when asked for by name (it does not
 * depend on the theme, so one theme's pass is enough).
 */
async function seriousViolations(page: Page, labelInName = true): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  const extra = labelInName ? (await new AxeBuilder({ page }).withRules(['label-content-name-mismatch']).analyze()).violations : [];
  return [...result.violations, ...extra]
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} ${n.failureSummary?.split('\n')[1] ?? ''}`));
}

async function shot(page: Page, name: string): Promise<void> {
  const path = screenshotPath(`layout/${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
}

for (const size of SIZES) {
  for (const theme of ['light', 'dark'] as const) {
    test(`every page and tab at ${size.name}, ${theme} theme: no sideways scrolling, no serious axe violations`, async ({ browser, host }) => {
      test.setTimeout(180_000);
      const page = await openConsole(browser, size, host.info.openUrl);
      const report: string[] = [];
      await page.emulateMedia({ colorScheme: theme });
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      for (const view of viewTargets) {
        await page.evaluate((id) => (location.hash = `#/${id}`), view.id);
        await expect(page.getByRole('heading', { level: 1, name: view.label })).toBeVisible();
        const tabs = page.locator('#main').getByRole('tab');
        const count = await tabs.count();
        for (let i = 0; i < Math.max(1, count); i++) {
          let where = view.id;
          if (count > 0) {
            await tabs.nth(i).click();
            where += `-${(await tabs.nth(i).textContent())?.replace(/\W+/g, '-')}`;
          }
          for (const o of await horizontalOverflow(page)) report.push(`${where} overflow: ${o}`);
          for (const v of await seriousViolations(page, theme === 'light')) report.push(`${where} axe ${v}`);
          if (theme === 'light') await shot(page, `${size.name}-${where}`);
        }
      }
      writeFileSync(screenshotPath(`layout/report-${size.name}-${theme}.txt`), report.join('\n'));
      expect(report).toEqual([]);
    });
  }
}

const labPassphrase = 'e2e-layout-passphrase';
const labUnavailable = vcsimUnavailable() ?? (sshdAvailable() && process.getuid?.() === 0 ? null : 'needs root and openssh-server');

/** A dialog fits the window, or scrolls inside itself; either way it stays within the viewport. */
async function expectFitsOrScrolls(page: Page, dialog: Locator): Promise<void> {
  const box = await dialog.boundingBox();
  const viewport = page.viewportSize()!;
  expect(box).not.toBeNull();
  expect(box!.y).toBeGreaterThanOrEqual(0);
  expect(box!.y + box!.height).toBeLessThanOrEqual(viewport.height + 0.5);
  expect(box!.x + box!.width).toBeLessThanOrEqual(viewport.width + 0.5);
  const scroll = await dialog.evaluate((el) => ({ fits: el.scrollHeight <= el.clientHeight + 1, scrolls: ['auto', 'scroll'].includes(getComputedStyle(el).overflowY) }));
  expect(scroll.fits || scroll.scrolls, 'taller than the window and not scrollable').toBe(true);
  expect(await dialog.evaluate((el) => el.scrollWidth <= el.clientWidth + 1), 'scrolls sideways').toBe(true);
}

/** The element's box lies inside the container's box (a copy button that floats outside does not). */
async function expectInside(inner: Locator, outer: Locator): Promise<void> {
  await inner.scrollIntoViewIfNeeded();
  const a = (await inner.boundingBox())!;
  const b = (await outer.boundingBox())!;
  expect(a.x).toBeGreaterThanOrEqual(b.x - 0.5);
  expect(a.y).toBeGreaterThanOrEqual(b.y - 0.5);
  expect(a.x + a.width).toBeLessThanOrEqual(b.x + b.width + 0.5);
  expect(a.y + a.height).toBeLessThanOrEqual(b.y + b.height + 0.5);
}

async function invoke(page: Page, command: string, input: unknown): Promise<unknown> {
  return page.evaluate(
    async ([c, i]) => {
      const client = (window as Window & { __outpost?: OutpostClient }).__outpost;
      return (client as unknown as { invoke(c: string, i: unknown): Promise<unknown> }).invoke(c, i);
    },
    [command, input] as const,
  );
}

async function checkPage(page: Page, name: string, problems: string[]): Promise<void> {
  for (const o of await horizontalOverflow(page)) problems.push(`${name} overflow: ${o}`);
  for (const v of await seriousViolations(page)) problems.push(`${name} axe ${v}`);
  await shot(page, name);
  writeFileSync(screenshotPath(`layout/report-data-${name.split('-')[0]}.txt`), problems.join('\n'));
}

test.describe('dialogs and data-filled pages against vcsim and sshd', () => {
  test.skip(labUnavailable !== null, `lab unavailable: ${labUnavailable}`);
  test.use({ hostVaultPassphrase: labPassphrase });
  let labDir: ReturnType<typeof tempDir>;
  let lab: UpgradeLab;

  test.beforeAll(async () => {
    test.setTimeout(120_000);
    labDir = tempDir();
    lab = await startUpgradeLab(labDir.path, 2);
  });
  test.afterAll(async () => {
    await lab?.stop();
    labDir?.remove();
  });

  for (const size of SIZES) {
    test(`at ${size.name}: trust prompts, New terminal, fan-out, NAT, upgrade preview, confirm and palette fit and work`, async ({ browser, host }) => {
      test.setTimeout(240_000);
      const page = await openConsole(browser, size, host.info.openUrl);
      const problems: string[] = [];
      const nav = page.getByRole('navigation', { name: 'Main' });
      const [sshA, sshB] = lab.sshds as [typeof lab.sshds[0], typeof lab.sshds[0]];

      // vCenter trust prompt: the Copy button inside it; "Trust and add" reachable; then a sync result in the table.
      await nav.getByRole('link', { name: /Inventory/ }).click();
      await page.getByRole('link', { name: 'Add a vCenter' }).click();
      await page.getByLabel('Name', { exact: true }).fill('lab');
      await page.getByLabel('URL', { exact: true }).fill(lab.vc.url);
      await page.getByLabel('User', { exact: true }).fill(lab.vc.username);
      await page.getByLabel('Password', { exact: true }).fill(lab.vc.password);
      await page.getByRole('button', { name: 'Add vCenter' }).click();
      const prompt = page.getByTestId('trust-prompt');
      await expect(prompt.getByTestId('trust-fingerprint')).toHaveText(lab.vc.fingerprint);
      await expectInside(prompt.getByRole('button', { name: 'Copy the fingerprint' }), prompt);
      await checkPage(page, `${size.name}-vcenter-trust`, problems);
      await prompt.getByRole('button', { name: 'Trust and add' }).click();
      // A new site syncs by itself; its result gets a row under the site's.
      await expect(page.getByTestId('sync-progress-lab')).toContainText('VMs', { timeout: 60_000 });
      await expect(page.getByTestId('site-last-sync-lab')).not.toHaveText('Never');
      // The table fits: Name is in view once the row is (nothing scrolled it off to the left).
      await page.getByRole('rowheader', { name: 'lab' }).scrollIntoViewIfNeeded();
      await expect(page.getByRole('rowheader', { name: 'lab' })).toBeInViewport();
      await checkPage(page, `${size.name}-vcenters-synced`, problems);

      // Confirm dialog: fits, Escape answers no.
      await page.getByRole('button', { name: /^Remove/ }).click();
      const confirm = page.getByRole('alertdialog');
      await expectFitsOrScrolls(page, confirm);
      await page.keyboard.press('Escape');
      await expect(confirm).toBeHidden();

      // New terminal with a credential form open: taller than a small window, so it scrolls; the host-key prompt's Copy stays inside.
      await nav.getByRole('link', { name: /Terminals/ }).click();
      await page.getByTestId('open-terminal').click();
      const dialog = page.getByTestId('open-terminal-dialog');
      await dialog.getByLabel('Host', { exact: true }).fill('127.0.0.1');
      await dialog.getByLabel('Port', { exact: true }).fill(String(sshA.port));
      await dialog.getByRole('button', { name: 'New credential…' }).click();
      const form = dialog.getByTestId('new-credential');
      await form.getByLabel('Name', { exact: true }).fill('lay-root');
      await form.getByLabel('User name').fill('root');
      await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
      await form.getByLabel('Private key', { exact: true }).fill(lab.privateKey);
      await expectFitsOrScrolls(page, dialog);
      await checkPage(page, `${size.name}-new-terminal-credential`, problems);
      await form.getByRole('button', { name: 'Save credential' }).click();
      await expect(dialog.getByLabel('Credential profile')).toHaveValue('lay-root');
      await dialog.getByRole('button', { name: 'Connect' }).click();
      await expect(dialog.getByTestId('host-key-fingerprint')).toContainText(sshA.fingerprint);
      await expectFitsOrScrolls(page, dialog);
      await expectInside(dialog.getByRole('button', { name: 'Copy the fingerprint' }), dialog.getByTestId('host-key-prompt'));
      await checkPage(page, `${size.name}-host-key-prompt`, problems);
      const trust = dialog.getByRole('button', { name: 'Trust and connect' });
      await trust.scrollIntoViewIfNeeded();
      await expect(trust).toBeInViewport();
      await trust.click();
      await expect(dialog).toBeHidden();
      await expect(page.getByTestId('terminal-pane').first().getByTestId('terminal-state')).toHaveText('open');
      await checkPage(page, `${size.name}-terminal`, problems);

      // Fan-out: one known host, one unknown (its fingerprint listed), in the results table.
      await page.getByTestId('fanout-toggle').click();
      const panel = page.getByTestId('fanout-panel');
      await panel.getByLabel('Hosts', { exact: true }).fill(`127.0.0.1:${sshA.port}\n127.0.0.1:${sshB.port}`);
      await panel.getByLabel('Credential profile').selectOption('lay-root');
      await panel.getByLabel('Command').fill('echo "fanout-$(hostname)-with-a-rather-long-line-of-output-that-goes-on-and-on-and-on-and-on"');
      await panel.getByRole('button', { name: 'Run', exact: true }).click();
      await expect(panel.getByTestId('fanout-summary')).toContainText('2/2 done');
      await expect(panel.getByTestId('fanout-unknown-keys')).toContainText(sshB.fingerprint);
      await checkPage(page, `${size.name}-fanout`, problems);
      await page.getByTestId('fanout-toggle').click();

      // NAT: a pool, a manual firewall and an approved NAT, through the host's contract.
      await invoke(page, 'ipam.pools.add', { name: 'public-layout', cidr: '203.0.113.0/28', kind: 'public' });
      await invoke(page, 'firewalls.add', { name: 'edge-manual-with-a-long-name', driver: 'manual', settings: { manualSyntax: 'iptables' } });
      const { procedureId } = (await invoke(page, 'nat.add', { firewall: 'edge-manual-with-a-long-name', privateIp: '10.0.0.5', pool: 'public-layout', vm: 'web-01-with-a-long-vm-name' })) as { procedureId: string };
      await expect.poll(async () => ((await invoke(page, 'procedures.get', { id: procedureId })) as { procedure: { state: string } }).procedure.state).toBe('waiting');
      await invoke(page, 'procedures.approve', { id: procedureId });
      await expect.poll(async () => ((await invoke(page, 'procedures.get', { id: procedureId })) as { procedure: { state: string } }).procedure.state).toBe('succeeded');
      await nav.getByRole('link', { name: /NAT & IPAM/ }).click();
      for (const tab of ['Pools', 'Allocations', 'Firewalls', 'NAT']) {
        await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
        await checkPage(page, `${size.name}-nat-${tab}`, problems);
      }

      // Host upgrades: the preview appears in view after clicking Preview at the end of the long form.
      await nav.getByRole('link', { name: /Host upgrades/ }).click();
      await page.getByRole('link', { name: 'New plan' }).click();
      const editor = page.getByRole('form', { name: 'New upgrade plan' });
      await editor.getByLabel('Target build').fill('24022510');
      await editor.getByLabel('Credential', { exact: true }).selectOption('lay-root');
      const previewButton = editor.getByRole('button', { name: 'Preview' });
      await previewButton.scrollIntoViewIfNeeded();
      await previewButton.click();
      await expect(page.getByTestId('upgrade-preview')).toBeInViewport();
      await checkPage(page, `${size.name}-upgrade-preview`, problems);

      // The palette fits and Escape closes it.
      await page.keyboard.press('Control+Shift+P');
      const palette = page.getByRole('dialog', { name: 'Command palette' });
      await expectFitsOrScrolls(page, palette);
      await page.keyboard.press('Escape');
      await expect(palette).toBeHidden();

      expect(problems).toEqual([]);
    });
  }
});
