// Renderer search latency at 50,000 and 250,000 VMs (BENCH_RENDERER_VMS, comma-separated),
// measured in Chromium (Debian's /usr/bin/chromium): the rows are seeded straight into the SQLite
// store a real headless host opens (no vCenter needed), the Inventory view loads them all into the
// virtualized grid, then fragments from the middle of names, IPs and guest OS names are typed one
// character at a time, BENCH_SEARCH_ROUNDS times. Per keystroke: from the input event to the
// frame after the grid shows the rows for exactly that text (data-rendered-query), i.e. the
// substring filter over every row + render + paint (the table searches the rows it holds).
// Also per size: the trigram index's build time (FTS5 'rebuild' over every row) and how much it
// adds to the store file. Prints one JSON line per size; a measurement, not a test.
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { benchPage, launchChromium, rendererBenchUnavailable, seededStore, startHostProcess, waitForVmRows } from './lib/renderer-bench.js';

const SIZES = (process.env.BENCH_RENDERER_VMS ?? '50000,250000').split(',').map(Number);
const ROUNDS = Number(process.env.BENCH_SEARCH_ROUNDS ?? 6);
const percentile = (xs: number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] ?? NaN;
};
const round = (x: number): number => Math.round(x * 10) / 10;
const fileSize = (path: string): number => (existsSync(path) ? statSync(path).size : 0);
const storeBytes = (dataDir: string): number => readdirSync(dataDir).filter((f) => f.endsWith('.db') || f.endsWith('.db-wal')).reduce((sum, f) => sum + fileSize(join(dataDir, f)), 0);

/** Seeds `vms` VMs, then times the trigram index's build over them and weighs it (file size without and with, after VACUUM). */
async function seed(vms: number): Promise<{ dataDir: string; seedMs: number; index: { indexBuildMs: number; storeMBWithoutIndex: number; storeMBWithIndex: number } }> {
  let index = { indexBuildMs: NaN, storeMBWithoutIndex: NaN, storeMBWithIndex: NaN };
  const { dataDir, seedMs } = await seededStore(vms, async (core, dir) => {
    await core.sql.run("INSERT INTO inv_vms_fts (inv_vms_fts) VALUES ('delete-all')");
    await core.sql.run('VACUUM');
    await core.sql.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const without = storeBytes(dir);
    const start = performance.now();
    await core.sql.run("INSERT INTO inv_vms_fts (inv_vms_fts) VALUES ('rebuild')");
    const indexBuildMs = performance.now() - start;
    await core.sql.run('VACUUM');
    await core.sql.run('PRAGMA wal_checkpoint(TRUNCATE)');
    const withIndex = storeBytes(dir);
    const mb = (b: number): number => Math.round(b / 1e5) / 10;
    index = { indexBuildMs: Math.round(indexBuildMs), storeMBWithoutIndex: mb(without), storeMBWithIndex: mb(withIndex) };
  });
  return { dataDir, seedMs, index };
}

async function main(): Promise<void> {
  for (const vms of SIZES) await measure(vms);
}

async function measure(VMS: number): Promise<void> {
  const unavailable = rendererBenchUnavailable();
  if (unavailable) {
    console.log(JSON.stringify({ bench: 'renderer-search', skipped: unavailable }));
    return;
  }
  const { dataDir, seedMs, index } = await seed(VMS);
  const host = await startHostProcess(dataDir);
  const chromium = await launchChromium();
  try {
    const page = await benchPage(chromium.browser);
    const loadStart = performance.now();
    await page.goto(host.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Inventory/ }).click();
    await waitForVmRows(page, VMS);
    const fullLoadMs = performance.now() - loadStart;

    // Sort all rows by another column: the client-side sort + virtual render at full size.
    const sortStart = performance.now();
    const grid = page.getByRole('grid', { name: 'Virtual machines' });
    await grid.getByRole('button', { name: 'Memory', exact: true }).click();
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const sortMs = performance.now() - sortStart;
    await grid.getByRole('button', { name: 'Name', exact: true }).click();

    // BENCH_CPU_PROFILE=file.cpuprofile: a V8 CPU profile of the renderer while typing (where the time goes).
    const profilePath = process.env.BENCH_CPU_PROFILE;
    const cdp = profilePath ? await page.context().newCDPSession(page) : null;
    if (cdp) {
      await cdp.send('Profiler.enable');
      await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
      await cdp.send('Profiler.start');
    }
    const samples: number[] = [];
    const commits: number[] = [];
    // Fragments from inside names (any case), IPs and guest OS names: the first keystrokes match nearly every row.
    const words = ['eb-01234', 'B-2000', '0.12.3', 'pp-3333', 'indows', 'ache-4'];
    for (let r = 0; r < ROUNDS; r++) {
      const word = words[r % words.length]!;
      const times = await page.evaluate(async (text) => {
        const input = document.getElementById('vm-search') as HTMLInputElement;
        const grid = document.querySelector('[data-testid="vm-grid"]')!;
        const setValue = Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, 'value')!.set!;
        // A task queued from a requestAnimationFrame callback runs after that frame's style,
        // layout and paint: the moment the frame showing the answer has been painted.
        const afterPaint = (): Promise<number> =>
          new Promise((resolve) =>
            requestAnimationFrame(() => {
              const channel = new MessageChannel();
              channel.port1.onmessage = () => resolve(performance.now());
              channel.port2.postMessage(null);
            }),
          );
        const type = async (value: string): Promise<{ painted: number; committed: number }> => {
          let committed = NaN;
          const observer = new MutationObserver(() => {
            if (Number.isNaN(committed) && grid.getAttribute('data-rendered-query') === value) committed = performance.now();
          });
          observer.observe(grid, { attributes: true, attributeFilter: ['data-rendered-query'] });
          const t0 = performance.now();
          setValue.call(input, value);
          input.dispatchEvent(new Event('input', { bubbles: true }));
          let painted: number;
          for (;;) {
            painted = await afterPaint();
            if (grid.getAttribute('data-rendered-query') === value) break;
          }
          observer.disconnect();
          return { painted: painted - t0, committed: committed - t0 };
        };
        const out: { painted: number; committed: number }[] = [];
        for (let i = 1; i <= text.length; i++) out.push(await type(text.slice(0, i)));
        await type('');
        return out;
      }, word);
      samples.push(...times.map((t) => t.painted));
      commits.push(...times.map((t) => t.committed).filter((t) => !Number.isNaN(t)));
    }
    if (cdp && profilePath) {
      const { profile } = await cdp.send('Profiler.stop');
      writeFileSync(`${profilePath.replace(/\.cpuprofile$/, '')}-${VMS}.cpuprofile`, JSON.stringify(profile));
    }
    console.log(
      JSON.stringify({
        bench: 'renderer-search',
        vms: VMS,
        seedMs,
        trigramIndex: index,
        fullLoadMs: Math.round(fullLoadMs),
        sortAllMs: round(sortMs),
        keystrokes: samples.length,
        keystrokeToRenderedMs: { p50: round(percentile(samples, 50)), p95: round(percentile(samples, 95)), max: round(Math.max(...samples)) },
        // Up to the DOM holding the answer (React commit), before the frame that paints it.
        keystrokeToCommitMs: { p50: round(percentile(commits, 50)), p95: round(percentile(commits, 95)), max: round(Math.max(...commits)) },
        targetP95Ms: VMS <= 50_000 ? 30 : 60,
      }),
    );
  } finally {
    await chromium.close();
    await host.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.log(JSON.stringify({ bench: 'renderer-search', error: err instanceof Error ? err.message : String(err) }));
});
