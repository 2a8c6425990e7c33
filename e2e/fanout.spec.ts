import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { freePort, generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server';
import { createJumpLab, type JumpLab } from '../test/lab/jump-lab';
import { startVcsim, vcsimUnavailable, type Vcsim } from '../test/peers/vcsim';
import { expect, test } from './host-fixture';

test.use({ hostVaultPassphrase: 'e2e-fanout-passphrase' });

const rowOf = (panel: Locator, host: string): Locator => panel.locator(`[data-testid="fanout-row"][data-host="${host}"]`);

/** Opens the console, then Terminals → Run on many hosts; page errors are collected for the end of the test. */
async function openFanoutPanel(page: Page, url: string): Promise<{ panel: Locator; problems: string[] }> {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  await page.goto(url);
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
  await page.getByTestId('fanout-toggle').click();
  await expect(page).toHaveURL(/#\/terminals\/fanout$/);
  return { panel: page.getByTestId('fanout-panel'), problems };
}

/** Saves a root private-key credential profile from the panel's "New credential…" form; the panel then has it selected. */
async function saveRootKeyCredential(panel: Locator, name: string, privateKey: string): Promise<void> {
  await panel.getByRole('button', { name: 'New credential…' }).click();
  const form = panel.getByTestId('new-credential');
  await form.getByLabel('Name', { exact: true }).fill(name);
  await form.getByLabel('User name').fill('root');
  await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
  await form.getByLabel('Private key', { exact: true }).fill(privateKey);
  await form.getByRole('button', { name: 'Save credential' }).click();
  await expect(panel.getByLabel('Credential profile')).toHaveValue(name);
}

test.describe('run on many hosts against real sshd peers', () => {
  test.skip(!sshdAvailable() || process.getuid?.() !== 0, 'needs root and openssh-server');
  let dir: string;
  let home: string;
  let savedHome: string | undefined;
  let privateKey: string;
  let fast: Sshd;
  let slow: Sshd;
  let failing: Sshd;
  let stranger: Sshd;
  let closedPort: number;

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-fanout-'));
    const key = generateKey(join(dir, 'id'));
    privateKey = key.privateKey;
    fast = await startSshd({ dir, authorizedKeys: [key.publicKey] });
    slow = await startSshd({ dir, authorizedKeys: [key.publicKey] });
    failing = await startSshd({ dir, authorizedKeys: [key.publicKey] });
    stranger = await startSshd({ dir, authorizedKeys: [key.publicKey] });
    closedPort = await freePort();
    // The host process reads the operator's ~/.ssh/config: give it a HOME of its own with one host in it.
    home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), `Host lab-failing\n  HostName 127.0.0.1\n  Port ${failing.port}\n  User root\n\nHost *\n  ServerAliveInterval 30\n`);
    savedHome = process.env.HOME;
    process.env.HOME = home;
  });
  test.afterAll(() => {
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    for (const s of [fast, slow, failing, stranger]) s?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('paste hosts and import ~/.ssh/config, see unknown keys with fingerprints, trust and re-run, rows fill in live (slow host last), sort, filter, expand, reopen late and cancel', async ({ page, host }) => {
    const { panel, problems } = await openFanoutPanel(page, host.info.openUrl);
    await expect(panel.getByText('No run yet.')).toBeVisible();
    // The terminals' empty state is hidden while the fan-out panel is open.
    await expect(page.getByRole('heading', { name: 'No terminal open' })).toBeHidden();

    // Targets: a pasted list (a duplicate and a comment), plus the ~/.ssh/config host.
    const hosts = panel.getByLabel('Hosts', { exact: true });
    await hosts.fill([`127.0.0.1:${fast.port}`, `127.0.0.1:${slow.port}  # slow one`, `127.0.0.1:${closedPort}`, `127.0.0.1:${stranger.port}`, `127.0.0.1:${fast.port}`].join('\n'));
    await expect(panel.getByTestId('fanout-target-count')).toHaveText('4 targets');
    await panel.getByRole('button', { name: 'Import ~/.ssh/config hosts…' }).click();
    const config = panel.getByTestId('fanout-ssh-config');
    await expect(config.getByText('lab-failing')).toBeVisible();
    await config.getByRole('button', { name: 'Add 1 hosts' }).click();
    await expect(panel.getByTestId('fanout-config-hosts')).toContainText('lab-failing');
    await expect(panel.getByTestId('fanout-target-count')).toHaveText('5 targets');

    // A credential profile saved from the panel (the key goes to the vault once).
    await saveRootKeyCredential(panel, 'fan-root', privateKey);

    // Bad input is refused in the form before anything runs.
    await panel.getByLabel('Concurrency').fill('500');
    await panel.getByLabel('Command').fill('true');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(panel.getByTestId('fanout-form-error')).toHaveText('Concurrency is a whole number from 1 to 200.');
    await panel.getByLabel('Concurrency').fill('10');

    const command = `p=$(echo "$SSH_CONNECTION" | cut -d" " -f4); echo "start-$p"; [ "$p" = ${slow.port} ] && sleep 4; echo "out-$p"; echo second-line; echo "warn-$p" >&2; [ "$p" = ${failing.port} ] && exit 3; exit 0`;
    await panel.getByLabel('Command').fill(command);
    await panel.getByRole('button', { name: 'Run', exact: true }).click();

    // Every sshd is new to Outpost: nothing is sent, the fingerprints are listed; the closed port is unreachable.
    const summary = panel.getByTestId('fanout-summary');
    await expect(summary).toContainText('5/5 done');
    await expect(summary).toContainText('5 failed');
    await expect(rowOf(panel, `127.0.0.1:${closedPort}`).getByTestId('fanout-status')).toHaveText('UNREACHABLE');
    const unknown = panel.getByTestId('fanout-unknown-keys');
    await expect(unknown.getByRole('heading')).toHaveText('4 host keys are not known');
    for (const s of [fast, slow, failing, stranger]) await expect(unknown.getByText(s.fingerprint)).toBeVisible();
    // Trust three of them; the stranger stays unknown.
    await unknown.getByRole('checkbox', { name: new RegExp(`127\\.0\\.0\\.1:${stranger.port}`) }).uncheck();
    await unknown.getByRole('button', { name: 'Trust and re-run these 3 hosts' }).click();

    // Rows fill in as hosts finish: the fast ones are done while the slow one still runs.
    await expect(rowOf(panel, `127.0.0.1:${fast.port}`).getByTestId('fanout-status')).toHaveText('ok');
    await expect(rowOf(panel, `127.0.0.1:${failing.port}`).getByTestId('fanout-exit')).toHaveText('3');
    await expect(rowOf(panel, `127.0.0.1:${slow.port}`).getByTestId('fanout-status')).toHaveText('running');
    await expect(panel.getByTestId('fanout-cancel')).toBeVisible();
    // The slow host's output, live: what it printed so far while it runs, the rest as it comes (the pane stays open).
    await rowOf(panel, `127.0.0.1:${slow.port}`).getByRole('button', { name: `127.0.0.1:${slow.port}` }).click();
    const pane = panel.getByTestId('fanout-output-pane');
    await expect(pane.getByTestId('fanout-output-stdout')).toContainText(`start-${slow.port}`);
    await expect(rowOf(panel, `127.0.0.1:${slow.port}`).getByTestId('fanout-status')).toHaveText('running');
    await expect(pane.getByTestId('fanout-output-line')).toHaveText([`1start-${slow.port}`, `2out-${slow.port}`, '3second-line', `1warn-${slow.port}`], { timeout: 15_000 });
    await expect(rowOf(panel, `127.0.0.1:${slow.port}`).getByTestId('fanout-status')).toHaveText('ok', { timeout: 15_000 });
    // Search the output: only the matching lines, the match marked.
    await pane.getByLabel('Search output').fill('SECOND');
    await expect(pane.getByTestId('fanout-output-stdout').getByTestId('fanout-output-line')).toHaveText(['3second-line']);
    await expect(pane.locator('mark')).toHaveText(['second']);
    await pane.getByLabel('Search output').fill('');
    // At 1280x800 the panel, its table and the pane do not scroll sideways (long lines and errors wrap).
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const el of [panel, panel.locator('.table-scroll').first(), pane]) expect(await el.evaluate((e) => e.scrollWidth - e.clientWidth)).toBeLessThanOrEqual(0);
    await expect(summary).toContainText('2 ok');
    await expect(summary).toContainText('3 failed');
    await expect(rowOf(panel, `127.0.0.1:${stranger.port}`).getByTestId('fanout-status')).toHaveText('HOST_KEY_UNKNOWN');
    await expect(unknown.getByRole('heading')).toHaveText('1 host key is not known');

    // Sort by exit code (descending puts exit 3 first), filter failed only, expand a row.
    const table = panel.getByTestId('fanout-results');
    await table.getByRole('button', { name: 'Exit' }).click();
    await table.getByRole('button', { name: 'Exit' }).click();
    await expect(table.getByRole('columnheader', { name: /Exit/ })).toHaveAttribute('aria-sort', 'descending');
    await expect(table.getByTestId('fanout-row').first()).toHaveAttribute('data-host', `127.0.0.1:${failing.port}`);
    await panel.getByLabel('Failed only').check();
    await expect(table.getByTestId('fanout-row')).toHaveCount(3);
    await rowOf(panel, `127.0.0.1:${failing.port}`).click();
    await expect(pane.getByRole('heading', { level: 3 })).toContainText(`127.0.0.1:${failing.port}`);
    await expect(pane.getByTestId('fanout-output-stdout').getByTestId('fanout-output-line')).toHaveText([`1start-${failing.port}`, `2out-${failing.port}`, '3second-line']);
    await expect(pane.getByTestId('fanout-output-stderr')).toContainText(`warn-${failing.port}`);
    await panel.getByLabel('Failed only').uncheck();
    await expect(table.getByTestId('fanout-row')).toHaveCount(5);

    // Re-run failed hosts: the 3 failed ones (exit 3, unknown key, unreachable) run again, their output starts over.
    await panel.getByTestId('fanout-rerun-failed').click();
    await expect(summary).toContainText('5/5 done', { timeout: 15_000 });
    await expect(summary).toContainText('2 ok');
    await expect(summary).toContainText('3 failed');
    await expect(rowOf(panel, `127.0.0.1:${failing.port}`).getByTestId('fanout-exit')).toHaveText('3');
    await expect(pane.getByTestId('fanout-output-stdout').getByTestId('fanout-output-line')).toHaveText([`1start-${failing.port}`, `2out-${failing.port}`, '3second-line']);

    // A long run, the page reloaded while it runs (the job is read back), then cancelled.
    await panel.getByRole('button', { name: 'Remove lab-failing' }).click();
    await hosts.fill([fast, slow, failing].map((s) => `127.0.0.1:${s.port}`).join('\n'));
    await panel.getByLabel('Concurrency').fill('1');
    await panel.getByLabel('Command').fill('sleep 30');
    await expect(panel.getByTestId('fanout-target-count')).toHaveText('3 targets');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(rowOf(panel, `127.0.0.1:${fast.port}`).getByTestId('fanout-status')).toHaveText('running');
    await page.reload();
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    const again = page.getByTestId('fanout-panel');
    await expect(rowOf(again, `127.0.0.1:${fast.port}`).getByTestId('fanout-status')).toHaveText('running');
    await expect(rowOf(again, `127.0.0.1:${slow.port}`).getByTestId('fanout-status')).toHaveText('pending');
    await again.getByTestId('fanout-cancel').click();
    await expect(again.getByTestId('fanout-summary')).toContainText('3 cancelled');
    await expect(again.getByTestId('fanout-cancel')).toBeHidden();

    // Back to the terminals.
    await page.getByTestId('fanout-toggle').click();
    await expect(page.getByRole('heading', { name: 'No terminal open' })).toBeVisible();
    expect(problems).toEqual([]);
  });
});

