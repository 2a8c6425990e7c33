import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';

// Debian's Chromium, never a downloaded browser. It gets its own HOME and XDG dirs so it never
// reads or writes the user's profile, caches or keyrings.
const browserHome = join(tmpdir(), 'outpost-e2e-chromium-home');
for (const dir of ['config', 'cache']) mkdirSync(join(browserHome, dir), { recursive: true });

export default defineConfig({
  testDir: 'e2e',
  workers: 1,
  retries: 0,
  reporter: 'list',
  timeout: 60_000,
  expect: { timeout: 10_000 },
  // No webServer: each spec starts what it needs (the headless host via e2e/host-fixture.ts,
  // Electron via _electron), so one project's setup never assumes another's.
  projects: [
    {
      name: 'chromium',
      testIgnore: /electron\.spec\.ts$/,
      use: {
        browserName: 'chromium',
        viewport: { width: 1280, height: 800 },
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--headless',
            '--no-sandbox',
            '--disable-gpu',
            '--disable-quic',
            '--no-first-run',
            '--disable-background-networking',
            '--disable-component-update',
            '--disable-sync',
          ],
          env: {
            ...process.env,
            HOME: browserHome,
            XDG_CONFIG_HOME: join(browserHome, 'config'),
            XDG_CACHE_HOME: join(browserHome, 'cache'),
          },
        },
      },
    },
    {
      // Launches Electron itself through Playwright's _electron; no browser is started here.
      name: 'electron',
      testMatch: /electron\.spec\.ts$/,
    },
  ],
});
