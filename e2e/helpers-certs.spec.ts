import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Page } from '@playwright/test';
import { expect, test } from './host-fixture';
import { readmeScreenshots } from './screenshot-path';


// Everything here talks to 127.0.0.1 only: the host, listeners this test opens, a TLS server it
// starts. No translation rule is ever applied (that would change this machine's firewall).

async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

async function openHelpers(page: Page, tab: 'Translation' | 'Hosts entries' | 'Preflight'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Client helpers/ }).click();
  await page.getByRole('tab', { name: tab }).click();
  await expect(page.getByRole('tab', { name: tab })).toHaveAttribute('aria-selected', 'true');
}

const listen = (server: Server | TlsServer): Promise<number> =>
  new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
const close = (server: Server | TlsServer): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

async function dismissToasts(page: Page): Promise<void> {
  const dismiss = page.getByRole('button', { name: /^Dismiss:/ });
  for (let i = 0; i < 10 && (await dismiss.count()) > 0; i++) await dismiss.first().click({ timeout: 1_000 }).catch(() => undefined);
  await expect(dismiss).toHaveCount(0);
}

test.describe('client helpers, certificates and the vault against the real host', () => {
  let workDir = '';
  const servers: (Server | TlsServer)[] = [];

  test.beforeAll(() => {
    workDir = mkdtempSync(join(tmpdir(), 'outpost-e2e-certs-'));
  });
  test.afterAll(async () => {
    await Promise.all(servers.map((s) => close(s).catch(() => undefined)));
    rmSync(workDir, { recursive: true, force: true });
  });

  test('translation preview (never applied), hosts entries, preflight of loopback ports and a saved list', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('pageerror', (error) => problems.push(error.message));
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));

    await openConsole(page, host.info.openUrl);
    await openHelpers(page, 'Translation');
    await expect(page).toHaveURL(/#\/client-helpers\/translation$/);

    // Seed 004: the workstation reaches 192.168.100.0/24 through one forwarding IP (TEST-NET here).
    await page.getByLabel('Private prefix', { exact: true }).fill('192.168.100.0/24');
    await page.getByLabel('Forwarding IP', { exact: true }).fill('203.0.113.10');
    const rules = page.getByTestId('translation-rules');
    await expect(rules).toHaveText(/-A OUTPUT -p tcp -d 192\.168\.100\.0\/24 .*-j DNAT --to-destination 203\.0\.113\.10$/);
    await expect(rules).toContainText("--comment 'outpost:translate:192.168.100.0/24=>203.0.113.10:tcp'");
    await page.getByRole('radiogroup', { name: 'Rules for' }).getByRole('radio', { name: 'nftables' }).check();
    await expect(rules).toContainText('ip daddr 192.168.100.0/24 meta l4proto tcp dnat to 203.0.113.10');
    await page.getByLabel('Ports (optional)', { exact: true }).fill('22, 443');
    await expect(rules).toContainText("tcp dport '{ 22, 443 }' dnat to 203.0.113.10");
    await page.getByRole('radiogroup', { name: 'Rules for' }).getByRole('radio', { name: 'Windows' }).check();
    await expect(rules).toContainText('netsh interface portproxy add v4tov4 listenaddress=192.168.100.1 listenport=22 connectaddress=203.0.113.10');
    await page.getByRole('radiogroup', { name: 'Rules for' }).getByRole('radio', { name: 'iptables' }).check();
    await expect(rules).toHaveText(/-A OUTPUT -p tcp -d 192\.168\.100\.0\/24 -m multiport --dports 22,443 .*-j DNAT --to-destination 203\.0\.113\.10$/);

    // The contract's own check shows inline with its code (a prefix length that does not match).
    await page.getByRole('radio', { name: 'Mapped prefix' }).check();
    await page.getByLabel('Public prefix', { exact: true }).fill('203.0.113.0/28');
    await expect(page.getByTestId('translation-preview-error')).toContainText('VALIDATION');
    await expect(page.getByTestId('translation-preview-error')).toContainText('same length');
    await page.getByLabel('Public prefix', { exact: true }).fill('203.0.113.0/24');
    await expect(rules).toContainText('-j NETMAP --to 203.0.113.0/24');
    await page.getByRole('radio', { name: 'One IP' }).check();
    await expect(rules).toContainText('--to-destination 203.0.113.10');

    // Apply asks first and says what it changes; the test answers Keep: nothing is applied.
    await page.getByRole('button', { name: 'Apply…' }).click();
    const dialog = page.getByRole('alertdialog', { name: 'Change this workstation’s firewall?' });
    await expect(dialog).toContainText('administrator password (pkexec)');
    await expect(dialog.getByRole('button', { name: 'Keep' })).toBeFocused();
    await page.keyboard.press('Escape');
    await expect(dialog).toHaveCount(0);

    await page.setViewportSize({ width: 1280, height: 800 });
    await dismissToasts(page);
    await readmeScreenshots(page, 'screenshot-helpers');

    // Hosts entries, mapped from the private prefix to the public one.
    await openHelpers(page, 'Hosts entries');
    await page.getByLabel('Services', { exact: true }).fill('192.168.100.12 keystone controller\n# the image service\nglance 192.168.100.13\n10.1.2.3 unmapped.example');
    await page.getByLabel('Map to a public prefix', { exact: true }).check();
    await page.getByLabel('Private prefix', { exact: true }).fill('192.168.100.0/24');
    await page.getByLabel('Public prefix', { exact: true }).fill('203.0.113.0/24');
    await page.getByRole('button', { name: 'Render entries' }).click();
    const block = page.getByTestId('hosts-block');
    await expect(block).toContainText('# BEGIN outpost-managed entries');
    await expect(block).toContainText(/203\.0\.113\.12 +keystone controller/);
    await expect(block).toContainText(/203\.0\.113\.13 +glance/);
    await expect(block).toContainText(/10\.1\.2\.3 +unmapped\.example/);
    await expect(page.getByRole('button', { name: 'Copy the hosts block' })).toBeVisible();
    // A line the host cannot read is a VALIDATION toast naming the line.
    await page.getByLabel('Services', { exact: true }).fill('192.168.100.12 keystone\nnot-an-address');
    await page.getByRole('button', { name: 'Render entries' }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'Hosts entries were not rendered' });
    await expect(failed.getByTestId('toast-code')).toHaveText('VALIDATION');
    await expect(failed).toContainText('Line 2');

    // Preflight: one port this test listens on, one it opened and closed again.
    const listening = createServer((socket) => socket.destroy());
    servers.push(listening);
    const openPort = await listen(listening);
    const closedServer = createServer();
    const closedPort = await listen(closedServer);
    await close(closedServer);

    await openHelpers(page, 'Preflight');
    await page.getByLabel('Targets', { exact: true }).fill(`127.0.0.1:${openPort}\n127.0.0.1:${closedPort}`);
    await page.getByLabel('Timeout (ms)', { exact: true }).fill('2000');
    await page.getByRole('button', { name: 'Run preflight' }).click();
    const openRow = page.getByTestId(`preflight-row-127.0.0.1:${openPort}`);
    await expect(openRow.locator('.badge')).toHaveText('open');
    await expect(openRow).toContainText(/\d+ ms/);
    await expect(page.getByTestId(`preflight-row-127.0.0.1:${closedPort}`).locator('.badge')).toHaveText('refused');
    await expect(page.getByTestId('preflight-summary')).toContainText('2 checked');
    await expect(page.getByTestId('preflight-summary')).toContainText('1 open, 1 refused');

    // The controller preset adds seed 004's ports for a host (not run: they are not ours).
    await page.getByLabel('Controller preset', { exact: true }).fill('controller.invalid');
    await page.getByRole('button', { name: 'Add ports' }).click();
    await expect(page.getByLabel('Targets', { exact: true })).toHaveValue(/controller\.invalid:22\ncontroller\.invalid:3128\n.*controller\.invalid:35357$/s);

    // Save the loopback pair, reload the page, load it back from the real database.
    await page.getByLabel('Targets', { exact: true }).fill(`127.0.0.1:${openPort}\n127.0.0.1:${closedPort}`);
    await page.getByLabel('List name', { exact: true }).fill('loopback pair');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect(page.getByRole('list', { name: 'Saved preflight lists' })).toContainText('loopback pair');
    await page.reload();
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await expect(page.getByRole('tab', { name: 'Preflight' })).toHaveAttribute('aria-selected', 'true');
    await expect(page.getByLabel('Targets', { exact: true })).toHaveValue('');
    const saved = page.getByRole('list', { name: 'Saved preflight lists' });
    await expect(saved).toContainText('loopback pair');
    await expect(saved).toContainText('2 targets, 2000 ms');
    await page.getByRole('button', { name: 'Load loopback pair' }).click();
    await expect(page.getByLabel('Targets', { exact: true })).toHaveValue(`127.0.0.1:${openPort}\n127.0.0.1:${closedPort}`);
    await expect(page.getByLabel('Timeout (ms)', { exact: true })).toHaveValue('2000');
    await page.getByRole('button', { name: 'Run preflight' }).click();
    await expect(page.getByTestId(`preflight-row-127.0.0.1:${openPort}`).locator('.badge')).toHaveText('open');

    // Audit: the list was saved; nothing was applied to this machine's firewall.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Audit log/ }).click();
    await expect(page.getByRole('cell', { name: 'preflight.save', exact: true })).toHaveCount(1);
    await expect(page.getByRole('cell', { name: 'translate.apply', exact: true })).toHaveCount(0);

    expect([...origins]).toEqual([new URL(host.info.url).origin]);
    expect(problems).toEqual([]);
  });

  test('certificates: a PEM made by openssl shows its openssl fingerprint; a loopback TLS server’s chain; the vault set up in Settings', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    const origins = new Set<string>();
    page.on('request', (request) => origins.add(new URL(request.url()).origin));

    const certPath = join(workDir, 'outpost-e2e.pem');
    const keyPath = join(workDir, 'outpost-e2e.key');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', keyPath, '-out', certPath, '-days', '10', '-subj', '/CN=outpost-e2e.test/O=Outpost e2e', '-addext', 'subjectAltName=DNS:outpost-e2e.test,IP:127.0.0.1'], {
      stdio: 'ignore',
    });
    const printed = execFileSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', certPath], { encoding: 'utf8' }).trim();
    const fingerprint = printed.slice(printed.indexOf('=') + 1);
    expect(fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    await openConsole(page, host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Certificates/ }).click();
    await expect(page.getByRole('heading', { name: 'No certificate read yet' })).toBeVisible();
    await page.getByLabel('Certificate file', { exact: true }).setInputFiles(certPath);
    await page.getByRole('button', { name: 'Inspect' }).click();
    const card = page.getByTestId('certificate-0');
    await expect(card.getByRole('heading', { name: 'outpost-e2e.test' })).toBeVisible();
    await expect(card.getByTestId('certificate-fingerprint')).toHaveText(fingerprint);
    await expect(card).toContainText('DNS:outpost-e2e.test, IP Address:127.0.0.1');
    await expect(card.getByTestId('certificate-warning').filter({ hasText: 'expires within 30 days' })).toBeVisible();
    await expect(page.getByTestId('chain-summary')).toContainText('outpost-e2e.pem: PEM, 1 certificate');
    await card.getByText('PEM', { exact: true }).click();
    await expect(card.getByRole('button', { name: 'Copy the PEM of outpost-e2e.test' })).toBeVisible();

    // Garbage bytes: CERT_INVALID as a toast.
    const garbage = join(workDir, 'garbage.pem');
    execFileSync('openssl', ['rand', '-out', garbage, '64']);
    await page.getByLabel('Certificate file', { exact: true }).setInputFiles(garbage);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Could not read the certificate file' }).getByTestId('toast-code')).toHaveText('CERT_INVALID');

    // A file over certificates.inspect's limit: a clear error under the field, and the host still serves.
    const huge = join(workDir, 'huge.pem');
    execFileSync('openssl', ['rand', '-out', huge, String(2 * 1024 * 1024)]);
    await page.getByLabel('Certificate file', { exact: true }).setInputFiles(huge);
    await page.getByRole('button', { name: 'Inspect' }).click();
    await expect(page.locator('#cert-file-error')).toHaveText(/This file is 2,098 KB; Outpost reads certificate files up to 750 KB/);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);

    // A TLS server this test runs on loopback with the same certificate: its chain by handshake.
    const tls = createTlsServer({ key: readFileSync(keyPath), cert: readFileSync(certPath) }, (socket) => socket.end());
    servers.push(tls);
    const tlsPort = await listen(tls);
    await page.getByLabel('Server', { exact: true }).fill(`127.0.0.1:${tlsPort}`);
    await page.getByRole('button', { name: 'Fetch chain' }).click();
    await expect(page.getByTestId('chain-summary')).toContainText(`127.0.0.1:${tlsPort} presented 1 certificate`);
    await expect(page.getByTestId('chain-summary')).toContainText('Not trusted by this workstation’s defaults');
    await expect(page.getByTestId('certificate-0').getByTestId('certificate-fingerprint')).toHaveText(fingerprint);

    // Vault: first-time setup in Settings; the status bar follows.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Settings/ }).click();
    await expect(page.getByTestId('status-vault')).toHaveText('Vault: not set up');
    await page.getByLabel('New vault passphrase', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm the passphrase', { exact: true }).fill('correct horse battery stapler');
    await page.getByRole('button', { name: 'Set up vault' }).click();
    await expect(page.getByLabel('Confirm the passphrase', { exact: true })).toHaveAttribute('aria-invalid', 'true');
    await expect(page.getByTestId('status-vault')).toHaveText('Vault: not set up');
    await page.getByLabel('New vault passphrase', { exact: true }).fill('correct horse battery staple');
    await page.getByLabel('Confirm the passphrase', { exact: true }).fill('correct horse battery staple');
    await page.getByRole('button', { name: 'Set up vault' }).click();
    await expect(page.getByTestId('status-vault')).toHaveText('Vault: unlocked');
    await expect(page.getByTestId('vault-unlocked')).toHaveText('yes');
    await expect(page.getByLabel('New vault passphrase', { exact: true })).toHaveCount(0);

    expect([...origins]).toEqual([new URL(host.info.url).origin]);
    expect(problems).toEqual([]);
  });
});
