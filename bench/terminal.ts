// Terminal figures in Chromium (Debian's /usr/bin/chromium) against the real renderer, a headless
// host in this process and a loopback OpenSSH sshd:
//  - throughput: a shell floods BENCH_TERMINAL_MB of text (159-column lines) and xterm draws it;
//    MB/s from the first to the last byte xterm acknowledged as written (the renderer's ack is
//    what lets sshd send more, so this is end to end: sshd → ssh2 → host → xterm). The flood is
//    `cat` of a file written beforehand (BENCH_TERMINAL_SOURCE=fold: `head -c | tr | fold`
//    generated on the fly, the figure before session 4). On a real site the remote host makes the
//    output on its own CPU; here sshd and the source share the 2 cores with the console, and
//    fold writing a line per syscall into the pty makes the source itself slower (the reference
//    below: the OpenSSH client, `ssh -tt`, output thrown away, same sshd and source);
//  - responsiveness during that flood: the longest gap between animation frames and the longest
//    event-loop stall (a 10 ms interval timer's lateness) in the page;
//  - memory of 10 open terminal tabs (each with some scrollback): JS heap and DOM nodes after a
//    forced GC, and the resident memory of Chromium's renderer and GPU processes (xterm's buffers
//    and WebGL textures live there), against the same page with no terminal.
// Prints one JSON line; a measurement, not a test.
// BENCH_PROFILE=1 adds, on stderr, CPU seconds per process during the flood and the page's top
// functions by self time; BENCH_TRACE=file.json writes a Chromium trace of the flood (open it in
// chrome://tracing or Perfetto) to see frames, raster and the main thread task by task.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from '@playwright/test';
import { build } from 'esbuild';
import { startHost } from '../core/host/host-server.js';
import { createOutpostCore } from '../core/server/core.js';
import { defaultKdf } from '../core/vault/passphrase-cipher.js';
import { generateKey, sshdAvailable, startSshd } from '../test/peers/openssh-server.js';
import { dispatchOrThrow } from '../test/dispatch-or-throw.js';
import { heap, processMemory } from './lib/renderer-bench.js';

const MB = Number(process.env.BENCH_TERMINAL_MB ?? 50);
/** Floods per browser: one flood's figure swings ±15% on a busy 2-core machine, so the median is reported. */
const FLOODS = Number(process.env.BENCH_TERMINAL_FLOODS ?? 3);
const FLOOD_BYTES = MB * 1_000_000;
const WIDTH = 159;
const GENERATE = `head -c ${FLOOD_BYTES} /dev/zero | tr '\\0' a | fold -w ${WIDTH}`;
const TABS = 10;
const root = join(import.meta.dirname, '..', '..');
const staticDir = join(root, 'dist', 'renderer');
const round = (x: number): number => Math.round(x * 10) / 10;
const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'];

function skip(why: string): void {
  console.log(JSON.stringify({ bench: 'terminal', skipped: why }));
}

type Call = <T>(command: string, input: unknown) => Promise<T>;

/** CPU seconds used so far by every process on the machine, by pid, named by comm and Chromium's --type. */
function cpuSnapshot(): Map<string, { name: string; seconds: number }> {
  const out = new Map<string, { name: string; seconds: number }>();
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const close = stat.lastIndexOf(')');
      const fields = stat.slice(close + 2).split(' ');
      // Chromium rewrites its argv into one space-separated string.
      const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      const type = /--type=(\S+)/.exec(cmdline)?.[1] ?? (cmdline.includes('--headless') ? 'browser' : '');
      const name = `${stat.slice(stat.indexOf('(') + 1, close)}${type ? ` ${type}` : ''}`;
      out.set(pid, { name, seconds: (Number(fields[11]) + Number(fields[12])) / 100 });
      // The renderer process by thread too: its main thread, compositor and raster workers.
      if (type === 'renderer') {
        for (const tid of readdirSync(`/proc/${pid}/task`)) {
          const t = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
          const tClose = t.lastIndexOf(')');
          const tFields = t.slice(tClose + 2).split(' ');
          out.set(`${pid}/${tid}`, { name: `  renderer thread ${t.slice(t.indexOf('(') + 1, tClose)}`, seconds: (Number(tFields[11]) + Number(tFields[12])) / 100 });
          // schedstat: ns on CPU, ns waiting for a CPU while runnable, timeslices.
          const [, waitNs] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
          out.set(`${pid}/${tid}/wait`, { name: `  renderer thread ${t.slice(t.indexOf('(') + 1, tClose)} (runnable, waiting for a CPU)`, seconds: (waitNs ?? 0) / 1e9 });
        }
      }
    } catch {
      // the process ended meanwhile
    }
  }
  return out;
}

