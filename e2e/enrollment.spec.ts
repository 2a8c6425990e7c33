import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from '@playwright/test';
import { buildEnrollmentRunner, createEnrollmentLab, DEBIAN, type EnrollmentLab } from '../test/lab/enrollment-lab';
import { labAvailable } from '../test/lab/netns-lab';
import { readmeScreenshots } from './screenshot-path';
import { sshdAvailable } from '../test/peers/openssh-server';
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
let seeded = '';
const VM = (i: number): string => `DC0_C0_H0_VM${i}`;

test.describe('enrollment against a real vcsim', () => {
  test.skip(unavailable !== null, `vcsim unavailable: ${unavailable}`);
  // The directory is made (and seeded) in beforeAll, which runs before the host fixture starts.
  // eslint-disable-next-line no-empty-pattern
  test.use({ hostDataDir: async ({}, use) => use(seeded), hostVaultPassphrase: LAB_PASSPHRASE });
  test.setTimeout(240_000);
  let vc: Vcsim;

  test.beforeAll(async () => {
    test.setTimeout(240_000);
    seeded = mkdtempSync(join(tmpdir(), 'outpost-e2e-enroll-'));
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
    if (seeded) rmSync(seeded, { recursive: true, force: true });
  });

  test('pick VMs with hints, choose targets, see per-VM requirement results, run the eligible ones with live progress, empty CMDB', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await openEnrollment(page, host.info.openUrl);

    // Step 1: the inventory's VMs with what stands against them.
    await expect(page.getByLabel('vCenter', { exact: true })).toHaveValue('lab');
    await expect(gridRow(page, VM(0))).toBeVisible();
    await expect(gridRow(page, VM(2)).locator('[data-hint="powered-off"]')).toHaveText('Powered off');
    await expect(gridRow(page, VM(0)).getByTestId('vm-picker-detail')).toHaveText('Looks eligible');
    await expect(gridRow(page, VM(1)).locator('[data-hint="os-unsupported"]')).toHaveText('OS not covered');
    await page.getByRole('button', { name: /^Next: targets/ }).click();
    await expect(page.getByTestId('wizard-problems')).toHaveText('Pick at least one VM.');

    // The search narrows the grid; picks survive it.
    await page.getByLabel('Search VMs to enroll').fill(VM(1));
    await expect(page.getByRole('grid', { name: 'VMs to enroll' })).toHaveAttribute('data-rendered-query', VM(1));
    await gridRow(page, VM(1)).click();
    await page.getByLabel('Search VMs to enroll').fill('');
    for (const i of [0, 2, 3]) await gridRow(page, VM(i)).click();
    await expect(page.getByTestId('vm-picker-selected-count')).toHaveText('4 VMs picked');
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
    await expect(page.getByRole('region', { name: 'Firewall and pool' }).getByTestId('check-pool')).toContainText('14 addresses free');
    await readmeScreenshots(page, 'screenshot-enrollment-check');
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

// ---------------------------------------------------------------------------------------------
// The whole flow in the netns lab (root, ip/iptables/nft, sshd, vcsim): vcsim, the guests (sshd
// in VM namespaces behind an iptables firewall) and the host all live where the lab's client
// namespace puts them; Chromium, in the root namespace, reaches the host through a Unix-socket
// bridge on the same port number (the host checks Host and Origin against its port).

const hostEntry = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'host', 'main.mjs');
const labWhy = (() => {
  const l = labAvailable();
  if (!l.ok) return l.why;
  if (!sshdAvailable()) return 'OpenSSH sshd is not installed';
  return unavailable;
})();

interface NamespacedHost {
  openUrl: string;
  stop(): Promise<void>;
}

/** A free port in the root namespace, held by the bridge's listener. */
function listenFree(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port));
  });
}

const FORWARDER = `
const net = require('node:net');
const [sock, port] = process.argv.slice(1);
net.createServer((c) => { const u = net.connect(Number(port), '127.0.0.1'); c.pipe(u).pipe(c); u.on('error', () => c.destroy()); c.on('error', () => u.destroy()); }).listen(sock, () => process.stdout.write('ready\\n'));
`;

async function firstLine(child: ChildProcess, what: string): Promise<string> {
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (c: string) => stderr.push(c));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${stderr.join('')}`)), 20_000);
    createInterface({ input: child.stdout! }).once('line', (line) => {
      clearTimeout(timer);
      resolve(line);
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${stderr.join('')}`)));
  });
}

