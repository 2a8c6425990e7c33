import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, Page } from '@playwright/test';
import { viewTargets } from '../renderer/navigation/views';
import { expect, test } from './host-fixture';
import { screenshotPath } from './screenshot-path';

const SIZES = [
  { name: '1280x800', viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  // 200 % zoom of a 1280x800 window: half the CSS pixels, twice the device pixels.
  { name: 'zoom200', viewport: { width: 640, height: 400 }, deviceScaleFactor: 2 },
] as const;
type Size = (typeof SIZES)[number];

async function openConsole(browser: Browser, size: Size, openUrl: string): Promise<Page> {
  const context = await browser.newContext({ viewport: size.viewport, deviceScaleFactor: size.deviceScaleFactor });
  const page = await context.newPage();
  await page.goto(openUrl);
  await expect(page.getByTestId('status-connection')).toHaveText(/Connected \(host\)/);
  return page;
}

/** Horizontal overflow of the main column and of the page itself (scrollWidth past clientWidth). */
async function horizontalOverflow(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const main = document.getElementById('main');
    for (const el of [document.documentElement, main]) {
      if (el && el.scrollWidth > el.clientWidth) out.push(`${el.id || el.tagName} scrollWidth ${el.scrollWidth} > clientWidth ${el.clientWidth}`);
    }
    return out;
  });
}

async function seriousViolations(page: Page): Promise<string[]> {
  const result = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa']).analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) => v.nodes.map((n) => `${v.id}: ${n.target.join(' ')} ${n.failureSummary?.split('\n')[1] ?? ''}`));
}

async function shot(page: Page, name: string): Promise<void> {
  const path = screenshotPath(`layout/${name}.png`);
  mkdirSync(dirname(path), { recursive: true });
  await page.screenshot({ path });
}

for (const size of SIZES) {
  for (const theme of ['light', 'dark'] as const) {
  test(`every page at ${size.name}, ${theme} theme: no sideways scrolling, no serious axe violations`, async ({ browser, host }) => {
    test.setTimeout(180_000);
    const page = await openConsole(browser, size, host.info.openUrl);
    const report: string[] = [];
    {
      await page.emulateMedia({ colorScheme: theme });
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      for (const view of viewTargets) {
        await page.evaluate((id) => (location.hash = `#/${id}`), view.id);
        await expect(page.getByRole('heading', { level: 1, name: view.label })).toBeVisible();
        const tabs = page.locator('#main').getByRole('tab');
        const count = await tabs.count();
        for (let i = 0; i < Math.max(1, count); i++) {
          let where = view.id;
          if (count > 0) {
            await tabs.nth(i).click();
            where += `/${(await tabs.nth(i).textContent())?.replace(/\W+/g, '-')}`;
          }
          for (const o of await horizontalOverflow(page)) report.push(`${theme} ${where} overflow: ${o}`);
          for (const v of await seriousViolations(page)) report.push(`${theme} ${where} axe ${v}`);
          if (theme === 'light' || i === 0) await shot(page, `${size.name}-${theme}-${where.replace('/', '-')}`);
        }
      }
    }
    writeFileSync(screenshotPath(`layout/report-${size.name}-${theme}.txt`), report.join('\n'));
    expect(report).toEqual([]);
  });
  }
}
