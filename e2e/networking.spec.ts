import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { cloneSession, startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { expect, test } from './host-fixture';

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..');
const passphrase = 'e2e-networking-passphrase';
const unavailable = vcsimUnavailable();

// The console window connects to vcsim's wss endpoint, whose certificate is self-signed. Chromium
// has no certificate prompt for a WebSocket: like an operator who opens the vCenter once in this
// browser and accepts its certificate, the test visits vcsim's https origin first (the context
// ignores certificate errors for that). In the desktop app Outpost's own trust decides
// (core/trust/chromium-verdict.ts).
test.use({ hostVaultPassphrase: passphrase, ignoreHTTPSErrors: true });

/** The CLI on the host's own store (same vault passphrase): the site is set up as an operator would script it. */
function outpost(dataDir: string, args: string[], input?: string): string {
  const r = spawnSync(process.execPath, [join(repoRoot, 'bin', 'outpost.mjs'), '--db', join(dataDir, 'outpost.db'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: passphrase },
    ...(input !== undefined ? { input } : {}),
  });
  if (r.status !== 0) throw new Error(`outpost ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

async function openApp(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

test.describe('networking, console and guest info against a real vcsim', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.setTimeout(180_000);
  let vc: Vcsim;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    vc = await startVcsim({ vms: 4, clusters: 1, hosts: 2, standalone: 1 });
  });
  test.afterAll(async () => {
    await vc?.stop();
  });

  test('shows each host’s vSwitches and VLANs, previews and creates a port group across a cluster, refuses a wrong VLAN', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await openApp(page, host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Networking/ }).click();
    await expect(page.getByRole('heading', { name: 'No vCenter yet' })).toBeVisible();

    outpost(host.dataDir, ['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], `${vc.password}\n`);
    await page.reload();
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    const table = page.getByTestId('host-networks');
    await expect(table.getByTestId('host-vswitch-DC0_C0_H0-vSwitch0')).toContainText('vmnic0');
    await expect(table.getByTestId('portgroup-DC0_C0_H0-VM Network')).toContainText('no VLAN');
    await expect(table).toContainText('DC0_H0');
    await expect(table).toContainText('not on a vSwitch'); // vmnic1 is no vSwitch's uplink

    // Preview first: both cluster hosts would get the port group; nothing exists yet.
    const form = page.getByRole('form', { name: 'Ensure a port group' });
    await expect(form.getByLabel('Cluster', { exact: true })).toHaveValue('DC0_C0');
    await form.getByLabel('Port group').fill('VLAN100');
    await form.getByLabel('VLAN id').fill('100');
    await expect(form.getByTestId('vlan-apply')).toBeDisabled();
    await form.getByRole('button', { name: 'Preview' }).click();
    const preview = form.getByTestId('vlan-preview');
    await expect(preview.getByTestId('vlan-result-DC0_C0_H0')).toContainText('Will create');
    await expect(preview.getByTestId('vlan-result-DC0_C0_H1')).toContainText('port group VLAN100 does not exist: create it on vSwitch0 with VLAN 100');
    await expect(table.getByTestId('portgroup-DC0_C0_H0-VLAN100')).toHaveCount(0);

    await form.getByTestId('vlan-apply').click();
    await expect(page.getByRole('status').getByText('Port group VLAN100 created')).toBeVisible();
    await expect(preview.getByTestId('vlan-result-DC0_C0_H0')).toContainText('Created');
    await expect(form.getByTestId('vlan-procedure')).toContainText('Ran as procedure');
    await expect(table.getByTestId('portgroup-DC0_C0_H0-VLAN100')).toContainText('VLAN 100');
    await expect(table.getByTestId('portgroup-DC0_C0_H1-VLAN100')).toContainText('VLAN 100');
    await expect(table.getByTestId('portgroup-DC0_H0-VLAN100')).toHaveCount(0);

    // The same name with another VLAN fails on every host, naming what it found; Apply stays off.
    await form.getByLabel('VLAN id').fill('200');
    await form.getByRole('button', { name: 'Preview' }).click();
    await expect(preview.getByTestId('vlan-result-DC0_C0_H1')).toContainText('DC0_C0_H1: port group VLAN100 carries VLAN 100, not 200');
    await expect(preview.getByTestId('vlan-result-DC0_C0_H0')).toContainText('Fails');
    await expect(form.getByTestId('vlan-apply')).toBeDisabled();

    // A missing adapter, then a VLAN id out of range.
    await form.getByLabel('Physical adapter').fill('vmnic9');
    await form.getByLabel('VLAN id').fill('300');
    await form.getByRole('button', { name: 'Preview' }).click();
    await expect(preview.getByTestId('vlan-result-DC0_C0_H0')).toContainText('no physical adapter vmnic9 (adapters found: vmnic0, vmnic1)');
    await form.getByLabel('VLAN id').fill('4096');
    await form.getByRole('button', { name: 'Preview' }).click();
    await expect(form.getByText('The VLAN id is 0-4095.')).toBeVisible();

    const audit = outpost(host.dataDir, ['--json', 'audit', 'list']);
    expect(audit).toContain('"action":"vlan.ensure"');
    expect(problems).toEqual([]);
  });

  test('sets guestinfo keys from the VM detail pane and opens a one-time console window', async ({ page, host, context }) => {
    outpost(host.dataDir, ['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], `${vc.password}\n`);
    outpost(host.dataDir, ['inventory', 'sync', '--site', 'lab']);
    // The host's WebSocket answers, as the page gets them (the VMRC link is read off them below).
    const answers: string[] = [];
    page.on('websocket', (ws) => ws.on('framereceived', (f) => typeof f.payload === 'string' && f.payload.includes('vmrc://') && answers.push(f.payload)));
    await openApp(page, host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: 'Virtual machines' }).click();
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    const row = grid.getByTestId('vm-row').first();
    const vmName = (await row.getAttribute('data-vm'))!;
    await row.click();
    const detail = page.getByTestId('vm-detail');

    // Guest info: read on request, set a key, see it, remove it.
    const info = detail.getByTestId('guest-info');
    await info.getByRole('button', { name: 'Show guestinfo keys' }).click();
    await expect(info.getByText('No guestinfo keys on this VM.')).toBeVisible();
    await info.getByLabel('Key').fill('guestinfo.machine id');
    await info.getByRole('button', { name: 'Set key' }).click();
    await expect(info.getByText('A key is "guestinfo." followed by letters')).toBeVisible();
    await info.getByLabel('Key').fill('guestinfo.machine.id');
    await info.getByLabel('Value').fill('{"ip":"10.0.0.5","netmask":"255.255.255.0"}');
    await info.getByRole('button', { name: 'Set key' }).click();
    const entries = info.getByTestId('guest-info-entries');
    await expect(entries).toContainText('guestinfo.machine.id');
    await expect(entries).toContainText('{"ip":"10.0.0.5","netmask":"255.255.255.0"}');
    await info.getByRole('button', { name: 'Remove guestinfo.machine.id' }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove' }).click();
    await expect(info.getByText('No guestinfo keys on this VM.')).toBeVisible();

    // The operator has accepted vcsim's certificate in this browser once (see test.use above).
    const visit = await context.newPage();
    expect((await visit.goto(`${new URL(vc.url).origin}/about`))?.ok()).toBe(true);
    await visit.close();

    // Console: a window of the app whose CSP allows exactly the ticket's wss origin, served once.
    const consolePage = context.waitForEvent('page');
    const response = context.waitForEvent('response', (r) => r.url().includes('/console/') && !r.url().endsWith('.js') && !r.url().endsWith('.css'));
    await detail.getByRole('button', { name: 'Open console window' }).click();
    const win = await consolePage;
    const served = await response;
    const vcOrigin = `wss://127.0.0.1:${new URL(vc.url).port}`;
    expect(served.status()).toBe(200);
    expect((await served.allHeaders())['content-security-policy']).toContain(`connect-src ${vcOrigin};`);
    await expect(win).toHaveTitle(`Console: ${vmName}`);
    // The launcher's webmks socket takes the ticket once and greets with the RFB version.
    await expect(win.locator('#status')).toHaveAttribute('data-state', 'connected', { timeout: 20_000 });
    await expect(win.locator('#status')).toContainText(`Connected to 127.0.0.1:${new URL(vc.url).port} (RFB 3.8)`);
    await expect(win.locator('#log')).toContainText('Console protocol RFB 3.8');
    await win.getByRole('button', { name: 'Disconnect' }).click();
    await expect(win.locator('#status')).toHaveAttribute('data-state', 'closed');
    await expect(win.locator('meta[name="outpost-console-url"]')).toHaveCount(0); // taken out of the page once read
    const again = await page.request.get(served.url());
    expect(again.status()).toBe(404);

    // VMware Remote Console: the click asks for a link with a one-time clone ticket (read here off
    // the host's WebSocket answer, as the page got it); a second click opens it once and forgets it.
    const appUrl = page.url();
    await detail.getByRole('button', { name: 'VMware Remote Console' }).click();
    const launchVmrc = detail.getByTestId('vm-console-vmrc').getByRole('button', { name: 'Open in VMware Remote Console' });
    await expect(launchVmrc).toBeVisible();
    await expect(detail.getByTestId('vm-console')).not.toContainText('vmrc://'); // never shown
    expect(answers).toHaveLength(1);
    const vmrcLink = /vmrc:\/\/clone:([^@"]+)@127\.0\.0\.1:(\d+)\/\?moid=(vm-\d+)/.exec(answers[0]!);
    expect(vmrcLink?.[2]).toBe(new URL(vc.url).port);
    await launchVmrc.click();
    await expect(detail.getByTestId('vm-console-vmrc')).toHaveCount(0); // forgotten
    await expect(detail.getByTestId('vm-console-vmrc-sent')).toBeVisible();
    expect(page.url()).toBe(appUrl);
    // No VMRC here to spend it: the test does, as VMRC would, and the ticket clones the site's session once.
    const cloneTicket = decodeURIComponent(vmrcLink![1]!);
    expect(await cloneSession(vc, cloneTicket)).toEqual({ userName: vc.username });
    await expect(cloneSession(vc, cloneTicket)).rejects.toThrow('CloneSession 500');

    // The ticket never reached the store or the audit log.
    const ticket = new URL((await win.evaluate(() => document.documentElement.outerHTML)).match(/wss:\/\/[^"]+/)?.[0] ?? 'wss://none/').pathname;
    expect(ticket).toBe('/'); // the page no longer carries it
    const audit = outpost(host.dataDir, ['--json', 'audit', 'list']);
    expect(audit).toContain('"action":"vm.console.open"');
    expect(audit).toContain('"kind":"vmrc"');
    expect(audit).not.toContain(cloneTicket);
    expect(audit).toContain('"action":"vm.guestinfo.set"');
    expect(audit).not.toContain('/ticket/');
    expect(audit).not.toContain('10.0.0.5');
  });

  test('connects a VM to a port group from the Networking page and adds an adapter from the VM pane', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    outpost(host.dataDir, ['site', 'add', '--name', 'lab', '--url', vc.url, '--user', vc.username, '--password-stdin', '--trust', vc.fingerprint], `${vc.password}\n`);
    outpost(host.dataDir, ['inventory', 'sync', '--site', 'lab']);
    outpost(host.dataDir, ['vlan', 'ensure', '--site', 'lab', '--cluster', 'DC0_C0', '--nic', 'vmnic0', '--portgroup', 'VLAN300', '--vlan', '300']);
    const vmName = 'DC0_C0_H1_VM0';
    await openApp(page, host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Networking/ }).click();

    // Networking page: name the VM and the port group; an unknown port group is one clear error.
    const form = page.getByRole('form', { name: 'Connect a VM to a port group' });
    await form.getByLabel('VM', { exact: true }).fill(vmName);
    await form.getByLabel('Port group').fill('NOPE');
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect(page.getByRole('alert').getByText(`Port group "NOPE" is not on ${vmName}'s host`)).toBeVisible();
    await form.getByLabel('Port group').fill('VLAN300');
    await form.getByRole('button', { name: 'Connect' }).click();
    await expect(form.getByTestId('net-attach-result')).toContainText('Adapter 1 moved from VM Network to VLAN300 (procedure');
    await expect(form.getByTestId('vm-nic-1')).toContainText('VLAN300');

    // The VM pane: the adapters read live (network, MAC, connected); add a vmxnet3 adapter on the distributed port group.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('tab', { name: 'Virtual machines' }).click();
    await page.getByRole('grid', { name: 'Virtual machines' }).locator(`[data-vm="${vmName}"]`).click();
    const networks = page.getByTestId('vm-detail').getByTestId('vm-networks');
    await networks.getByRole('button', { name: 'Show network adapters' }).click();
    const nic1 = networks.getByTestId('vm-nic-1');
    await expect(nic1).toContainText('VLAN300');
    await expect(nic1).toContainText(/00:0c:29(:[0-9a-f]{2}){3}/);
    await expect(nic1).toContainText('At power-on');
    const attach = networks.getByRole('form', { name: 'Connect an adapter to a port group' });
    await attach.getByLabel('Port group').fill('DC0_DVPG0');
    await attach.getByLabel('Adapter').selectOption({ label: 'A new vmxnet3 adapter' });
    await attach.getByRole('button', { name: 'Connect' }).click();
    await expect(attach.getByTestId('vm-attach-result')).toContainText('Adapter 2 added on DC0_DVPG0');
    await expect(networks.getByTestId('vm-nic-2')).toContainText('DC0_DVPG0');
    await expect(networks.getByTestId('vm-nic-1')).toContainText('VLAN300');

    const audit = outpost(host.dataDir, ['--json', 'audit', 'list']);
    expect(audit.match(/"action":"vlan\.attach"/g)).toHaveLength(3); // the refused one, the move, the add
    expect(problems).toEqual([]);
  });
});
