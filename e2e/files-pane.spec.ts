import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import type { Sshd } from '../test/peers/openssh-server';
import { expect, test } from './host-fixture';
import { useSshd } from './sshd-peer';

test.use({ hostVaultPassphrase: 'e2e-files-pane-passphrase' });

async function openTerminal(page: Page, sshd: Sshd, privateKey: string): Promise<void> {
  await page.getByTestId('open-terminal').click();
  const dialog = page.getByTestId('open-terminal-dialog');
  await dialog.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await dialog.getByLabel('Port', { exact: true }).fill(String(sshd.port));
  await dialog.getByRole('button', { name: 'New credential…' }).click();
  const form = dialog.getByTestId('new-credential');
  await form.getByLabel('Name', { exact: true }).fill('e2e-files');
  await form.getByLabel('User name').fill('root');
  await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
  await form.getByLabel('Private key', { exact: true }).fill(privateKey);
  await form.getByRole('button', { name: 'Save credential' }).click();
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await expect(dialog.getByTestId('host-key-fingerprint')).toContainText(sshd.fingerprint);
  await dialog.getByRole('button', { name: 'Trust and connect' }).click();
  await expect(dialog).toBeHidden();
}

test.describe('the Files pane beside an SSH terminal (real sshd)', () => {
  let sshd: Sshd;
  let privateKey: string;
  useSshd('outpost-e2e-files-', (peer) => ({ sshd, privateKey } = peer));

  test('open a terminal, open Files, upload a file, see it listed, download it byte for byte', async ({ page, host }) => {
    const remote = mkdtempSync(join(tmpdir(), 'outpost-e2e-files-remote-'));
    try {
      await page.goto(host.info.openUrl);
      await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
      await openTerminal(page, sshd, privateKey);
      const pane = page.getByTestId('terminal-pane').first();
      await expect(pane.getByTestId('terminal-state')).toHaveText('open');

      await pane.getByRole('button', { name: 'Files' }).click();
      const files = pane.getByTestId('files-pane');
      await expect(files.getByLabel('Remote path')).toHaveValue('/root');
      await files.getByLabel('Remote path').fill(remote);
      await files.getByLabel('Remote path').press('Enter');
      await expect(files.getByText('This folder is empty.')).toBeVisible();

      const bytes = randomBytes(1024 * 1024 + 4321);
      await files.getByLabel('Upload files').setInputFiles({ name: 'payload.bin', mimeType: 'application/octet-stream', buffer: bytes });
      await expect(files.getByRole('status')).toContainText('Uploaded 1 file(s)');
      await expect(files.getByTestId('files-entry')).toContainText('payload.bin');
      expect(readFileSync(join(remote, 'payload.bin')).equals(bytes)).toBe(true);

      const download = page.waitForEvent('download');
      await files.getByRole('button', { name: 'Download payload.bin' }).click();
      const saved = await download;
      expect(saved.suggestedFilename()).toBe('payload.bin');
      expect(readFileSync(await saved.path()).equals(bytes)).toBe(true);
    } finally {
      rmSync(remote, { recursive: true, force: true });
    }
  });
  test('download a folder: saved as one NAME.tar that unpacks byte for byte', async ({ page, host }) => {
    const remote = mkdtempSync(join(tmpdir(), 'outpost-e2e-files-remote-'));
    const out = mkdtempSync(join(tmpdir(), 'outpost-e2e-files-out-'));
    try {
      const a = randomBytes(2 * 1024 * 1024 + 17);
      const b = randomBytes(777);
      mkdirSync(join(remote, 'tree', 'sub'), { recursive: true });
      writeFileSync(join(remote, 'tree', 'a.bin'), a);
      writeFileSync(join(remote, 'tree', 'sub', 'b.bin'), b);
      await page.goto(host.info.openUrl);
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
      await openTerminal(page, sshd, privateKey);
      const pane = page.getByTestId('terminal-pane').first();
      await expect(pane.getByTestId('terminal-state')).toHaveText('open');
      await pane.getByRole('button', { name: 'Files' }).click();
      const files = pane.getByTestId('files-pane');
      await expect(files.getByLabel('Remote path')).toHaveValue('/root');
      await files.getByLabel('Remote path').fill(remote);
      await files.getByLabel('Remote path').press('Enter');
      await expect(files.getByTestId('files-entry')).toHaveCount(1);
      await expect(files.getByTestId('files-entry')).toContainText('tree/');

      const download = page.waitForEvent('download');
      await files.getByRole('button', { name: 'Download tree' }).click();
      const saved = await download;
      expect(saved.suggestedFilename()).toBe('tree.tar');
      await expect(files.getByRole('status')).toContainText('Downloaded tree/ (2 file(s), 2.0 MiB) as tree.tar');
      execFileSync('tar', ['-xf', await saved.path(), '-C', out]);
      expect(readFileSync(join(out, 'tree', 'a.bin')).equals(a)).toBe(true);
      expect(readFileSync(join(out, 'tree', 'sub', 'b.bin')).equals(b)).toBe(true);
    } finally {
      rmSync(remote, { recursive: true, force: true });
      rmSync(out, { recursive: true, force: true });
    }
  });
});
