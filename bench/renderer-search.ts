// Renderer search latency at 50,000 VMs, measured in Chromium (Debian's /usr/bin/chromium):
// BENCH_RENDERER_VMS rows are seeded straight into the SQLite store a real headless host opens
// (no vCenter needed), the Inventory view loads them all into the virtualized grid, then a VM
// name is typed one character at a time, BENCH_SEARCH_ROUNDS times. Per keystroke: from the
// input event to the frame after the grid shows the rows for exactly that text
// (data-rendered-query), i.e. FTS query over the WebSocket + render + paint.
// Prints one JSON line; a measurement, not a test: it never fails on a number.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from '@playwright/test';
import { createOutpostCore } from '../core/server/core.js';
import { seedVms } from '../test/seed-vms.js';

const VMS = Number(process.env.BENCH_RENDERER_VMS ?? 50_000);
const ROUNDS = Number(process.env.BENCH_SEARCH_ROUNDS ?? 5);
const root = join(import.meta.dirname, '..', '..');
const hostEntry = join(root, 'dist', 'host', 'main.mjs');
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const round = (x: number): number => Math.round(x * 10) / 10;
async function seed(dataDir: string): Promise<void> {
  const core = await createOutpostCore({ dataDir, transport: 'host' });
  await seedVms(core.sql, VMS, 'bench');
  await core.close();
}

async function main(): Promise<void> {
  if (!existsSync(hostEntry) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) {
    console.log(JSON.stringify({ bench: 'renderer-search', skipped: 'run `npx vite build && node scripts/build-node.mjs` first' }));
    return;
  }
  if (!existsSync('/usr/bin/chromium')) {
    console.log(JSON.stringify({ bench: 'renderer-search', skipped: 'no /usr/bin/chromium' }));
    return;
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-bench-search-'));
  const seedStart = performance.now();
  await seed(dataDir);
  const seedMs = performance.now() - seedStart;
  const host = spawn(process.execPath, [hostEntry, '--json', '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: '' } });
  const browserHome = mkdtempSync(join(tmpdir(), 'outpost-bench-chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
    env: { ...process.env, HOME: browserHome },
  });
  try {
    const info = await new Promise<{ openUrl: string }>((resolve, reject) => {
      createInterface({ input: host.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { openUrl: string }));
      host.once('exit', (code) => reject(new Error(`host exited ${code}`)));
    });
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const loadStart = performance.now();
    await page.goto(info.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    await grid.and(page.locator(`[data-row-count="${VMS}"]`)).waitFor({ timeout: 120_000 });
    const fullLoadMs = performance.now() - loadStart;

    // Sort all rows by another column: the client-side sort + virtual render at full size.
    const sortStart = performance.now();
    await page.getByRole('button', { name: 'Sort by Memory' }).click();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const sortMs = performance.now() - sortStart;
    await page.getByRole('button', { name: 'Sort by Name' }).click();

    const samples: number[] = [];
    const words = ['web-01234', 'db-20001', 'app-3333', '10.0.12', 'cache-4'];
    for (let r = 0; r < ROUNDS; r++) {
      const word = words[r % words.length]!;
      const times = await page.evaluate(async (text) => {
        const input = document.getElementById('vm-search') as HTMLInputElement;
        const grid = document.querySelector('[data-testid="vm-grid"]')!;
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(() => resolve(performance.now())));
        const type = async (value: string): Promise<number> => {
          const t0 = performance.now();
          setValue.call(input, value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          for (;;) {
            await frame();
            if (grid.getAttribute('data-rendered-query') === value) break;
          }
          return (await frame()) - t0; // the frame after the DOM holds the answer: painted
        };
        const out: number[] = [];
        for (let i = 1; i <= text.length; i++) out.push(await type(text.slice(0, i)));
        await type('');
        return out;
      }, word);
      samples.push(...times);
    }
    console.log(
      JSON.stringify({
        bench: 'renderer-search',
        vms: VMS,
        seedMs: Math.round(seedMs),
        fullLoadMs: Math.round(fullLoadMs),
        sortAllMs: round(sortMs),
        keystrokes: samples.length,
        keystrokeToRenderedMs: { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)), max: round(Math.max(...samples)) },
        targetP95Ms: 50,
      }),
    );
  } finally {
    await browser.close();
    host.kill('SIGTERM');
    await new Promise((r) => host.once('exit', r));
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(browserHome, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.log(JSON.stringify({ bench: 'renderer-search', error: err instanceof Error ? err.message : String(err) }));
});
