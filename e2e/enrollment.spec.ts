import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { buildEnrollmentRunner, DEBIAN } from '../test/lab/enrollment-lab';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { VsphereOperator } from '../test/peers/vsphere-operator';
import { expect, test } from './host-fixture';

// The passphrase test/fixtures/enrollment-runner.ts unlocks the vault with (that file runs as a
// program when imported, so it is repeated here): the store it seeds opens in the host with it.
const LAB_PASSPHRASE = 'enrollment lab passphrase';
const GUEST_PASSWORD = 'not-a-real-guest-password';
const unavailable = vcsimUnavailable();

interface RunnerResult {
  ok: boolean;
  value?: unknown;
  error?: { code: string; message: string };
}

/** Dispatches contract calls on a data directory in a child process (the same runner the lab tests use); every call must succeed. */
function seed(runner: string, dataDir: string, calls: { command: string; input: unknown }[]): RunnerResult[] {
  const file = join(dataDir, `seed-${Date.now()}.json`);
  writeFileSync(file, JSON.stringify(calls));
  const r = spawnSync(process.execPath, [runner, dataDir, 'run', file], { encoding: 'utf8', timeout: 120_000 });
  const line = (r.stdout ?? '').trim().split('\n').at(-1) ?? '';
  if (!line.startsWith('{')) throw new Error(`the seeding runner printed no result: ${r.stderr}`);
  const { results } = JSON.parse(line) as { results: RunnerResult[] };
  const failed = results.findIndex((x) => !x.ok);
  if (failed >= 0) throw new Error(`seeding ${calls[failed]!.command} failed: ${JSON.stringify(results[failed]!.error)}`);
  return results;
}

async function openEnrollment(page: Page, openUrl: string): Promise<void> {
  await page.goto(openUrl);
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Enrollment/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Enrollment' })).toBeVisible();
}

const gridRow = (page: Page, name: string): Locator => page.getByRole('grid', { name: 'VMs to enroll' }).locator(`[data-vm="${name}"]`);

// The store is seeded before the host starts: a vCenter (vcsim) synced, a guest credential, a
// public pool and a manual firewall. VM0 and VM3 run Debian 12, VM1 an OS no rule covers, VM2 is
// powered off.
const seeded = mkdtempSync(join(tmpdir(), 'outpost-e2e-enroll-'));
const VM = (i: number): string => `DC0_C0_H0_VM${i}`;

