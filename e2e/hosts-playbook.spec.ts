import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore } from '../core/server/core';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server';
import { expect, test } from './host-fixture';

const PASSPHRASE = 'e2e-node-hosts-passphrase';
const ORIGINAL = '127.0.0.1 localhost\n# kept as it is\n';

/** A synced-looking inventory (no vCenter needed): one VM whose guest reports a host name. */
async function seedInventory(dataDir: string): Promise<void> {
  const core = await createOutpostCore({ dataDir, transport: 'host' });
  const now = new Date().toISOString();
  const site = await core.sql.run('INSERT INTO sites (name, url, username, created_at, last_sync_at) VALUES (?, ?, ?, ?, ?)', ['lab', 'https://vc.lab.invalid/sdk', 'u', now, now]);
  await core.sql.run(
    `INSERT INTO inv_vms (site_id, moref, name, guest_id, guest_full_name, power_state, ip_address, ip_addresses, guest_hostname, tools_running_status, seen_run, first_seen_at, updated_at)
     VALUES (?, 'vm-42', 'web-42', 'ubuntu64Guest', 'Ubuntu Linux (64-bit)', 'poweredOn', '10.20.0.42', '10.20.0.42', 'web-42.lab.internal', 'guestToolsRunning', 1, ?, ?)`,
    [site.lastId, now, now],
  );
  await core.close();
}

/** The built CLI on the host's store, for what the form does not cover here (a key credential, a trusted host key). */
function outpost(dataDir: string, ...args: string[]): void {
  const r = spawnSync(process.execPath, [join(import.meta.dirname, '..', 'bin', 'outpost.mjs'), '--db', join(dataDir, 'outpost.db'), ...args], { encoding: 'utf8', env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: PASSPHRASE } });
  if (r.status !== 0) throw new Error(`outpost ${args.join(' ')} failed: ${r.stderr}`);
}

test.describe('hosts entries pushed to a node, and a playbook run, from the UI (real sshd, real ansible-playbook)', () => {
  test.skip(!sshdAvailable() || process.getuid?.() !== 0, 'needs root and openssh-server');
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-e2e-node-hosts-'));
  let dir: string;
  let node: Sshd;
  let hostsFile: string;
  test.use({ hostDataDir: dataDir, hostVaultPassphrase: PASSPHRASE });

  test.beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'outpost-e2e-node-'));
    const keyFile = join(dir, 'id');
    const key = generateKey(keyFile);
    node = await startSshd({ dir, authorizedKeys: [key.publicKey] });
    hostsFile = join(dir, 'hosts');
    writeFileSync(hostsFile, ORIGINAL);
    await seedInventory(dataDir);
    outpost(dataDir, 'credential', 'add', '--name', 'node-key', '--user', 'root', '--key', keyFile);
    outpost(dataDir, 'known-hosts', 'trust', '--host', `127.0.0.1:${node.port}`, '--fingerprint', node.fingerprint);
  });
  test.afterAll(() => {
    node?.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('pick a VM, preview the diff of the node\'s file (nothing written), push it, and a second preview has nothing to push', async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Client helpers/ }).click();
    await page.getByRole('tab', { name: 'Push to a node' }).click();

    await page.getByLabel('vCenter').selectOption('lab');
    await page.getByRole('grid', { name: 'VMs to name on the node' }).locator('[data-vm="web-42"]').click();
    await page.getByLabel('Node (host or host:port)').fill(`127.0.0.1:${node.port}`);
    await page.getByLabel('Credential', { exact: true }).selectOption('node-key');
    await page.getByLabel('Hosts file').fill(hostsFile);
    await page.getByRole('button', { name: 'Preview the change' }).click();

    const diff = page.getByTestId('node-hosts-diff');
    await expect(diff).toContainText('+10.20.0.42');
    await expect(diff).toContainText('web-42.lab.internal web-42');
    expect(readFileSync(hostsFile, 'utf8')).toBe(ORIGINAL);

    await page.getByRole('button', { name: 'Push', exact: true }).click();
    await expect(page.getByTestId('node-hosts-pushed')).toHaveText(/Wrote 1 entries/);
    const pushed = readFileSync(hostsFile, 'utf8');
    expect(pushed.startsWith(ORIGINAL)).toBe(true);
    expect(pushed).toMatch(/10\.20\.0\.42 +web-42\.lab\.internal web-42\n# END outpost-managed entries\n$/);

    await page.getByRole('button', { name: 'Preview the change' }).click();
    await expect(page.getByTestId('node-hosts-preview')).toContainText('already has these 1 entries; nothing to push');
    await expect(page.getByRole('button', { name: 'Push', exact: true })).toBeDisabled();
    expect(problems).toEqual([]);
  });

  test('Host upgrades → Playbooks: run a playbook on a typed host, see its output live and the per-host result', async ({ page, host }) => {
    test.skip(spawnSync('sh', ['-c', 'command -v ansible-playbook']).status !== 0, 'needs ansible-core');
    const playbook = join(dir, 'hello.yml');
    writeFileSync(playbook, '- hosts: all\n  gather_facts: false\n  tasks:\n    - name: say hello\n      raw: echo hello-from-node\n');
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.info.openUrl);
    await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Host upgrades/ }).click();
    await page.getByRole('tab', { name: 'Playbooks' }).click();
    await page.getByLabel('Playbook file (absolute path on the Outpost machine)').fill(playbook);
    await page.getByLabel('Other hosts (host or host:port, one per line)').fill(`127.0.0.1:${node.port}`);
    await page.getByLabel('Credential (a private key)').selectOption('node-key');
    await page.getByRole('button', { name: 'Run playbook' }).click();

    const run = page.getByTestId('playbook-run');
    await expect(run).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
    await expect(page.getByTestId('playbook-output')).toContainText('TASK [say hello]');
    await expect(page.getByTestId('playbook-output')).toContainText('PLAY RECAP');
    await expect(page.getByTestId('playbook-results').locator(`tr[data-host="127.0.0.1:${node.port}"]`)).toHaveAttribute('data-status', 'changed');
    await expect(run.getByRole('status')).toHaveText('1/1 hosts ok.');
    expect(problems).toEqual([]);
  });
});
