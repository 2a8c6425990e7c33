// Shared by the renderer benches (renderer-search, renderer-startup): a store seeded with VMs
// (no vCenter needed), the real headless host serving it from its own process, and Debian's
// Chromium driving the real renderer. Not a bench itself (scripts/bench.mjs runs bench/*.ts only).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium, type Browser, type Page } from '@playwright/test';
import { createOutpostCore, type OutpostCore } from '../../core/server/core.js';
import { seedVms } from '../../test/seed-vms.js';

export const root = join(import.meta.dirname, '..', '..');
const hostEntry = join(root, 'dist', 'host', 'main.mjs');

/** Why a renderer bench cannot run here, or null. */
export function rendererBenchUnavailable(): string | null {
  if (!existsSync(hostEntry) || !existsSync(join(root, 'dist', 'renderer', 'index.html'))) return 'run `npm run build` first';
  if (!existsSync('/usr/bin/chromium')) return 'no /usr/bin/chromium';
  return null;
}

/** A fresh data directory whose store holds `vms` seeded VMs (site "bench"); `prepare` may add more with the core before it closes. */
export async function seededStore(vms: number, prepare?: (core: OutpostCore, dataDir: string) => Promise<void>, options: { passphrase?: string } = {}): Promise<{ dataDir: string; seedMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'outpost-bench-renderer-'));
  const start = performance.now();
  const core = await createOutpostCore({ dataDir, transport: 'host', ...(options.passphrase ? { passphrase: options.passphrase } : {}) });
  try {
    await seedVms(core.sql, vms, 'bench');
    await prepare?.(core, dataDir);
  } finally {
    await core.close();
  }
  return { dataDir, seedMs: Math.round(performance.now() - start) };
}

export interface HostProcess {
  openUrl: string;
  stop(): Promise<void>;
}

/** The headless host (dist/host/main.mjs) on `dataDir`, in its own process, as `outpost serve` runs it. */
export async function startHostProcess(dataDir: string, vaultPassphrase = ''): Promise<HostProcess> {
  const host = spawn(process.execPath, [hostEntry, '--json', '--data-dir', dataDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, OUTPOST_VAULT_PASSPHRASE: vaultPassphrase } });
  const exited = new Promise((r) => host.once('exit', r));
  const info = await new Promise<{ openUrl: string }>((resolve, reject) => {
    createInterface({ input: host.stdout! }).once('line', (line) => resolve(JSON.parse(line) as { openUrl: string }));
    host.once('exit', (code) => reject(new Error(`host exited ${code}`)));
  });
  return {
    openUrl: info.openUrl,
    stop: async () => {
      host.kill('SIGTERM');
      await exited;
    },
  };
}

export interface BenchBrowser {
  browser: Browser;
  close(): Promise<void>;
}

/** Headless Chromium with its own empty profile. */
export async function launchChromium(extraArgs: string[] = []): Promise<BenchBrowser> {
  const home = mkdtempSync(join(tmpdir(), 'outpost-bench-chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', ...extraArgs],
    env: { ...process.env, HOME: home },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}

/** A 1280x800 page that reports the renderer's errors on stderr. */
export async function benchPage(browser: Browser): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  page.on('console', (m) => m.type() === 'error' && console.error(`console: ${m.text()}`));
  return page;
}

/** The VM grid once it holds `vms` rows. */
export async function waitForVmRows(page: Page, vms: number): Promise<void> {
  await page.getByRole('grid', { name: 'Virtual machines' }).and(page.locator(`[data-row-count="${vms}"]`)).waitFor({ timeout: 600_000 });
}

const round = (x: number): number => Math.round(x * 10) / 10;

/**
 * Memory (MB) of the browser's renderer and GPU processes, from /proc: resident (RSS), proportional
 * (PSS) and private (Private_Clean + Private_Dirty + Swap: Chrome's "memory footprint"). Chromium
 * runs more than one renderer process (spares: 3 here with one page open), and an RSS summed over
 * them counts Chromium's shared code once per process: `page` is the one renderer that holds the
 * most private memory, which is the page's (the others hold a few MB each on about:blank).
 */
export async function processMemory(browser: Browser): Promise<{ renderers: number; page: { rssMB: number; pssMB: number; privateMB: number }; rendererMB: number; rendererPssMB: number; rendererPrivateMB: number; gpuMB: number }> {
  const cdp = await browser.newBrowserCDPSession();
  const { processInfo } = (await cdp.send('SystemInfo.getProcessInfo')) as { processInfo: { type: string; id: number }[] };
  await cdp.detach();
  const rss = (pid: number): number => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  // Proportional set size: shared pages (Chromium's code, fonts) counted once across processes.
  const pss = (pid: number): number => {
    try {
      const m = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'));
      return m ? Number(m[1]) / 1024 : 0;
    } catch {
      return 0;
    }
  };
  // What the process alone holds: pages no other process maps, and its swapped-out pages.
  const footprint = (pid: number): number => {
    try {
      const text = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
      return (kb('Private_Clean') + kb('Private_Dirty') + kb('Swap')) / 1024;
    } catch {
      return 0;
    }
  };
  const sum = (type: string, of = rss): number => round(processInfo.filter((p) => p.type === type).reduce((a, p) => a + of(p.id), 0));
  const renderers = processInfo.filter((p) => p.type === 'renderer').map((p) => ({ pid: p.id, privateMB: footprint(p.id) }));
  const pagePid = renderers.reduce<{ pid: number; privateMB: number } | null>((a, r) => (a === null || r.privateMB > a.privateMB ? r : a), null)?.pid;
  const page = pagePid === undefined ? { rssMB: 0, pssMB: 0, privateMB: 0 } : { rssMB: round(rss(pagePid)), pssMB: round(pss(pagePid)), privateMB: round(footprint(pagePid)) };
  return { renderers: renderers.length, page, rendererMB: sum('renderer'), rendererPssMB: sum('renderer', pss), rendererPrivateMB: sum('renderer', footprint), gpuMB: sum('GPU') };
}

/** The page's JS heap (MB, after a forced GC: used, and reserved by V8) and DOM node count. */
export async function heap(page: Page): Promise<{ jsHeapMB: number; jsHeapTotalMB: number; domNodes: number }> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Performance.enable');
  await cdp.send('HeapProfiler.collectGarbage');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const get = (name: string): number => metrics.find((m) => m.name === name)?.value ?? NaN;
  await cdp.detach();
  return { jsHeapMB: round(get('JSHeapUsedSize') / 1024 / 1024), jsHeapTotalMB: round(get('JSHeapTotalSize') / 1024 / 1024), domNodes: get('Nodes') };
}
