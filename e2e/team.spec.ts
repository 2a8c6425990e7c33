import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOutpostCore } from '../core/server/core';
import { runOutpost } from '../test/outpost-binary';
import { PG_PASSWORD, postgresInstalled, startPostgres, type PgPeer } from '../test/pg-peer';
import { expect, test } from './host-fixture';

// Team mode across two separate Outpost processes on one real PostgreSQL: B is the headless host
// with its console in Chromium (joined through team.connect: its data folder holds the saved
// connection and the sealed password), A is the `outpost` CLI on the same database. A change A
// makes must show in B's console within 1 s (LISTEN/NOTIFY -> B's bus -> WebSocket -> renderer).

const passphrase = 'e2e-team-passphrase';
const dataDirB = mkdtempSync(join(tmpdir(), 'outpost-e2e-team-b-'));
const dataDirA = mkdtempSync(join(tmpdir(), 'outpost-e2e-team-a-'));
test.use({ hostVaultPassphrase: passphrase, hostDataDir: dataDirB });

test.describe('Team mode: two workstations on one PostgreSQL', () => {
  test.skip(!postgresInstalled(), 'PostgreSQL 15 is not installed');
  let server: PgPeer;
  let url = '';

  test.beforeAll(async () => {
    server = await startPostgres();
    url = server.url(await server.createDatabase());
    const b = await createOutpostCore({ dataDir: dataDirB, transport: 'test', passphrase });
    try {
      const joined = await b.dispatch('team.connect', { url, password: PG_PASSWORD });
      if (!joined.ok) throw new Error(JSON.stringify(joined.error));
    } finally {
      await b.close();
    }
  });
  test.afterAll(async () => {
    await server?.stop();
    rmSync(dataDirA, { recursive: true, force: true });
    rmSync(dataDirB, { recursive: true, force: true });
  });

  test("A's change appears live in B's audit log within 1 s; B's status bar names the team database", async ({ page, host }) => {
    const problems: string[] = [];
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(host.info.openUrl);
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    await expect(page.getByTestId('status-team')).toHaveText(/Team: connected/);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Audit log/ }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();

    const env = { PGPASSWORD: PG_PASSWORD, OUTPOST_DATA_DIR: dataDirA, OUTPOST_VAULT_PASSPHRASE: passphrase };
    const run = await runOutpost(['--db', url, '--json', 'ipam', 'pool', 'add', '--name', 'team-pool-a', '--cidr', '198.51.100.0/28', '--kind', 'public'], { env });
    expect(run.code, run.stderr).toBe(0);
    const doneAt = Date.now();
    await expect(page.getByRole('cell', { name: 'team-pool-a' })).toBeVisible({ timeout: 1000 });
    test.info().annotations.push({ type: 'latency', description: `A's CLI exited -> row in B's console: ${Date.now() - doneAt} ms` });

    expect(problems).toEqual([]);
  });
});
