import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { expect, test } from './host-fixture';
import { readmeScreenshots } from './screenshot-path';
import { createLab, labAvailable, startVmServers } from '../test/lab/netns-lab';


async function openConsole(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
}

async function openSection(page: Page, tab: 'Pools' | 'Allocations' | 'Firewalls' | 'NAT'): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /NAT & IPAM/ }).click();
  await page.getByRole('tab', { name: new RegExp(`^${tab}`) }).click();
  await expect(page.getByRole('tab', { name: new RegExp(`^${tab}`) })).toHaveAttribute('aria-selected', 'true');
}

/** On a procedure's page: waits at the approval gate, checks the instructions, approves, sees it succeed. */
async function approveGate(page: Page, expected: RegExp[]): Promise<string> {
  await expect(page.getByTestId('procedure-state')).toHaveText('waiting');
  const prompt = page.getByTestId('gate-prompt');
  for (const text of expected) await expect(prompt).toContainText(text);
  const instructions = (await prompt.textContent()) ?? '';
  await expect(page.getByTestId('step-operator-confirms')).toContainText('waiting');
  await page.getByRole('button', { name: 'Approve', exact: true }).click();
  // Live: procedure.updated events move the page on, no reload.
  await expect(page.getByTestId('procedure-state')).toHaveText('succeeded');
  await expect(page.getByRole('button', { name: 'Approve', exact: true })).toHaveCount(0);
  await expect(page.getByTestId('step-operator-confirms')).toContainText(/Approved by/);
  await expect(page.getByRole('log', { name: 'Journal' })).toContainText('Procedure succeeded');
  return instructions;
}

