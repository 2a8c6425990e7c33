// Issue 17's renderer figures in Chromium (Debian's /usr/bin/chromium), against the real renderer
// and the headless host in its own process, with BENCH_STARTUP_VMS (50,000) VMs seeded into the
// store (setup shared with renderer-search: bench/lib/renderer-bench.ts):
//  - cold start to interactive: a new browser context (empty cache, a new renderer process)
//    navigates to #/inventory; from navigation start to the frame that paints the first screen of
//    VM rows with the right total in the count line ("Loading VMs: 500 of 50,000"; the table
//    loads its rows page by page: use-vm-rows.ts) = firstRowsPainted, the target (<= 1 s); and to
//    the frame that paints the grid holding every VM = allRowsPainted (performance.now() in the
//    page at the first frame after each). Median of BENCH_STARTUP_RUNS (3); each run's phases too
//    (DOMContentLoaded, the first grid row whatever the count said);
//  - renderer memory: the Inventory view with every VM loaded, then 10 terminal tabs to a real
//    loopback sshd (each with some scrollback, each shown once), then back to Inventory: memory
//    of the page's renderer process (`page`, target <= 300 MB; the renderer* sums cover every
//    renderer process Chromium runs, spares too) as /proc VmRSS, PSS (pages shared with other
//    Chromium processes counted once) and private memory (Private_Clean + Private_Dirty + Swap of
//    smaps_rollup: what Chrome's task manager calls its "memory footprint"), and the JS heap after
//    a GC (used and reserved): on about:blank first (Chromium's floor), with the VMs only, on the
//    Terminals view and back on Inventory.
//    Needs root and openssh-server (else left out).
// Prints one JSON line; a measurement, not a test.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { generateKey, sshdAvailable, startSshd, type Sshd } from '../test/peers/openssh-server.js';
import { dispatchOrThrow } from '../test/dispatch-or-throw.js';
import { benchPage, heap, launchChromium, processMemory, rendererBenchUnavailable, seededStore, startHostProcess, waitForVmRows } from './lib/renderer-bench.js';

const VMS = Number(process.env.BENCH_STARTUP_VMS ?? 50_000);
const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 3);
const TABS = 10;
const PASSPHRASE = 'a long enough bench passphrase';
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const round = (x: number): number => Math.round(x * 10) / 10;

interface StartupMarks {
  domContentLoaded: number;
  firstRow: number;
  firstRowsPainted: number;
  allRowsPainted: number;
}

/** One cold start: a fresh context holding only the host token (as the token URL leaves it), straight to #/inventory. */
async function coldStart(browser: Browser, origin: string, token: string): Promise<StartupMarks> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  try {
    await context.addInitScript(
      ({ token, vms, total }) => {
        sessionStorage.setItem('outpost.hostToken', token);
        const marks = { firstRow: NaN, firstRowsPainted: NaN, allRowsPainted: NaN };
        (window as Window & { __startup?: typeof marks }).__startup = marks;
        // A task queued from a requestAnimationFrame callback runs once that frame is painted.
        const afterPaint = (mark: (t: number) => void): void =>
          void requestAnimationFrame(() => {
            const channel = new MessageChannel();
            channel.port1.onmessage = () => mark(performance.now());
            channel.port2.postMessage(null);
          });
        let firstRowsSeen = false;
        const observer = new MutationObserver(() => {
          const grid = document.querySelector('[data-testid="vm-grid"]');
          const row = grid?.querySelector('[data-testid="vm-row"]');
          if (!row) return;
          if (Number.isNaN(marks.firstRow)) marks.firstRow = performance.now();
          // The first screen counts once the count line shows the store's total with it.
          if (!firstRowsSeen && (document.querySelector('[data-testid="vm-count"]')?.textContent ?? '').includes(total)) {
            firstRowsSeen = true;
            afterPaint((t) => (marks.firstRowsPainted = t));
          }
          if (grid?.getAttribute('data-row-count') !== String(vms)) return;
          observer.disconnect();
          afterPaint((t) => (marks.allRowsPainted = t));
        });
        observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-row-count'] });
      },
      { token, vms: VMS, total: VMS.toLocaleString('en-US') },
    );
    const page = await context.newPage();
    page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
    await page.goto(`${origin}/#/inventory`);
    await page.waitForFunction(() => !Number.isNaN((window as Window & { __startup?: { allRowsPainted: number } }).__startup?.allRowsPainted ?? NaN), null, { timeout: 600_000, polling: 50 });
    return await page.evaluate(() => {
      const m = (window as Window & { __startup?: { firstRow: number; firstRowsPainted: number; allRowsPainted: number } }).__startup!;
      const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
      return { domContentLoaded: nav?.domContentLoadedEventEnd ?? NaN, firstRow: m.firstRow, firstRowsPainted: m.firstRowsPainted, allRowsPainted: m.allRowsPainted };
    });
  } finally {
    await context.close();
  }
}

