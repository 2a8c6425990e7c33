import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from './host-fixture';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server';

test.use({ hostVaultPassphrase: 'e2e-credentials-passphrase' });

test.describe('credential profiles, host keys and an SSH-reached firewall', () => {
  test.skip(!sshdAvailable() || process.getuid?.() !== 0, 'needs root and openssh-server');
  let dir: string;
  let sshd: Sshd;
  let privateKey: string;
  let publicKey: string;

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-fw-'));
    const key = generateKey(join(dir, 'id'));
    privateKey = key.privateKey;
    publicKey = key.publicKey;
    sshd = await startSshd({ dir, authorizedKeys: [key.publicKey] });
  });
  test.afterAll(() => {
    sshd?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('save a key profile in Settings, read and pin a firewall host key, import known_hosts, remove the profile', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Settings/ }).click();
    const credentials = page.getByRole('region', { name: 'Credential profiles' });
    await expect(credentials.getByText('No credential profiles yet.')).toBeVisible();
    await credentials.getByRole('button', { name: 'New credential…' }).click();
    const form = credentials.getByTestId('new-credential');
    await form.getByLabel('Name', { exact: true }).fill('fw-root');
    await form.getByLabel('User name').fill('root');
    await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
    await form.getByLabel('Private key', { exact: true }).fill(privateKey);
    await form.getByLabel('Scope', { exact: true }).selectOption('site');
    await form.getByLabel('Site name').fill('lab');
    await form.getByRole('button', { name: 'Save credential' }).click();
    const row = credentials.getByRole('row', { name: /fw-root/ });
    await expect(row).toContainText('private key');
    await expect(row).toContainText('site lab');
    // The secret is never shown again: the page holds no trace of the key after saving.
    expect(await page.content()).not.toContain(privateKey.split('\n')[1]!);

    // Firewalls: SSH connection with the host key read from the server and pinned.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /NAT & IPAM/ }).click();
    await page.getByRole('tab', { name: /^Firewalls/ }).click();
    await page.getByLabel('Name', { exact: true }).fill('edge-ssh');
    await page.getByLabel('Driver', { exact: true }).selectOption('linux-iptables');
    await page.getByRole('radio', { name: 'SSH' }).check();
    await page.getByLabel('SSH host').fill('127.0.0.1');
    await page.getByLabel('SSH port').fill(String(sshd.port));
    await page.getByLabel('Credential profile').selectOption('fw-root');
    await page.getByRole('button', { name: 'Read host key' }).click();
    await expect(page.getByLabel('Host key (pinned)')).toHaveValue(sshd.fingerprint);
    await expect(page.getByText(/presented this ssh-ed25519 key/)).toBeVisible();
    await page.getByRole('button', { name: 'Add firewall' }).click();
    await expect(page.getByRole('row', { name: /edge-ssh/ })).toContainText(`ssh root@127.0.0.1:${sshd.port} (fw-root)`);

    // A closed port: a clear error with its code, nothing filled in.
    await page.getByLabel('Name', { exact: true }).fill('edge-closed');
    await page.getByLabel('Driver', { exact: true }).selectOption('linux-nft');
    await page.getByRole('radio', { name: 'SSH' }).check();
    await page.getByLabel('SSH host').fill('127.0.0.1');
    await page.getByLabel('SSH port').fill('1');
    await page.getByRole('button', { name: 'Read host key' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'UNREACHABLE' })).toBeVisible();
    await expect(page.getByLabel('Host key (pinned)')).toHaveValue('');

    // Host keys: import an OpenSSH known_hosts file, see it, forget it.
    const knownHosts = join(dir, 'known_hosts');
    writeFileSync(knownHosts, `[127.0.0.1]:${sshd.port} ${readHostPublicKey(sshd)}\n`);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Settings/ }).click();
    const keys = page.getByRole('region', { name: 'SSH host keys' });
    await keys.getByLabel('known_hosts file').setInputFiles(knownHosts); // the window's own file dialog
    await keys.getByRole('button', { name: 'Import known_hosts' }).click();
    const keyRow = keys.getByRole('row', { name: new RegExp(`127\\.0\\.0\\.1:${sshd.port}`) });
    await expect(keyRow).toContainText(sshd.fingerprint);
    await expect(keyRow).toContainText('imported');
    await keyRow.getByRole('button', { name: /Forget/ }).click();
    await page.getByRole('button', { name: 'Forget', exact: true }).click();
    await expect(keys.getByText('No trusted host keys yet.')).toBeVisible();

    // Removing a profile asks first, then it is gone.
    await row.getByRole('button', { name: 'Remove credential fw-root' }).click();
    await page.getByRole('button', { name: 'Remove', exact: true }).click();
    await expect(credentials.getByText('No credential profiles yet.')).toBeVisible();
    expect(publicKey).toMatch(/^ssh-ed25519 /);
    expect(problems).toEqual([]);
  });
});

function readHostPublicKey(sshd: Sshd): string {
  // The host's public key as known_hosts holds it: "type base64".
  return readFileSync(`${sshd.hostKeyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
}