test.describe('run on inventory VMs (vcsim inventory, sshd at a VM guest IP)', () => {
  const unavailable = vcsimUnavailable();
  test.skip(!sshdAvailable() || process.getuid?.() !== 0 || unavailable !== null, `needs root, openssh-server and vcsim (${unavailable ?? 'ok'})`);
  test.setTimeout(180_000);
  let dir: string;
  let privateKey: string;
  let guest: Sshd;
  let vc: Vcsim;

  test.beforeAll(async () => {
    test.setTimeout(180_000);
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-fanout-vm-'));
    const key = generateKey(join(dir, 'id'));
    privateKey = key.privateKey;
    // VM 0 reports 127.0.0.2 as its guest IP; an sshd listens there, as the guest would.
    guest = await startSshd({ dir, authorizedKeys: [key.publicKey], listen: '127.0.0.2', port: await freePort() });
    vc = await startVcsim({ vms: 3, guestIps: ['127.0.0.2'] });
  });
  test.afterAll(async () => {
    guest?.stop();
    await vc?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('pick a VM by search in the panel, run on its guest IP through the host-key check', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    // A vCenter, synced (a new site syncs, then is watched, by itself), so the inventory knows the VMs and their guest IPs.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByRole('link', { name: 'Add a vCenter' }).click();
    await page.getByLabel('Name', { exact: true }).fill('lab');
    await page.getByLabel('URL', { exact: true }).fill(vc.url);
    await page.getByLabel('User', { exact: true }).fill(vc.username);
    await page.getByLabel('Password', { exact: true }).fill(vc.password);
    await page.getByRole('button', { name: 'Add vCenter' }).click();
    await page.getByTestId('trust-prompt').getByRole('button', { name: 'Trust and add' }).click();
    // A new site syncs by itself.
    await expect(page.getByTestId('sync-progress-lab')).toContainText('3 VMs', { timeout: 60_000 });

    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await page.getByTestId('fanout-toggle').click();
    const panel = page.getByTestId('fanout-panel');
    await panel.getByRole('button', { name: 'Add VMs from inventory…' }).click();
    const picker = panel.getByTestId('fanout-vm-picker');
    const vmRow = picker.getByTestId('vm-picker-row').filter({ hasText: '127.0.0.2' });
    await expect(vmRow).toHaveCount(1);
    const vmName = (await vmRow.getAttribute('data-vm'))!;
    await picker.getByLabel('Search VMs').fill(vmName);
    await expect(picker.getByTestId('vm-picker-grid')).toHaveAttribute('data-rendered-query', vmName);
    await expect(picker.getByTestId('vm-picker-row')).toHaveCount(1);
    await picker.getByTestId('vm-picker-row').click();
    await expect(panel.getByTestId('fanout-target-count')).toHaveText('1 target');
    await panel.getByLabel('SSH port on the VMs').fill(String(guest.port));

    await panel.getByRole('button', { name: 'New credential…' }).click();
    const form = panel.getByTestId('new-credential');
    await form.getByLabel('Name', { exact: true }).fill('vm-root');
    await form.getByLabel('User name').fill('root');
    await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
    await form.getByLabel('Private key', { exact: true }).fill(privateKey);
    await form.getByRole('button', { name: 'Save credential' }).click();
    await panel.getByLabel('Command').fill('echo "vm-$((40+2))"');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();

    const row = panel.locator(`[data-testid="fanout-row"][data-host="127.0.0.2:${guest.port}"]`);
    await expect(row).toContainText(`lab/${vmName}`);
    await expect(row.getByTestId('fanout-status')).toHaveText('HOST_KEY_UNKNOWN');
    const unknown = panel.getByTestId('fanout-unknown-keys');
    await expect(unknown.getByTestId('fanout-fingerprint')).toContainText(guest.fingerprint);
    await unknown.getByRole('button', { name: 'Trust and re-run this host' }).click();
    await expect(row.getByTestId('fanout-status')).toHaveText('ok');
    await expect(row).toContainText('vm-42');
    expect(problems).toEqual([]);
  });
});

test.describe('run on many hosts through a jump host (targets only the jump sshd can reach, in a network namespace)', () => {
  test.skip(!sshdAvailable() || process.getuid?.() !== 0, 'needs root and openssh-server');
  let dir: string;
  let savedHome: string | undefined;
  let privateKey: string;
  /** The only key the inner jump host (second hop of a chain) accepts. */
  let innerKey: string;
  let lab: JumpLab;

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-fanout-jump-'));
    const key = generateKey(join(dir, 'id'));
    privateKey = key.privateKey;
    const inner = generateKey(join(dir, 'inner'));
    innerKey = inner.privateKey;
    lab = await createJumpLab({ dir, authorizedKeys: [key.publicKey], targets: 3, innerJump: { authorizedKeys: [inner.publicKey] } });
    const home = join(dir, 'home');
    mkdirSync(join(home, '.ssh'), { recursive: true });
    writeFileSync(join(home, '.ssh', 'config'), `Host bastion\n  HostName 127.0.0.1\n  Port ${lab.jumpPort}\n  User root\n\nHost guest-2\n  HostName 127.0.0.1\n  Port ${lab.targets[2]!.port}\n  ProxyJump bastion\n`);
    savedHome = process.env.HOME;
    process.env.HOME = home;
  });
  test.afterAll(() => {
    if (savedHome === undefined) delete process.env.HOME;
    else process.env.HOME = savedHome;
    lab?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('Jump host(s) field and an ~/.ssh/config ProxyJump host: the bastion key is trusted once, then the targets\' keys, and every row runs via the jump host', async ({ page, host }) => {
    const { panel, problems } = await openFanoutPanel(page, host.info.openUrl);
    const [t0, t1, t2] = lab.targets as [Sshd, Sshd, Sshd];
    await panel.getByLabel('Hosts', { exact: true }).fill(`127.0.0.1:${t0.port}\n127.0.0.1:${t1.port}`);
    await panel.getByRole('button', { name: 'Import ~/.ssh/config hosts…' }).click();
    const config = panel.getByTestId('fanout-ssh-config');
    await expect(config.getByText('guest-2')).toBeVisible();
    await expect(config).toContainText('via bastion (its ProxyJump)');
    await config.getByRole('checkbox', { name: /^bastion/ }).uncheck();
    await config.getByRole('button', { name: 'Add 1 hosts' }).click();
    await expect(panel.getByTestId('fanout-target-count')).toHaveText('3 targets');

    await saveRootKeyCredential(panel, 'lab-root', privateKey);
    await panel.getByLabel('Command').fill('echo "port-$(echo "$SSH_CONNECTION" | cut -d" " -f4)"');

    // A jump chain it cannot read is said at once, and nothing runs.
    const jumpField = panel.getByLabel('Jump host(s)');
    await jumpField.fill('root@127.0.0.1:0');
    await expect(panel.getByTestId('jump-hosts-hint')).toContainText('is not [user@]host[:port]');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();
    await expect(panel.getByTestId('fanout-form-error')).toContainText('Jump host(s):');
    await jumpField.fill(`root@127.0.0.1:${lab.jumpPort}`);
    await expect(panel.getByTestId('jump-hosts-hint')).toContainText('Every target goes through this jump host');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();

    // The bastion is new: one key, for all three hosts; nothing reached a target.
    const summary = panel.getByTestId('fanout-summary');
    await expect(summary).toContainText('3/3 done');
    const unknown = panel.getByTestId('fanout-unknown-keys');
    await expect(unknown.getByRole('heading')).toHaveText('1 host key is not known');
    await expect(unknown.getByTestId('fanout-jump-key')).toHaveText('jump host of 3 hosts');
    await expect(unknown.getByTestId('fanout-fingerprint')).toContainText(lab.jumpSshd.fingerprint);
    await unknown.getByRole('button', { name: 'Trust and re-run these 3 hosts' }).click();
    // Through the trusted bastion, the targets' own keys are asked for.
    await expect(unknown.getByRole('heading')).toHaveText('3 host keys are not known');
    for (const t of lab.targets) await expect(unknown.getByText(t.fingerprint)).toBeVisible();
    await unknown.getByRole('button', { name: 'Trust and re-run these 3 hosts' }).click();
    await expect(summary).toContainText('3 ok');
    const via = `via root@127.0.0.1:${lab.jumpPort}`;
    for (const t of [t0, t1, t2]) {
      const row = rowOf(panel, `127.0.0.1:${t.port}`);
      await expect(row).toContainText(`port-${t.port}`);
      await expect(row.getByTestId('fanout-jump')).toHaveText(via);
    }
    await expect(unknown).toBeHidden();
    expect(problems).toEqual([]);
  });

  test('a two-hop chain whose hops need different credentials: one picker per hop (keyboard order), each hop\'s key trusted once, every row runs through both', async ({ page, host }) => {
    const { panel, problems } = await openFanoutPanel(page, host.info.openUrl);
    const inner = lab.innerJumpSshd!;
    await panel.getByLabel('Hosts', { exact: true }).fill(lab.targets.map((t) => `127.0.0.1:${t.port}`).join('\n'));
    await saveRootKeyCredential(panel, 'inner-jump', innerKey);
    await saveRootKeyCredential(panel, 'lab-root', privateKey);
    await panel.getByLabel('Command').fill('echo "port-$(echo "$SSH_CONNECTION" | cut -d" " -f4)"');

    const jumpField = panel.getByLabel('Jump host(s)');
    await jumpField.fill(`root@127.0.0.1:${lab.jumpPort}, root@127.0.0.1:${inner.port}`);
    const hops = panel.getByTestId('jump-hop');
    await expect(hops).toHaveCount(2);
    await expect(panel.getByTestId('jump-hop-address')).toHaveText([`root@127.0.0.1:${lab.jumpPort}`, `root@127.0.0.1:${inner.port}`]);
    // Keyboard: the chain, then hop 1's picker, then hop 2's.
    const hop1 = panel.getByLabel('Credential for hop 1');
    const hop2 = panel.getByLabel('Credential for hop 2');
    await jumpField.focus();
    await page.keyboard.press('Tab');
    await expect(hop1).toBeFocused();
    await page.keyboard.press('Tab');
    await expect(hop2).toBeFocused();
    await expect(hop1).toHaveValue('');
    await hop2.selectOption('inner-jump');
    await panel.getByRole('button', { name: 'Run', exact: true }).click();

    // Each hop's unknown key is asked for once, for all three rows, first the bastion, then the inner jump host.
    const summary = panel.getByTestId('fanout-summary');
    const unknown = panel.getByTestId('fanout-unknown-keys');
    for (const jumpSshd of [lab.jumpSshd, inner]) {
      await expect(unknown.getByTestId('fanout-jump-key')).toHaveText('jump host of 3 hosts');
      await expect(unknown.getByTestId('fanout-fingerprint')).toContainText(jumpSshd.fingerprint);
      await unknown.getByRole('button', { name: 'Trust and re-run these 3 hosts' }).click();
    }
    await expect(unknown.getByRole('heading')).toHaveText('3 host keys are not known');
    await unknown.getByRole('button', { name: 'Trust and re-run these 3 hosts' }).click();
    await expect(summary).toContainText('3 ok');
    const via = `via root@127.0.0.1:${lab.jumpPort} -> root@127.0.0.1:${inner.port}`;
    for (const t of lab.targets) {
      const row = rowOf(panel, `127.0.0.1:${t.port}`);
      await expect(row).toContainText(`port-${t.port}`);
      await expect(row.getByTestId('fanout-jump')).toHaveText(via);
      // The inner jump host made the last forward: the chain was really used.
      expect(inner.log()).toContain(`connected to 127.0.0.1 port ${t.port}`);
    }
    expect(problems).toEqual([]);
  });
});