test('pool, manual firewall and NAT through the UI: add waits for approval, then remove; IPAM and audit follow', async ({ page, host }) => {
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  // The manual driver only writes instructions: the page talks to the loopback host and nothing else.
  const origins = new Set<string>();
  page.on('request', (request) => origins.add(new URL(request.url()).origin));

  await openConsole(page, host.info.openUrl);
  await openSection(page, 'Pools');
  await expect(page.getByRole('heading', { name: 'No address pools yet' })).toBeVisible();

  // The contract's VALIDATION marks the fields it names.
  await page.getByRole('button', { name: 'Add pool' }).click();
  const failed = page.getByRole('alert').filter({ hasText: 'Pool was not added' });
  await expect(failed.getByTestId('toast-code')).toHaveText('VALIDATION');
  await expect(page.getByLabel('Name', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('CIDR', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await failed.getByRole('button', { name: /Dismiss/ }).click();

  await page.getByLabel('Name', { exact: true }).fill('public-test');
  await page.getByLabel('CIDR', { exact: true }).fill('203.0.113.0/28');
  await page.getByRole('button', { name: 'Add a reserved range' }).click();
  await page.getByLabel('Range 1 start').fill('203.0.113.14');
  await page.getByLabel('Range 1 reason').fill('firewall');
  await page.getByRole('button', { name: 'Add pool' }).click();
  const poolUsage = page.getByTestId('pool-usage-public-test');
  await expect(poolUsage).toHaveText(/^0 allocated, 1 reserved of 14 usable$/);
  await expect(page.getByRole('meter', { name: 'Utilisation of public-test' })).toBeVisible();

  await openSection(page, 'Firewalls');
  await page.getByLabel('Name', { exact: true }).fill('edge-manual');
  await page.getByLabel('Driver', { exact: true }).selectOption('manual');
  await page.getByLabel('Write instructions as').selectOption('iptables');
  await page.getByRole('button', { name: 'Add firewall' }).click();
  await expect(page.getByRole('row', { name: /edge-manual/ })).toContainText('Manual');

  // NAT from the pool: starts a procedure and links to it.
  await openSection(page, 'NAT');
  await page.getByLabel('Firewall', { exact: true }).selectOption('edge-manual');
  await page.getByLabel('Private IP', { exact: true }).fill('10.0.0.5');
  await page.getByRole('radio', { name: 'Allocate from a pool' }).check();
  await page.getByLabel('Pool', { exact: true }).selectOption('public-test');
  await page.getByLabel('VM (optional)').fill('web-01');
  await page.getByRole('button', { name: 'Add NAT' }).click();
  const started = page.getByRole('status').filter({ hasText: 'Started NAT' });
  await started.getByRole('link', { name: 'open the procedure' }).click();
  await expect(page).toHaveURL(/#\/procedures\/[0-9a-f-]{36}$/);
  await expect(page.getByRole('heading', { level: 1, name: 'Procedures' })).toBeVisible();
  const addInstructions = await approveGate(page, [/iptables -t nat -A PREROUTING/, /10\.0\.0\.5/, /203\.0\.113\./]);
  const publicIp = /-d (203\.0\.113\.\d+)/.exec(addInstructions)?.[1];
  expect(publicIp).toBeDefined();
  await expect(page.getByTestId('step-allocate-public-ip')).toContainText(`address: ${publicIp}`);

  // The NAT is active, the pool has one address out, the allocation names its procedure.
  await openSection(page, 'NAT');
  const row = page.getByTestId(`nat-row-${publicIp}`);
  await expect(row).toContainText('10.0.0.5');
  await expect(row).toContainText('active');
  await expect(row).toContainText('web-01');
  await expect(row).toContainText('not checked');
  await page.getByRole('button', { name: 'Verify against firewalls' }).click();
  await expect(row).toContainText('unknown'); // a manual firewall cannot be read back
  await expect(page.getByText(/Drift checked/)).toBeVisible();

  await page.setViewportSize({ width: 1280, height: 800 });
  // Notices fade by themselves; the picture should show the page, not them.
  const dismissButtons = page.getByRole('button', { name: /^Dismiss:/ });
  for (let i = 0; i < 10 && (await dismissButtons.count()) > 0; i++) await dismissButtons.first().click({ timeout: 1_000 }).catch(() => undefined);
  await expect(dismissButtons).toHaveCount(0);
  await readmeScreenshots(page, 'screenshot-nat');

  await openSection(page, 'Pools');
  await expect(poolUsage).toHaveText(/^1 allocated, 1 reserved of 14 usable$/);
  await openSection(page, 'Allocations');
  await expect(page.getByRole('row', { name: new RegExp(publicIp!.replace(/\./g, '\\.')) })).toContainText('public-test');

  // Remove: confirmation (confirmDestructive is on by default), then the same gate with -D.
  await openSection(page, 'NAT');
  await page.getByRole('button', { name: `Remove NAT ${publicIp}` }).click();
  const dialog = page.getByRole('alertdialog', { name: `Remove NAT ${publicIp}?` });
  await expect(dialog.getByRole('button', { name: 'Keep' })).toBeFocused();
  await dialog.getByRole('button', { name: 'Remove NAT' }).click();
  await page.getByRole('status').filter({ hasText: 'Started NAT remove' }).getByRole('link', { name: 'open the procedure' }).click();
  await approveGate(page, [/iptables -t nat -D PREROUTING/, new RegExp(publicIp!.replace(/\./g, '\\.'))]);

  await openSection(page, 'NAT');
  await expect(page.getByTestId(`nat-row-${publicIp}`)).toHaveCount(0);
  await expect(page.getByText('No NAT records in place.', { exact: false })).toBeVisible();
  await page.getByLabel('Include removed').check();
  await expect(page.getByTestId(`nat-row-${publicIp}`)).toContainText('removed');
  await openSection(page, 'Pools');
  await expect(poolUsage).toHaveText(/^0 allocated, 1 reserved of 14 usable$/);

  // Both runs are in the list, succeeded; the filter narrows to them.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Procedures/ }).click();
  await page.getByRole('radiogroup', { name: 'Filter by state' }).getByRole('radio', { name: 'succeeded' }).check();
  await expect(page.getByRole('link', { name: 'nat.add' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'nat.remove' })).toBeVisible();

  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Audit log/ }).click();
  await expect(page.getByRole('cell', { name: 'nat.add', exact: true })).toHaveCount(1);
  await expect(page.getByRole('cell', { name: 'nat.remove', exact: true })).toHaveCount(1);

  expect([...origins]).toEqual([new URL(host.info.url).origin]);
  expect(problems).toEqual([]);
});

// In the netns lab (root, iptables): the host drives a real firewall namespace; two clients, one allowed.
test('allow-list, port forward and drift repair through the UI on a real iptables firewall namespace', async ({ page, host }) => {
  const lab0 = labAvailable();
  test.skip(!lab0.ok, lab0.ok ? '' : lab0.why);
  const lab = createLab(2, { secondClient: true });
  try {
    await startVmServers(lab);
    const vm = lab.vms[0]!;
    // Set up with the CLI on the host's own store: pool, firewall, and a NAT (its procedure runs in the CLI).
    const bin = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'outpost.mjs');
    const cli = (...args: string[]) => {
      const r = spawnSync(process.execPath, [bin, '--db', join(host.dataDir, 'outpost.db'), ...args], { encoding: 'utf8' });
      expect(r.status, `${args.join(' ')}: ${r.stdout}${r.stderr}`).toBe(0);
    };
    cli('ipam', 'pool', 'add', '--name', 'pub', '--cidr', lab.publicNet, '--kind', 'public', '--gateway', lab.firewallPublicIp, '--reserve', `${lab.clientIp}-${lab.clientIp}:client`);
    cli('firewall', 'add', '--name', 'fw', '--driver', 'linux-iptables', '--netns', lab.firewall, '--public-interface', lab.firewallPublicIf);
    cli('nat', 'add', '--firewall', 'fw', '--private', vm.ip, '--public', '203.0.113.2');
    expect(lab.connectFrom(lab.client2!, '203.0.113.2', 8080)).toBe(`${vm.ns} ${lab.client2Ip}`);

    await openConsole(page, host.info.openUrl);
    await openSection(page, 'NAT');
    const natRow = page.getByTestId('policy-row-203.0.113.2');
    await expect(natRow).toContainText('open to every source');

    // Allow the first client only.
    await page.getByLabel('Allow on firewall').selectOption('fw');
    await page.getByLabel('Allowed to reach').selectOption('203.0.113.2');
    await page.getByLabel('Source (IPv4 or CIDR)').fill('203.0.113.5/24');
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'Allow-list entry was not started' })).toContainText('did you mean 203.0.113.0/24');
    await expect(page.getByLabel('Source (IPv4 or CIDR)')).toHaveAttribute('aria-invalid', 'true');
    await page.getByLabel('Source (IPv4 or CIDR)').fill(lab.clientIp);
    await page.getByRole('button', { name: 'Allow', exact: true }).click();
    await expect(natRow).toContainText(`${lab.clientIp}/32`);
    await expect.poll(() => lab.connectFrom(lab.client2!, '203.0.113.2', 8080, 800)).toBe('TIMEOUT');
    expect(lab.connectFromClient('203.0.113.2', 8080)).toBe(`${vm.ns} ${lab.clientIp}`);

    // A port forward on the firewall's own address, to the second VM.
    await page.getByLabel('Forward public IP').fill(lab.firewallPublicIp);
    await page.getByLabel('Forward public port').fill('2222');
    await page.getByLabel('Forward to private IP').fill(lab.vms[1]!.ip);
    await page.getByLabel('Forward to private port').fill('8080');
    await page.getByRole('button', { name: 'Add forward' }).click();
    await expect(page.getByTestId(`policy-row-${lab.firewallPublicIp}`)).toContainText(`2222/tcp → ${lab.vms[1]!.ip}:8080`);
    await expect.poll(() => lab.connectFrom(lab.client2!, lab.firewallPublicIp, 2222)).toBe(`${lab.vms[1]!.ns} ${lab.client2Ip}`);

    // Drift behind Outpost's back: found by Check now, repaired by Repair (a procedure), live.
    const drift = page.getByTestId('drift-fw');
    await drift.getByRole('button', { name: 'Check now' }).click();
    await expect(drift).toContainText('in sync');
    lab.exec(lab.firewall, ['iptables', '-F', 'OUTPOST_FWD']);
    expect(lab.connectFrom(lab.client2!, '203.0.113.2', 8080)).toBe(`${vm.ns} ${lab.client2Ip}`);
    await drift.getByRole('button', { name: 'Check now' }).click();
    await expect(drift).toContainText('drift');
    await expect(drift).toContainText('missing outpost:guard:203.0.113.2');
    await drift.getByRole('button', { name: 'Repair' }).click();
    await page.getByRole('alertdialog', { name: 'Repair firewall fw?' }).getByRole('button', { name: 'Repair' }).click();
    await expect(drift).toContainText('in sync');
    expect(lab.connectFrom(lab.client2!, '203.0.113.2', 8080, 800)).toBe('TIMEOUT');

    // Remove the entry: open to every source again.
    await page.getByRole('button', { name: `Remove ${lab.clientIp}/32 from 203.0.113.2` }).click();
    await page.getByRole('alertdialog').getByRole('button', { name: 'Remove entry' }).click();
    await expect(natRow).toContainText('open to every source');
    await expect.poll(() => lab.connectFrom(lab.client2!, '203.0.113.2', 8080)).toBe(`${vm.ns} ${lab.client2Ip}`);
  } finally {
    lab.destroy();
  }
});
