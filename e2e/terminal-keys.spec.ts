import type { Locator, Page } from '@playwright/test';
import type { Sshd } from '../test/peers/openssh-server';
import { expect, test } from './host-fixture';
import { useSshd } from './sshd-peer';

test.use({ hostVaultPassphrase: 'e2e-terminal-keys-passphrase' });

/** What xterm drew, row by row (screen reader mode mirrors the rows into the accessibility tree). */
async function drawnRows(pane: Locator): Promise<string[]> {
  return pane.locator('.xterm-accessibility-tree > div').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
}

async function expectDrawnLine(pane: Locator, line: string): Promise<void> {
  await expect.poll(async () => (await drawnRows(pane)).includes(line), { message: `a row reading exactly "${line}"` }).toBe(true);
}

/** Is keyboard focus inside this pane's xterm (its helper textarea)? */
async function terminalFocused(pane: Locator): Promise<boolean> {
  return pane.evaluate((el) => el.querySelector('.xterm')?.contains(document.activeElement) ?? false);
}

async function openTerminal(page: Page, sshd: Sshd, privateKey: string | null): Promise<void> {
  await page.getByTestId('open-terminal').click();
  const dialog = page.getByTestId('open-terminal-dialog');
  await dialog.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await dialog.getByLabel('Port', { exact: true }).fill(String(sshd.port));
  if (privateKey) {
    await dialog.getByRole('button', { name: 'New credential…' }).click();
    const form = dialog.getByTestId('new-credential');
    await form.getByLabel('Name', { exact: true }).fill('keys-root');
    await form.getByLabel('User name').fill('root');
    await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
    await form.getByLabel('Private key', { exact: true }).fill(privateKey);
    await form.getByRole('button', { name: 'Save credential' }).click();
  }
  await expect(dialog.getByLabel('Credential profile')).toHaveValue('keys-root');
  await dialog.getByRole('button', { name: 'Connect' }).click();
  if (privateKey) await dialog.getByRole('button', { name: 'Trust and connect' }).click();
  await expect(dialog).toBeHidden();
}

test.describe('keyboard in and out of a terminal (real sshd)', () => {
  let sshd: Sshd;
  let privateKey: string;
  useSshd('outpost-e2e-keys-', (peer) => ({ sshd, privateKey } = peer));

  test('chords and Ctrl+K go to the shell; Ctrl+Shift+P opens the palette; Ctrl+Shift+F6 leaves; Ctrl+Tab switches tabs', async ({ page, host }) => {
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await openTerminal(page, sshd, privateKey);
    const first = page.getByTestId('terminal-pane').first();
    await expect(first.getByTestId('terminal-state')).toHaveText('open');
    await page.getByRole('button', { name: 'Screen reader' }).click();
    await first.getByTestId('terminal-host').click();
    await expect.poll(() => terminalFocused(first)).toBe(true);

    // "g e" (Enrollment) typed in the terminal is text for the shell, not a jump.
    await page.keyboard.type('echo chord-');
    await page.keyboard.press('g');
    await page.keyboard.press('e');
    await page.keyboard.press('Enter');
    await expectDrawnLine(first, 'chord-ge');
    await expect(page.getByRole('heading', { level: 1, name: 'Terminals' })).toBeVisible();
    expect(new URL(page.url()).hash).toMatch(/^#\/terminals(\?|$)/);

    // Ctrl+K is readline's kill-line: the typed line is gone, and no palette opened.
    await page.keyboard.type('echo killed-line');
    await page.keyboard.press('Control+A');
    await page.keyboard.press('Control+K');
    await expect(page.getByRole('dialog', { name: 'Command palette' })).toHaveCount(0);
    await page.keyboard.type('echo after-kill');
    await page.keyboard.press('Enter');
    await expectDrawnLine(first, 'after-kill');
    expect(await drawnRows(first)).not.toContain('killed-line');

    // Ctrl+Shift+P opens the palette from inside the terminal; Escape closes it.
    await page.keyboard.press('Control+Shift+P');
    const palette = page.getByRole('dialog', { name: 'Command palette' });
    await expect(palette).toBeVisible();
    await expect(palette.getByRole('combobox')).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(palette).toBeHidden();

    // Ctrl+Shift+F6 leaves the terminal for its tab; from there the chords work again.
    await first.getByTestId('terminal-host').click();
    await expect.poll(() => terminalFocused(first)).toBe(true);
    await page.keyboard.press('Control+Shift+F6');
    await expect(page.getByRole('tab', { selected: true })).toBeFocused();
    expect(await terminalFocused(first)).toBe(false);
    await expect(page.getByText('Ctrl+Shift+F6', { exact: true })).toBeVisible();
    await page.keyboard.press('g');
    await page.keyboard.press('s');
    await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();

    // A second tab; Ctrl+Tab from inside its terminal goes to the first tab and focuses that terminal.
    await openTerminal(page, sshd, null);
    const tabs = page.getByRole('tablist', { name: 'Terminals' }).getByRole('tab');
    await expect(tabs).toHaveCount(2);
    await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
    const second = page.getByTestId('terminal-pane').nth(1);
    await expect(second.getByTestId('terminal-state')).toHaveText('open');
    await second.getByTestId('terminal-host').click();
    await expect.poll(() => terminalFocused(second)).toBe(true);
    await page.keyboard.press('Control+Tab');
    await expect(tabs.nth(0)).toHaveAttribute('aria-selected', 'true');
    await expect.poll(() => terminalFocused(first)).toBe(true);
    // The Tab did not reach the shell: what is typed now lands in the first terminal, as a command.
    await page.keyboard.type('echo back-in-first');
    await page.keyboard.press('Enter');
    await expectDrawnLine(first, 'back-in-first');
    await page.keyboard.press('Control+Shift+Tab');
    await expect(tabs.nth(1)).toHaveAttribute('aria-selected', 'true');
    await expect.poll(() => terminalFocused(second)).toBe(true);
  });
});
