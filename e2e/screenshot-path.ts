import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, type Page } from '@playwright/test';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Where an e2e spec writes its screenshot. The README's committed pictures (docs/) are rewritten only
 * by `npm run screenshots` (OUTPOST_SCREENSHOTS=1); a test run writes under the ignored .cache/, so
 * running the tests never changes a tracked file.
 */
export function screenshotPath(name: string): string {
  return process.env.OUTPOST_SCREENSHOTS === '1' ? join(root, 'docs', name) : join(root, '.cache', 'screenshots', name);
}

/**
 * A README picture of what the page shows now, at 1280×800, in the light theme (`name`.png) and the
 * dark one (`name`-dark.png): the theme follows the OS colour scheme, emulated here. The mouse is
 * parked so no hover highlight is in the picture. The page is left in the light theme.
 */
export async function readmeScreenshots(page: Page, name: string): Promise<void> {
  const light = screenshotPath(`${name}.png`);
  mkdirSync(dirname(light), { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  // Notices fade by themselves; the picture shows the page, not them.
  const dismiss = page.getByRole('button', { name: /^Dismiss/ });
  for (let i = 0; i < 10 && (await dismiss.count()) > 0; i++) await dismiss.first().click({ timeout: 1_000 }).catch(() => undefined);
  await page.mouse.move(1270, 790);
  for (const theme of ['dark', 'light'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
    await page.screenshot({ path: theme === 'light' ? light : screenshotPath(`${name}-dark.png`) });
  }
}