/** outpost-host inside the lab's client namespace, reachable from here at 127.0.0.1:<same port>. */
async function startNamespacedHost(lab: EnrollmentLab, dataDir: string): Promise<NamespacedHost> {
  const bridge = createServer();
  const port = await listenFree(bridge);
  const sock = join(dataDir, 'host-bridge.sock');
  const host = spawn('ip', ['netns', 'exec', lab.lab.client, process.execPath, hostEntry, '--json', '--port', String(port), '--data-dir', dataDir], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: LAB_PASSPHRASE },
  });
  const info = JSON.parse(await firstLine(host, 'outpost-host')) as { openUrl: string; pid: number };
  const forwarder = spawn('ip', ['netns', 'exec', lab.lab.client, process.execPath, '-e', FORWARDER, sock, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await firstLine(forwarder, 'the namespace forwarder');
  } catch (err) {
    process.kill(info.pid, 'SIGTERM');
    bridge.close();
    throw err;
  }
  bridge.on('connection', (c) => {
    const u = connect(sock);
    c.pipe(u).pipe(c);
    u.on('error', () => c.destroy());
    c.on('error', () => u.destroy());
  });
  return {
    openUrl: info.openUrl,
    async stop() {
      bridge.close();
      if (forwarder.pid) process.kill(forwarder.pid, 'SIGTERM');
      const exited = new Promise((resolve) => host.once('exit', resolve));
      process.kill(info.pid, 'SIGTERM');
      await exited;
    },
  };
}