/** CPU seconds per process name between two snapshots, largest first. */
function cpuBetween(before: ReturnType<typeof cpuSnapshot>, after: ReturnType<typeof cpuSnapshot>): [string, number][] {
  const byName = new Map<string, number>();
  for (const [pid, p] of after) byName.set(p.name, (byName.get(p.name) ?? 0) + p.seconds - (before.get(pid)?.seconds ?? 0));
  return [...byName].filter(([, s]) => s >= 0.05).sort((a, b) => b[1] - a[1]).map(([n, s]) => [n, round(s)]);
}

/** Floods one terminal and measures what xterm draws and how the page keeps up. */
async function measureFlood(page: Page, call: Call, target: unknown, source: string) {
  // Throughput with responsiveness: one terminal, reloaded into view from terminal.list.
  const flood = await call<{ id: number }>('terminal.open', { target, cols: 160, rows: 45 });
  await page.reload();
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
  const hostEl = page.locator(`[data-terminal-id="${flood.id}"] [data-testid="terminal-host"]`);
  await hostEl.and(page.locator('[data-drawn]')).waitFor();
  const renderer = await hostEl.getAttribute('data-renderer');
  const renderCap = await hostEl.getAttribute('data-render-cap');
  await page.evaluate((id) => {
    const el = document.querySelector(`[data-terminal-id="${id}"] [data-testid="terminal-host"]`) as HTMLElement;
    const w = window as unknown as { benchFlood: { start: number; first: number; last: number; bytesAtFirst: number; bytes: number; maxFrameGap: number; maxLag: number; frames: number; renders: number; longTasks: number; maxLongTask: number; stop(): void } };
    const state = { start: Number(el.dataset.drawn), first: 0, last: 0, bytesAtFirst: 0, bytes: 0, maxFrameGap: 0, maxLag: 0, frames: 0, renders: 0, longTasks: 0, maxLongTask: 0, stop: () => undefined };
    w.benchFlood = state;
    new MutationObserver(() => {
      const drawn = Number(el.dataset.drawn);
      const now = performance.now();
      if (!state.first) {
        state.first = now;
        state.bytesAtFirst = drawn;
      }
      state.last = now;
      state.bytes = drawn;
    }).observe(el, { attributes: true, attributeFilter: ['data-drawn'] });
    // Redraws: animation frames in which xterm changed its rows (whichever of its paths drew them).
    let lastRedrawFrame = -1;
    new MutationObserver(() => {
      if (!state.first || state.frames === lastRedrawFrame) return;
      lastRedrawFrame = state.frames;
      state.renders++;
    }).observe(el.querySelector('.xterm-rows')!, { childList: true, subtree: true });
    let running = true;
    let prev = performance.now();
    const frame = (t: number): void => {
      if (!running) return;
      state.maxFrameGap = Math.max(state.maxFrameGap, t - prev);
      state.frames++;
      prev = t;
      requestAnimationFrame(frame);
    };
    requestAnimationFrame((t) => {
      prev = t;
      requestAnimationFrame(frame);
    });
    // Main-thread tasks of 50 ms or more (the Long Tasks API): what an operator's click waits behind.
    const longTasks = new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        if (!state.first) continue;
        state.longTasks++;
        state.maxLongTask = Math.max(state.maxLongTask, entry.duration);
      }
    });
    longTasks.observe({ type: 'longtask', buffered: false });
    let expected = performance.now() + 10;
    const lag = setInterval(() => {
      const now = performance.now();
      state.maxLag = Math.max(state.maxLag, now - expected);
      expected = now + 10;
    }, 10);
    state.stop = () => {
      running = false;
      longTasks.disconnect();
      clearInterval(lag);
    };
  }, flood.id);
  const expected = FLOOD_BYTES + 2 * Math.floor(FLOOD_BYTES / WIDTH); // fold's LF becomes CR LF on the pty
  // BENCH_PROFILE=1: a CPU profile of the page during the flood, top functions by self time on stderr.
  const cdp = process.env.BENCH_PROFILE ? await page.context().newCDPSession(page) : null;
  if (cdp) {
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.start');
  }
  const browserForTrace = page.context().browser()!;
  if (process.env.BENCH_TRACE) await browserForTrace.startTracing(page, { path: process.env.BENCH_TRACE, categories: ['toplevel', 'devtools.timeline', 'disabled-by-default-devtools.timeline', 'v8.execute', 'blink', 'cc', 'scheduler', 'disabled-by-default-devtools.timeline.invalidationTracking', 'disabled-by-default-devtools.timeline.stack'] });
  await call('terminal.write', { id: flood.id, data: `${source}\r` });
  const started = Date.now();
  const cpuBefore = cdp ? cpuSnapshot() : null;
  for (;;) {
    await new Promise((r) => setTimeout(r, 250));
    const s = await page.evaluate(() => (window as unknown as { benchFlood: { bytes: number; start: number; last: number } }).benchFlood);
    if (s.bytes - s.start >= expected || Date.now() - started > 300_000) break;
  }
  await new Promise((r) => setTimeout(r, 500));
  const f = await page.evaluate(() => {
    const s = (window as unknown as { benchFlood: { start: number; first: number; last: number; bytesAtFirst: number; bytes: number; maxFrameGap: number; maxLag: number; frames: number; renders: number; longTasks: number; maxLongTask: number; stop(): void } }).benchFlood;
    s.stop();
    return { ...s, stop: undefined };
  });
  if (process.env.BENCH_TRACE) await browserForTrace.stopTracing();
  if (cpuBefore) for (const [name, seconds] of cpuBetween(cpuBefore, cpuSnapshot())) process.stderr.write(`cpu ${seconds} s ${name}\n`);
  if (cdp) {
    const { profile } = (await cdp.send('Profiler.stop')) as { profile: { nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[]; samples: number[]; timeDeltas: number[] } };
    const byNode = new Map(profile.nodes.map((n) => [n.id, n]));
    const self = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      const n = byNode.get(id)!;
      const key = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
      self.set(key, (self.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
    });
    const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, 20);
    for (const [k, ms] of top) process.stderr.write(`profile ${Math.round(ms)} ms ${k}\n`);
  }
  const floodMs = f.last - f.first;
  const drawnBytes = f.bytes - f.bytesAtFirst;
  await call('terminal.close', { id: flood.id });
  return {
    renderer,
    renderCap,
    floodMB: round(drawnBytes / 1e6),
    xtermMBps: round(drawnBytes / 1e6 / (floodMs / 1000)),
    floodMs: Math.round(floodMs),
    xtermRedrawsPerSecond: Math.round(f.renders / (floodMs / 1000)),
    maxFrameGapMs: round(f.maxFrameGap),
    maxEventLoopLagMs: round(f.maxLag),
    longTasks: f.longTasks,
    maxLongTaskMs: Math.round(f.maxLongTask),
  };

}