test.describe('enrollment against a real vcsim', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  test.use({ hostDataDir: seeded, hostVaultPassphrase: LAB_PASSPHRASE });
  test.setTimeout(240_000);
  let vc: Vcsim;

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    const runner = await buildEnrollmentRunner();
    vc = await startVcsim({ vms: 4, hosts: 1, clusters: 1, guestOs: [DEBIAN, 'otherGuest=Other (32-bit)', DEBIAN, DEBIAN] });
    const [, , listed] = seed(runner, seeded, [
      { command: 'sites.add', input: { name: 'lab', url: vc.url, username: vc.username, password: vc.password, trustFingerprint: vc.fingerprint } },
      { command: 'inventory.sync', input: { site: 'lab' } },
      { command: 'vms.list', input: { site: 'lab' } },
    ]);
    const off = (listed!.value as { name: string; moref: string }[]).find((v) => v.name === VM(2))!;
    const operator = await VsphereOperator.connect(vc);
    await operator.power(off.moref, 'off');
    await operator.close();
    seed(runner, seeded, [
      { command: 'inventory.sync', input: { site: 'lab' } },
      { command: 'credentials.add', input: { name: 'guest-root', username: 'root', secret: { type: 'password', password: GUEST_PASSWORD } } },
      { command: 'ipam.pools.add', input: { name: 'pub', cidr: '203.0.113.0/28', kind: 'public' } },
      { command: 'firewalls.add', input: { name: 'edge', driver: 'manual', settings: { manualSyntax: 'iptables' } } },
    ]);
  });
  test.afterAll(async () => {
    await vc?.stop();
    rmSync(seeded, { recursive: true, force: true });
  });

  test('pick VMs with hints, choose targets, see per-VM requirement results, run the eligible ones with live progress, empty CMDB', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await openEnrollment(page, host.info.openUrl);

    // Step 1: the inventory's VMs with what stands against them.
    await expect(page.getByLabel('vCenter', { exact: true })).toHaveValue('lab');
    await expect(gridRow(page, VM(0))).toBeVisible();
    await expect(gridRow(page, VM(2)).locator('[data-hint="powered-off"]')).toHaveText('Powered off');
    await expect(gridRow(page, VM(0)).getByTestId('enroll-hints')).toHaveText('Looks eligible');
    await expect(gridRow(page, VM(1)).locator('[data-hint="os-unsupported"]')).toHaveText('OS not covered');
    await page.getByRole('button', { name: /^Next: targets/ }).click();
    await expect(page.getByTestId('wizard-problems')).toHaveText('Pick at least one VM.');

    // The search narrows the grid; picks survive it.
    await page.getByLabel('Search VMs to enroll').fill(VM(1));
    await expect(page.getByRole('grid', { name: 'VMs to enroll' })).toHaveAttribute('data-rendered-query', VM(1));
    await gridRow(page, VM(1)).click();
    await page.getByLabel('Search VMs to enroll').fill('');
    for (const i of [0, 2, 3]) await gridRow(page, VM(i)).click();
    await expect(page.getByTestId('enroll-selected-count')).toHaveText('4 VMs picked');
    await page.getByRole('button', { name: 'Next: targets for 4 VMs' }).click();

    // Step 2: the contract's rules mark what is missing; then the targets.
    await page.getByRole('button', { name: 'Next: check' }).click();
    await expect(page.getByLabel('Credential profile')).toHaveAttribute('aria-invalid', 'true');
    await page.getByLabel('Credential profile').selectOption('guest-root');
    await page.getByLabel('Firewall', { exact: true }).selectOption('edge');
    await page.getByLabel('Public pool').selectOption('pub');
    await page.getByLabel('Concurrency').fill('2');
    await expect(page.getByRole('complementary', { name: 'OS requirements' })).toContainText('os-requirements.json');
    // No guest is reachable from here (vcsim invents its guests' addresses): inventory checks only.
    await page.getByRole('checkbox', { name: /Log in to each guest/ }).uncheck();
    await page.getByRole('button', { name: 'Next: check' }).click();

    // Step 3: the real check, per VM.
    await expect(page.getByTestId('check-summary')).toHaveText('2 of 4 eligible, 2 not');
    const result = (i: number): Locator => page.getByRole('article', { name: `Check of ${VM(i)}` });
    await expect(result(0).getByTestId('check-verdict')).toHaveText('Eligible');
    await expect(result(0).getByTestId('check-os-rule')).toHaveAttribute('data-status', 'pass');
    await expect(result(0).getByTestId('check-os-rule')).toContainText('Debian');
    await expect(result(0).getByTestId('check-credentials')).toHaveAttribute('data-status', 'skipped');
    await expect(result(1).getByTestId('check-verdict')).toHaveText('Not eligible');
    await expect(result(1).getByTestId('check-os-rule')).toHaveAttribute('data-status', 'fail');
    await expect(result(1).getByTestId('check-os-rule')).toContainText('OS_REQUIREMENT');
    await expect(result(2).getByTestId('check-powered-on')).toHaveAttribute('data-status', 'fail');
    await expect(result(2).getByTestId('check-powered-on')).toContainText('ENROLL_INELIGIBLE');
    await expect(result(2).getByTestId('check-powered-on')).toContainText('poweredOff');
    await expect(page.getByRole('region', { name: 'Firewall and pool' }).getByTestId('check-pool')).toHaveAttribute('data-status', 'pass');
    await expect(page.getByTestId('check-pool-free')).toHaveText('14 addresses free in the pool.');
    await expect(page.getByTestId('enroll-run-note')).toHaveText('2 VMs are not eligible and will be left out.');

    // Step 4: the two eligible VMs run as procedures. Their guests do not exist, so each fails at
    // the guest login and rolls back: each row says why, both stay visible, each links to its run.
    await page.getByRole('button', { name: 'Enroll 2 eligible VMs' }).click();
    const progress = page.getByRole('region', { name: 'Enrollment progress' });
    const rows = progress.getByTestId('batch-row');
    await expect(rows).toHaveCount(2);
    await expect(progress.locator(`[data-vm="${VM(0)}"]`)).toBeVisible();
    await expect(progress.locator(`[data-vm="${VM(3)}"]`)).toBeVisible();
    await expect(page.getByTestId('batch-summary')).toHaveText(/^0 of 2 done, 2 failed\. Finished\./, { timeout: 90_000 });
    for (const i of [0, 3]) {
      const row = progress.locator(`[data-vm="${VM(i)}"]`);
      await expect(row).toHaveAttribute('data-state', /^(failed|rolled-back)$/);
      await expect(row.getByTestId('batch-error')).toContainText(/^[A-Z_]+ at Validate the guest credentials/);
    }
    const link = progress.locator(`[data-vm="${VM(0)}"]`).getByRole('link');
    const href = (await link.getAttribute('href'))!;
    await link.click();
    await expect(page).toHaveURL(new RegExp(`${href.replace(/[/#]/g, '\\$&')}$`));
    await expect(page.getByTestId('procedure-state')).toHaveText(/failed|rolled-back/);
    await page.goBack();

    // The wizard kept its place; the CMDB has nothing (a failed enrollment records nothing).
    await expect(page.getByTestId('batch-summary')).toContainText('2 failed');
    await page.getByRole('tab', { name: /^CMDB/ }).click();
    await expect(page.getByRole('region', { name: 'Nothing is enrolled yet' })).toBeVisible();
    await page.getByLabel('Record status').selectOption('all');
    await expect(page.getByText('No CMDB records match these filters.')).toBeVisible();
    expect(problems).toEqual([]);
  });
});