test.describe('enrollment and offboarding in the netns lab', () => {
  test.skip(labWhy !== null, `enrollment lab unavailable: ${labWhy}`);
  test.setTimeout(300_000);
  let lab: EnrollmentLab;
  let host: NamespacedHost;
  let dir = '';

  test.beforeAll(async () => {
    test.setTimeout(300_000);
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-enroll-lab-'));
    const dataDir = join(dir, 'data');
    // Two Debian guests behind the firewall, a third VM whose OS no rule covers, and a fourth whose
    // VMware Tools report guest 0's address (a stale report or an IP conflict: another machine).
    lab = await createEnrollmentLab({ vms: 2, extraVms: ['|otherGuest=Other (32-bit)', `guest-0|${DEBIAN}`], dir });
    const setup = await lab.run(dataDir, lab.setupCalls());
    const failed = setup.results.find((r) => !r.ok);
    if (failed || setup.results.length === 0) throw new Error(`lab setup failed: ${JSON.stringify(failed?.error ?? setup.stderr.slice(-2000))}`);
    host = await startNamespacedHost(lab, dataDir);
  });
  test.afterAll(async () => {
    await host?.stop();
    await lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('enroll two guests through the wizard (guest login checked; one guest lost before the run fails alone), CMDB and its CSV, offboard', async ({ page }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await openEnrollment(page, host.openUrl);
    const [vm0, vm1, other, impostor] = lab.vmNames as [string, string, string, string];

    for (const name of [vm0, vm1, other, impostor]) await gridRow(page, name).click();
    await expect(gridRow(page, other).locator('[data-hint="os-unsupported"]')).toBeVisible();
    await page.getByRole('button', { name: 'Next: targets for 4 VMs' }).click();
    await page.getByLabel('Credential profile').selectOption('guest-root');
    await page.getByLabel('Firewall', { exact: true }).selectOption('fw');
    await page.getByLabel('Public pool').selectOption('pub');
    await expect(page.getByRole('checkbox', { name: /Log in to each guest/ })).toBeChecked();
    await page.getByRole('button', { name: 'Next: check' }).click();

    // The check logs in to each guest: credentials (and how), that the machine is this VM, OS version, disk, services.
    await expect(page.getByTestId('check-summary')).toHaveText('2 of 4 eligible, 2 not', { timeout: 90_000 });
    for (const name of [vm0, vm1]) {
      const result = page.getByRole('article', { name: `Check of ${name}` });
      await expect(result.getByTestId('check-verdict')).toHaveText('Eligible');
      await expect(result.getByTestId('check-credential-method')).toHaveText(/^validated by (VMware Tools guest API|SSH login)/);
      for (const id of ['credentials', 'identity', 'os-version', 'free-disk', 'services']) await expect(result.getByTestId(`check-${id}`)).toHaveAttribute('data-status', /^(pass|warn)$/);
    }
    // The VM whose address leads to guest 0: refused, both UUIDs named, nothing more run there.
    const wrong = page.getByRole('article', { name: `Check of ${impostor}` });
    await expect(wrong.getByTestId('check-verdict')).toHaveText('Not eligible');
    await expect(wrong.getByTestId('check-identity')).toHaveAttribute('data-status', 'fail');
    await expect(wrong.getByTestId('check-identity')).toContainText('GUEST_IDENTITY_MISMATCH');
    await expect(wrong.getByTestId('check-identity')).toContainText(`its SMBIOS UUID is ${lab.guests[0]!.productUuid!.toLowerCase()}, but the VM's BIOS UUID in vCenter is ${lab.biosUuids[3]!}`);
    await expect(wrong.getByTestId('check-os-version')).toHaveAttribute('data-status', 'skipped');
    await expect(page.getByRole('article', { name: `Check of ${other}` }).getByTestId('check-os-rule')).toContainText('OS_REQUIREMENT');
    await expect(page.getByRole('region', { name: 'Firewall and pool' }).getByTestId('check-firewall')).toHaveAttribute('data-status', 'pass');

    // Between the check and the run, VM1's guest stops accepting connections (its sshd stops): VM1
    // fails and rolls back with its own error, VM0 enrolls; both rows stay in the list.
    lab.guests[1]!.stop();
    await page.getByRole('button', { name: 'Enroll 2 eligible VMs' }).click();
    const progress = page.getByRole('region', { name: 'Enrollment progress' });
    await expect(page.getByTestId('batch-summary')).toHaveText(/^1 of 2 done, 1 failed\. Finished\./, { timeout: 180_000 });
    await expect(progress.locator(`[data-vm="${vm0}"]`)).toHaveAttribute('data-state', 'succeeded');
    await expect(progress.locator(`[data-vm="${vm1}"]`)).toHaveAttribute('data-state', /^(failed|rolled-back)$/);
    // Which step notices depends on whether a pooled session from the check still stands
    // (then the login through the public IP is the first new connection): a code, a step, a reason.
    await expect(progress.locator(`[data-vm="${vm1}"]`).getByTestId('batch-error')).toHaveText(/^[A-Z_]+ at [^:]+: \S.*/);

    // The CMDB has the enrolled one with its public address; the picker now calls it enrolled.
    await page.getByRole('tab', { name: /^CMDB/ }).click();
    const cmdbRow = (name: string): Locator => page.getByTestId('cmdb-table').locator(`[data-vm="${name}"]`);
    await expect(page.getByTestId('cmdb-row')).toHaveCount(1);
    const publicIp = (await cmdbRow(vm0).getByTestId('cmdb-public-ip').textContent())!;
    expect(publicIp).toMatch(/^203\.0\.113\.\d+$/);

    // Export CSV of the current filter: searching one VM's public IP exports that one record.
    await page.getByLabel('Search the CMDB').fill(publicIp);
    await expect(page.getByTestId('cmdb-row')).toHaveCount(1);
    await expect(cmdbRow(vm0)).toBeVisible();
    const downloading = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toMatch(/^outpost-cmdb-.*\.csv$/);
    const lines = readFileSync(await download.path(), 'utf8').trimEnd().split('\r\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(vm0);
    expect(lines[1]).toContain(publicIp);
    await page.getByLabel('Search the CMDB').fill(lab.guests[1]!.ip);
    await expect(page.getByText('No CMDB records match these filters.')).toBeVisible();
    await page.getByLabel('Search the CMDB').fill('');
    await expect(page.getByTestId('cmdb-row')).toHaveCount(1);
    await page.getByRole('tab', { name: 'Enroll' }).click();
    await page.getByRole('button', { name: 'Enroll more VMs' }).click();
    await expect(gridRow(page, vm0).locator('[data-hint="enrolled"]')).toHaveText('Already enrolled');

    // Offboard one: the confirmation names its NAT and address; the CMDB follows live.
    await page.getByRole('tab', { name: /^CMDB/ }).click();
    await cmdbRow(vm0).getByRole('checkbox', { name: `Pick ${vm0} to offboard` }).check();
    await page.getByRole('button', { name: 'Offboard 1 VM…' }).click();
    const dialog = page.getByRole('alertdialog');
    await expect(dialog.getByTestId('offboard-effects')).toContainText(`remove the NAT ${publicIp} →`);
    await expect(dialog.getByTestId('offboard-effects')).toContainText(`release ${publicIp} back to its pool`);
    await expect(dialog.getByTestId('offboard-effects')).toContainText('delete the service account outpost');
    await dialog.getByRole('button', { name: 'Offboard 1 VM' }).click();
    const offboarding = page.getByRole('region', { name: 'Offboarding progress' });
    await expect(offboarding.getByTestId('batch-summary')).toHaveText(/^1 of 1 done\. Finished\./, { timeout: 120_000 });
    await expect(page.getByRole('region', { name: 'Nothing is enrolled yet' })).toBeVisible();
    await page.getByLabel('Record status').selectOption('offboarded');
    await expect(cmdbRow(vm0).getByTestId('cmdb-offboarded')).toContainText('by ');
    expect(problems).toEqual([]);
  });
});