/** FLOODS floods in one page: the median run's figures, and every run's MB/s. */
async function floods(page: Page, call: Call, target: unknown, source: string) {
  const runs: Awaited<ReturnType<typeof measureFlood>>[] = [];
  for (let i = 0; i < FLOODS; i++) runs.push(await measureFlood(page, call, target, source));
  const sorted = [...runs].sort((a, b) => a.xtermMBps - b.xtermMBps);
  return { ...sorted[Math.floor(sorted.length / 2)]!, runsMBps: runs.map((r) => r.xtermMBps) };
}

/**
 * Session recording's cost (issue 18: at most 10% fewer MB/s): the same flood unrecorded and
 * recorded (asciicast to the data folder), alternating so a busy machine's drift hits both alike;
 * medians of FLOODS each.
 */
async function recordingOverhead(page: Page, call: Call, target: unknown, source: string) {
  const off: number[] = [];
  const on: number[] = [];
  try {
    for (let i = 0; i < FLOODS; i++) {
      await call('settings.update', { recordTerminals: 'off' });
      off.push((await measureFlood(page, call, target, source)).xtermMBps);
      await call('settings.update', { recordTerminals: 'always' });
      on.push((await measureFlood(page, call, target, source)).xtermMBps);
    }
  } finally {
    await call('settings.update', { recordTerminals: 'ask' });
  }
  const med = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { unrecordedMBps: med(off), recordedMBps: med(on), fewerPct: round((1 - med(on) / med(off)) * 100), runs: { off, on } };
}

type Alone = { MBps: number; maxFrameGapMs: number } | null;

