import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from '@playwright/test';
import { createOutpostCore } from '../core/server/core';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server';
import { expect, test } from './host-fixture';
import { useSshd } from './sshd-peer';

test.use({ hostVaultPassphrase: 'e2e-terminals-passphrase' });

/** What xterm drew, row by row, read from the DOM renderer's rows (or the accessibility tree when present). */
async function drawnRows(pane: Locator): Promise<string[]> {
  return pane.locator('.xterm-rows > div, .xterm-accessibility-tree > div').evaluateAll((rows) => rows.map((r) => (r.textContent ?? '').replace(/\u00a0/g, ' ').trimEnd()));
}

async function expectDrawnLine(pane: Locator, line: string): Promise<void> {
  await expect.poll(async () => (await drawnRows(pane)).includes(line), { message: `a row reading exactly "${line}"` }).toBe(true);
}

async function typeInto(page: Page, pane: Locator, text: string): Promise<void> {
  await pane.getByTestId('terminal-host').click();
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

/** New terminal → a credential saved from the dialog → the unknown host key confirmed → connected. */
async function openFirstTerminal(page: Page, sshd: Sshd, privateKey: string): Promise<void> {
  await page.getByTestId('open-terminal').click();
  const dialog = page.getByTestId('open-terminal-dialog');
  await dialog.getByLabel('Host', { exact: true }).fill('127.0.0.1');
  await dialog.getByLabel('Port', { exact: true }).fill(String(sshd.port));
  // No credential profile yet: save one from the dialog (the key goes to the vault once).
  await dialog.getByRole('button', { name: 'New credential…' }).click();
  const form = dialog.getByTestId('new-credential');
  await form.getByLabel('Name', { exact: true }).fill('e2e-root');
  await form.getByLabel('User name').fill('root');
  await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
  await form.getByLabel('Private key', { exact: true }).fill(privateKey);
  await form.getByRole('button', { name: 'Save credential' }).click();
  await expect(dialog.getByLabel('Credential profile')).toHaveValue('e2e-root');

  // The host key is unknown: its fingerprint is shown (the one ssh-keygen -lf prints) before anything is sent.
  await dialog.getByRole('button', { name: 'Connect' }).click();
  await expect(dialog.getByTestId('host-key-fingerprint')).toContainText(sshd.fingerprint);
  await dialog.getByRole('button', { name: 'Trust and connect' }).click();
  await expect(dialog).toBeHidden();
}

test.describe('terminals against a real sshd', () => {
  let sshd: Sshd;
  let privateKey: string;
  useSshd('outpost-e2e-sshd-', (peer) => ({ sshd, privateKey } = peer));

  test('open a tab through the host-key prompt, type echo hello-outpost and see it drawn; split, broadcast, zoom, reconnect', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    // Output comes on the host's HTTP output stream, opened once a terminal is shown.
    const outputStreams: number[] = [];
    page.on('response', (response) => {
      if (new URL(response.url()).pathname === '/terminal-output') outputStreams.push(response.status());
    });
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await expect(page.getByRole('heading', { name: 'No terminal open' })).toBeVisible();
    expect(outputStreams).toEqual([]);

    await openFirstTerminal(page, sshd, privateKey);
    const dialog = page.getByTestId('open-terminal-dialog');

    const first = page.getByTestId('terminal-pane').first();
    await expect(first.getByTestId('terminal-state')).toHaveText('open');
    // Whatever xterm draws with (WebGL on a GPU, the DOM renderer otherwise), screen reader mode
    // mirrors its rows into the accessibility tree, which is what this test reads.
    await page.getByRole('button', { name: 'Screen reader' }).click();
    await expect(first.locator('.xterm-accessibility-tree')).toHaveCount(1);
    await typeInto(page, first, 'echo hello-outpost');
    await expectDrawnLine(first, 'hello-outpost');
    expect(outputStreams).toEqual([200]);

    // Resize → pty window change: the shell sees the size xterm fitted to the pane.
    await typeInto(page, first, 'echo size-$(stty size | tr " " x)');
    await expect.poll(async () => (await drawnRows(first)).some((r) => /^size-\d+x\d+$/.test(r))).toBe(true);
    const size = (await drawnRows(first)).find((r) => /^size-\d+x\d+$/.test(r))!;
    const [rows, cols] = size.slice(5).split('x').map(Number);
    expect(cols).toBeGreaterThan(40);
    expect(rows).toBeGreaterThan(5);

    // Zoom: Ctrl+= makes the text larger (and the shell gets fewer columns).
    await expect(page.getByText('13px')).toBeVisible();
    await first.getByTestId('terminal-host').click();
    await page.keyboard.press('Control+Equal');
    await page.keyboard.press('Control+Equal');
    await expect(page.getByText('15px')).toBeVisible();

    // Split: a second terminal beside the first (host key now known: no prompt).
    // The host just used is offered under "Recent hosts" (host, port, credential; never a secret).
    await page.getByRole('button', { name: 'Split' }).click();
    await dialog.getByLabel('Recent hosts').selectOption({ index: 1 });
    await expect(dialog.getByLabel('Host', { exact: true })).toHaveValue('127.0.0.1');
    await expect(dialog.getByLabel('Port', { exact: true })).toHaveValue(String(sshd.port));
    await expect(dialog.getByLabel('Credential profile')).toHaveValue('e2e-root');
    await dialog.getByRole('button', { name: 'Connect' }).click();
    await expect(dialog).toBeHidden();
    const panes = page.getByTestId('terminal-pane');
    await expect(panes).toHaveCount(2);
    const second = panes.nth(1);
    await expect(second.getByTestId('terminal-state')).toHaveText('open');

    // Broadcast: what is typed in one goes to both.
    await page.getByTestId('broadcast-toggle').click();
    await expect(page.getByTestId('broadcast-toggle')).toHaveText('Broadcasting to 2');
    await typeInto(page, second, 'echo both-$((6*7))');
    await expectDrawnLine(first, 'both-42');
    await expectDrawnLine(second, 'both-42');
    await page.getByTestId('broadcast-toggle').click();
    await typeInto(page, second, 'echo only-$((2+3))');
    await expectDrawnLine(second, 'only-5');
    expect(await drawnRows(first)).not.toContain('only-5');

    // Reconnect: a new connection and shell in the same pane.
    await first.getByRole('button', { name: 'Reconnect', exact: true }).click();
    // Until the new connection is up, typed input has no shell to go to: wait for the button to come back.
    await expect(first.getByRole('button', { name: 'Reconnect', exact: true })).toBeEnabled();
    await expect(first.getByTestId('terminal-state')).toHaveText('open');
    await expectDrawnLine(first, `[outpost] reconnecting to root@127.0.0.1:${sshd.port}…`);
    await typeInto(page, first, 'echo again-$((3*3))');
    await expectDrawnLine(first, 'again-9');

    // exit ends the shell; the pane says so.
    await typeInto(page, second, 'exit 4');
    await expect(second.getByTestId('terminal-state')).toHaveText('closed (exit 4)');
    expect(problems).toEqual([]);
  });

  test('without WebGL the DOM renderer draws, styled despite the CSP (no inline styles)', async ({ page, host }) => {
    // A browser without WebGL2: the addon cannot start and xterm keeps its DOM renderer.
    await page.addInitScript(() => {
      const getContext = HTMLCanvasElement.prototype.getContext;
      HTMLCanvasElement.prototype.getContext = function (this: HTMLCanvasElement, kind: string, ...rest: unknown[]) {
        return kind === 'webgl2' ? null : (getContext as (...a: unknown[]) => unknown).call(this, kind, ...rest);
      } as typeof getContext;
    });
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await openFirstTerminal(page, sshd, privateKey);
    const pane = page.getByTestId('terminal-pane').first();
    await expect(pane.getByTestId('terminal-host')).toHaveAttribute('data-renderer', 'dom');
    await typeInto(page, pane, 'echo dom-$((5*5))');
    await expectDrawnLine(pane, 'dom-25');
    // xterm's theme arrives as a <style> the CSP refuses; the mirrored sheet applies it: rows in the theme's foreground.
    await expect(pane.locator('.xterm-rows')).toHaveCSS('color', 'rgb(216, 222, 233)');
  });

  test('a flood is drawn at a capped frame rate, all of it, and typing afterwards draws at once', async ({ page, host }) => {
    await page.goto(host.info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await openFirstTerminal(page, sshd, privateKey);
    const pane = page.getByTestId('terminal-pane').first();
    const hostEl = pane.getByTestId('terminal-host');
    await expect(hostEl).toHaveAttribute('data-render-cap', 'on');
    await typeInto(page, pane, 'echo ready-$((6*7))');
    await expectDrawnLine(pane, 'ready-42');
    // Over the flood: the bytes the pane says xterm parsed, and the animation frames in which
    // xterm changed its rows (whichever of its paths redrew them), with the page's clock.
    await hostEl.evaluate((el) => {
      const w = window as unknown as { floodSamples: [number, number, number][] };
      w.floodSamples = [];
      let frame = 0;
      let redraws = 0;
      let lastRedrawFrame = -1;
      const tick = (): void => {
        frame++;
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
      new MutationObserver(() => {
        if (frame === lastRedrawFrame) return;
        lastRedrawFrame = frame;
        redraws++;
      }).observe(el.querySelector('.xterm-rows')!, { childList: true, subtree: true });
      new MutationObserver(() => w.floodSamples.push([performance.now(), Number(el.dataset.drawn), redraws])).observe(el, { attributes: true, attributeFilter: ['data-drawn'] });
    });
    const bytes = 99 * 600_000;
    await typeInto(page, pane, `head -c ${bytes} /dev/zero | tr '\\0' x | fold -w 99; echo; echo flood-done`);
    await expectDrawnLine(pane, 'flood-done');
    const samples = await page.evaluate(() => (window as unknown as { floodSamples: [number, number, number][] }).floodSamples);
    // Every byte was parsed (99 x's and CR LF per line), nothing dropped.
    const drawn = samples.at(-1)![1] - samples[0]![1];
    expect(drawn).toBeGreaterThanOrEqual(bytes + 2 * (bytes / 99 - 1));
    // Past the first half second the flood is redrawn at most about 20 frames a second (uncapped,
    // xterm redraws in 35-60 frames a second here), yet it is redrawn: the screen stays live.
    const start = samples.find((s) => s[0] >= samples[0]![0] + 500)!;
    const end = samples.filter((s) => s[1] < samples.at(-1)![1]).at(-1) ?? samples.at(-1)!;
    const seconds = (end[0] - start[0]) / 1000;
    expect(seconds).toBeGreaterThan(0.4);
    const perSecond = (end[2] - start[2]) / seconds;
    expect(perSecond).toBeGreaterThan(5);
    expect(perSecond).toBeLessThan(25);
    // The cap lifts when the output stops: typed input is echoed and drawn straight away.
    await typeInto(page, pane, 'echo after-$((2*21))');
    await expectDrawnLine(pane, 'after-42');
  });
});

/** A store as a vCenter sync leaves it: one site, one Linux VM whose guest IP is `ip`. */
async function seedInventory(dataDir: string, ip: string): Promise<void> {
  const core = await createOutpostCore({ dataDir, transport: 'host' });
  const now = new Date().toISOString();
  const site = await core.sql.run('INSERT INTO sites (name, url, username, created_at, last_sync_at) VALUES (?, ?, ?, ?, ?)', ['lab', 'https://vc.lab.invalid/sdk', 'u', now, now]);
  await core.sql.run(
    `INSERT INTO inv_vms (site_id, moref, name, guest_id, guest_full_name, power_state, ip_address, ip_addresses, tools_running_status, seen_run, first_seen_at, updated_at)
     VALUES (?, 'vm-42', 'web-42', 'ubuntu64Guest', 'Ubuntu Linux (64-bit)', 'poweredOn', ?, ?, 'guestToolsRunning', 1, ?, ?)`,
    [site.lastId, ip, ip, now, now],
  );
  await core.close();
}

test.describe('Open SSH terminal from an inventory VM', () => {
  test.skip(!sshdAvailable() || process.getuid?.() !== 0, 'needs root and openssh-server');
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-e2e-term-vm-'));
  let dir: string;
  let guest: Sshd;
  let privateKey: string;
  test.use({ hostDataDir: dataDir });

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-guest-'));
    const key = generateKey(join(dir, 'id'));
    privateKey = key.privateKey;
    // The "guest": an sshd on 127.0.0.2 (guests never report 127.0.0.1), reached by the IP the inventory holds.
    guest = await startSshd({ dir, listen: '127.0.0.2', authorizedKeys: [key.publicKey] });
    await seedInventory(dataDir, '127.0.0.2');
  });
  test.afterAll(() => {
    guest?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('the VM detail opens the terminal dialog with the VM picked; the shell runs on its guest IP', async ({ page, host }) => {
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await page.getByTestId('vm-row').filter({ hasText: 'web-42' }).click();
    await page.getByTestId('vm-detail').getByRole('button', { name: 'Open SSH terminal' }).click();

    const dialog = page.getByTestId('open-terminal-dialog');
    await expect(dialog).toContainText('Selected: web-42');
    await dialog.getByLabel('Port', { exact: true }).fill(String(guest.port));
    await dialog.getByRole('button', { name: 'New credential…' }).click();
    const form = dialog.getByTestId('new-credential');
    await form.getByLabel('Name', { exact: true }).fill('guest-root');
    await form.getByLabel('User name').fill('root');
    await form.getByLabel('Authentication', { exact: true }).selectOption('private-key');
    await form.getByLabel('Private key', { exact: true }).fill(privateKey);
    await form.getByRole('button', { name: 'Save credential' }).click();
    await dialog.getByRole('button', { name: 'Connect' }).click();
    // The prompt names the guest IP from the inventory and that sshd's key.
    await expect(dialog.getByTestId('host-key-prompt')).toContainText(`127.0.0.2:${guest.port}`);
    await expect(dialog.getByTestId('host-key-fingerprint')).toContainText(guest.fingerprint);
    await dialog.getByRole('button', { name: 'Trust and connect' }).click();
    await expect(dialog).toBeHidden();

    const pane = page.getByTestId('terminal-pane').first();
    await expect(pane).toContainText(`root@127.0.0.2:${guest.port}`);
    await page.getByRole('button', { name: 'Screen reader' }).click();
    await typeInto(page, pane, 'echo guest-$((40+2)) $SSH_CONNECTION');
    await expect.poll(async () => (await drawnRows(pane)).some((r) => r.startsWith('guest-42 ') && r.includes(`127.0.0.2 ${guest.port}`))).toBe(true);
  });
});