type Invoke = (command: string, input: unknown) => Promise<unknown>;
const invoke = (page: Page): Invoke => (command, input) =>
  page.evaluate(([c, i]) => (window as unknown as Window & { __outpost: { invoke(c: string, i: unknown): Promise<unknown> } }).__outpost.invoke(c, i), [command, input] as const);

async function inventoryShown(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
  await waitForVmRows(page, VMS);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

/** Renderer memory with every VM loaded, then with 10 terminal tabs to `sshd` too. */
async function memory(browser: Browser, openUrl: string, sshd: Sshd) {
  // Chromium's own floor: a renderer on an empty page, gone before the console's opens.
  const blank = await benchPage(browser);
  const blankPage = { ...(await heap(blank)), ...(await processMemory(browser)) };
  await blank.close();
  for (let i = 0; i < 50 && (await processMemory(browser)).renderers > 0; i++) await new Promise((r) => setTimeout(r, 100));
  const page = await benchPage(browser);
  await page.goto(openUrl);
  await inventoryShown(page);
  const vmsOnly = { ...(await heap(page)), ...(await processMemory(browser)) };
  const call = invoke(page);
  const target = { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'bench' };
  const ids: number[] = [];
  for (let i = 0; i < TABS; i++) ids.push(((await call('terminal.open', { target, cols: 160, rows: 45 })) as { id: number }).id);
  for (const id of ids) await call('terminal.write', { id, data: 'seq 1 5000\r' });
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
  for (const id of ids) await page.locator(`[data-terminal-id="${id}"] [data-testid="terminal-host"][data-drawn]`).waitFor({ state: 'attached', timeout: 60_000 });
  // Show each tab once, so every terminal has rendered at its real size.
  for (const tab of await page.getByRole('tab').all()) {
    await tab.click();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  await new Promise((r) => setTimeout(r, 1000));
  const onTerminals = { ...(await heap(page)), ...(await processMemory(browser)) };
  await inventoryShown(page);
  const backOnInventory = { ...(await heap(page)), ...(await processMemory(browser)) };
  for (const id of ids) await call('terminal.close', { id });
  await page.close();
  return { blankPage, vmsOnly, onTerminals, backOnInventory };
}

async function main(): Promise<void> {
  const unavailable = rendererBenchUnavailable();
  if (unavailable) return void console.log(JSON.stringify({ bench: 'renderer-startup', skipped: unavailable }));
  const withSshd = sshdAvailable() && process.getuid?.() === 0;
  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-startup-'));
  const key = withSshd ? generateKey(join(dir, 'id')) : null;
  const sshd = key ? await startSshd({ dir, authorizedKeys: [key.publicKey] }) : null;
  const { dataDir, seedMs } = await seededStore(
    VMS,
    async (core) => {
      if (!sshd || !key) return;
      const call = dispatchOrThrow(core);
      await call('vault.unlock', { passphrase: PASSPHRASE });
      await call('credentials.add', { name: 'bench', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
      await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });
    },
  );
  const host = await startHostProcess(dataDir, sshd ? PASSPHRASE : '');
  const chromium = await launchChromium();
  try {
    const url = new URL(host.openUrl);
    const token = new URLSearchParams(url.hash.slice(1)).get('token') ?? '';
    const runs: StartupMarks[] = [];
    for (let i = 0; i < RUNS; i++) runs.push(await coldStart(chromium.browser, url.origin, token));
    const mem = sshd ? await memory(chromium.browser, host.openUrl, sshd) : null;
    console.log(
      JSON.stringify({
        bench: 'renderer-startup',
        vms: VMS,
        seedMs,
        runs: RUNS,
        coldStartToFirstRowsPaintedMs: round(median(runs.map((r) => r.firstRowsPainted))),
        coldStartTargetMs: 1000,
        coldStartToAllRowsPaintedMs: round(median(runs.map((r) => r.allRowsPainted))),
        coldStartRuns: runs.map((r) => ({ domContentLoaded: round(r.domContentLoaded), firstRow: round(r.firstRow), firstRowsPainted: round(r.firstRowsPainted), allRowsPainted: round(r.allRowsPainted) })),
        memory: mem ? { tabs: TABS, ...mem, rendererTargetMB: 300 } : { skipped: 'needs root and openssh-server' },
      }),
    );
  } finally {
    await chromium.close();
    await host.stop();
    sshd?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.log(JSON.stringify({ bench: 'renderer-startup', error: err instanceof Error ? err.message : String(err) }));
});