/**
 * The ceiling on this machine: xterm alone in a blank page, fed the same lines from memory as
 * fast as it takes them (no network, no ssh). The end-to-end figure is read against this. Run
 * as xterm comes and with Outpost's flood cap (renderer/views/terminals/render-cap.ts), after one
 * warm-up run, alternating, median of three each.
 */
async function xtermAlone(browser: Browser, webgl: boolean): Promise<{ uncapped: Alone; capped: Alone }> {
  const bundled = await build({
    stdin: {
      resolveDir: root,
      contents: `
        import { Terminal } from '@xterm/xterm';
        import { WebglAddon } from '@xterm/addon-webgl';
        import { capRenderRate } from './renderer/views/terminals/render-cap';
        window.xtermAlone = async (webgl, mb, capped) => {
          const el = document.createElement('div');
          el.style.width = '1200px';
          el.style.height = '700px';
          document.body.appendChild(el);
          const term = new Terminal({ cols: 160, rows: 45, scrollback: 10000 });
          term.open(el);
          if (webgl) { try { term.loadAddon(new WebglAddon()); } catch { return null; } }
          const cap = capped ? capRenderRate(term) : null;
          const line = new TextEncoder().encode('a'.repeat(159) + '\\r\\n');
          const chunk = new Uint8Array(65536 - (65536 % line.length));
          for (let i = 0; i < chunk.length; i += line.length) chunk.set(line, i);
          const total = mb * 1e6;
          let sent = 0, done = 0, maxGap = 0, prev = performance.now(), running = true;
          const frame = (t) => { maxGap = Math.max(maxGap, t - prev); prev = t; if (running) requestAnimationFrame(frame); };
          requestAnimationFrame(frame);
          const t0 = performance.now();
          await new Promise((resolve) => {
            const pump = () => {
              while (sent - done < 1e6 && sent < total) {
                sent += chunk.length;
                term.write(chunk, () => { done += chunk.length; if (done >= total) resolve(); else pump(); });
              }
            };
            pump();
          });
          running = false;
          cap?.dispose();
          term.dispose();
          el.remove();
          return { MBps: Math.round((total / 1e6 / ((performance.now() - t0) / 1000)) * 10) / 10, maxFrameGapMs: Math.round(maxGap) };
        };`,
    },
    bundle: true,
    write: false,
    format: 'iife',
    logLevel: 'silent',
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  try {
    await page.setContent('<!doctype html><html><body></body></html>');
    await page.addStyleTag({ content: readFileSync(join(root, 'node_modules', '@xterm', 'xterm', 'css', 'xterm.css'), 'utf8') });
    await page.addScriptTag({ content: bundled.outputFiles[0]!.text });
    const run = (capped: boolean): Promise<Alone> => page.evaluate(([w, mb, c]) => (window as unknown as { xtermAlone(w: boolean, mb: number, c: boolean): Promise<Alone> }).xtermAlone(w, mb, c), [webgl, Math.min(MB, 30), capped] as const);
    await run(false);
    const runs: Record<'uncapped' | 'capped', Alone[]> = { uncapped: [], capped: [] };
    for (let i = 0; i < 3; i++) {
      runs.uncapped.push(await run(false));
      runs.capped.push(await run(true));
    }
    const median = (xs: Alone[]): Alone => (xs.some((x) => x === null) ? null : [...xs].sort((a, b) => a!.MBps - b!.MBps)[1]!);
    return { uncapped: median(runs.uncapped), capped: median(runs.capped) };
  } finally {
    await page.close();
  }
}

async function main(): Promise<void> {
  if (!existsSync(join(staticDir, 'index.html'))) return skip('run `npm run build` first');
  if (!existsSync('/usr/bin/chromium')) return skip('no /usr/bin/chromium');
  if (!sshdAvailable() || process.getuid?.() !== 0) return skip('needs root and openssh-server');

  const dir = mkdtempSync(join(tmpdir(), 'outpost-bench-terminal-'));
  const floodFile = join(dir, 'flood.txt');
  execFileSync('sh', ['-c', `${GENERATE} > ${floodFile}`]);
  const source = process.env.BENCH_TERMINAL_SOURCE === 'fold' ? GENERATE : `cat ${floodFile}`;
  const key = generateKey(join(dir, 'id'));
  const sshd = await startSshd({ dir, authorizedKeys: [key.publicKey] });
  const core = await createOutpostCore({ dataDir: join(dir, 'data'), transport: 'host', kdf: { ...defaultKdf, N: 2 ** 10 } });
  const call: Call = dispatchOrThrow(core);
  await call('vault.unlock', { passphrase: 'a long enough bench passphrase' });
  await call('credentials.add', { name: 'bench', username: 'root', secret: { type: 'private-key', privateKey: key.privateKey } });
  await call('knownHosts.trust', { host: '127.0.0.1', port: sshd.port, fingerprint: sshd.fingerprint });
  // The reference: the OpenSSH client with a pty (ssh -tt), same sshd and source, output thrown
  // away: how fast this machine's sshd, pty and source deliver when nothing draws. Median of 3.
  const ptyMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t0 = Date.now();
    const r = spawnSync('ssh', ['-tt', '-i', join(dir, 'id'), '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', '-p', String(sshd.port), 'root@127.0.0.1', source], { stdio: ['ignore', 'ignore', 'ignore'] });
    if (r.status === 0) ptyMs.push(Date.now() - t0);
  }
  const opensshPtyMBps = ptyMs.length ? round(FLOOD_BYTES / 1e6 / ([...ptyMs].sort((a, b) => a - b)[Math.floor(ptyMs.length / 2)]! / 1000)) : null;
  const host = await startHost({ core, staticDir });
  const browserHome = mkdtempSync(join(tmpdir(), 'outpost-bench-chromium-'));
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: chromiumArgs,
    env: { ...process.env, HOME: browserHome },
  });
  const target = { type: 'ssh', host: '127.0.0.1', port: sshd.port, credential: 'bench' };
  try {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    await page.goto(host.openUrl);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    await page.getByRole('heading', { name: 'No terminal open' }).waitFor();
    const empty = { ...(await heap(page)), ...(await processMemory(browser)) };

    const webgl = { ...(await floods(page, call, target, source)), xtermAlone: await xtermAlone(browser, true) };
    const recording = process.env.BENCH_TERMINAL_RECORDING === '0' ? null : await recordingOverhead(page, call, target, source);
    // The same flood with the DOM renderer (a second browser without WebGL): xterm's fallback.
    const domBrowser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: [...chromiumArgs, '--disable-webgl'], env: { ...process.env, HOME: browserHome } });
    let dom: unknown;
    try {
      const domPage = await domBrowser.newPage({ viewport: { width: 1280, height: 800 } });
      await domPage.goto(host.openUrl);
      dom = { ...(await floods(domPage, call, target, source)), xtermAlone: await xtermAlone(domBrowser, false) };
    } finally {
      await domBrowser.close();
    }

    // Memory: 10 tabs, each with a few thousand lines of scrollback.
    const ids: number[] = [];
    for (let i = 0; i < TABS; i++) ids.push((await call<{ id: number }>('terminal.open', { target, cols: 160, rows: 45 })).id);
    for (const id of ids) await call('terminal.write', { id, data: 'seq 1 5000\r' });
    await new Promise((r) => setTimeout(r, 1000));
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /Terminals/ }).click();
    for (const id of ids) await page.locator(`[data-terminal-id="${id}"] [data-testid="terminal-host"][data-drawn]`).waitFor({ state: 'attached' });
    // Show each tab once, so every terminal has rendered at its real size.
    for (const tab of await page.getByRole('tab').all()) {
      await tab.click();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    }
    const tabs = { ...(await heap(page)), ...(await processMemory(browser)) };
    const renderers = await page.locator('[data-testid="terminal-host"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-renderer')));
    for (const id of ids) await call('terminal.close', { id });

    console.log(
      JSON.stringify({
        bench: 'terminal',
        webgl,
        recording,
        dom,
        source: source.startsWith('cat') ? 'cat of a file' : GENERATE,
        targetMBps: 30,
        opensshPtyToDevNullMBps: opensshPtyMBps,
        tabs: TABS,
        tabRenderers: [...new Set(renderers)],
        emptyPage: empty,
        tenTabs: tabs,
        perTabHeapMB: round((tabs.jsHeapMB - empty.jsHeapMB) / TABS),
        perTabProcessMB: round((tabs.rendererMB + tabs.gpuMB - empty.rendererMB - empty.gpuMB) / TABS),
      }),
    );
  } finally {
    await browser.close();
    await host.close();
    await core.close();
    sshd.stop();
    rmSync(dir, { recursive: true, force: true });
    rmSync(browserHome, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.log(JSON.stringify({ bench: 'terminal', error: err instanceof Error ? err.message : String(err) }));
  process.exitCode = 1;
});
