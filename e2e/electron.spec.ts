import { _electron as electron, expect, test, type ElectronApplication, type Page } from '@playwright/test';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The desktop app end to end: the real main process, preload, app:// protocol and IPC
// registrar, over a fresh data folder. Runs only where the Electron binary exists; on machines
// installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1 it is skipped, and says so in the log.

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/**
 * The Electron executable, or null. Not `require('electron')`: that call starts a download
 * when the binary is missing. Same rule as scripts/electron-native.mjs.
 */
function electronBinary(): string | null {
  const pkgDir = dirname(require.resolve('electron/package.json'));
  const pathFile = join(pkgDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : '';
  const override = process.env.ELECTRON_OVERRIDE_DIST_PATH;
  const candidate = override ? join(override, relative || 'electron') : relative ? join(pkgDir, 'dist', relative) : null;
  return candidate && existsSync(candidate) ? candidate : null;
}

const executablePath = electronBinary();
const built = existsSync(join(root, 'dist', 'electron', 'main.cjs')) && existsSync(join(root, 'dist', 'renderer', 'index.html'));
const skipReason = !executablePath
  ? 'Electron binary not present (ELECTRON_SKIP_BINARY_DOWNLOAD): Electron e2e skipped'
  : !built
    ? 'App not built (run `npm run build`): Electron e2e skipped'
    : null;
if (skipReason) console.log(`e2e/electron.spec.ts: ${skipReason}`);

interface BridgeShape {
  keys: string[];
  invokeType: string;
  onType: string;
  requireType: string;
  processType: string;
  moduleType: string;
  bufferType: string;
}

test.describe('Electron shell', () => {
  test.skip(skipReason !== null, skipReason ?? '');

  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;

  test.beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'outpost-electron-e2e-'));
    app = await electron.launch({
      executablePath: executablePath ?? undefined,
      cwd: root,
      // Chromium refuses to start as root with its OS sandbox on Linux (CI containers run as
      // root); the renderer keeps `sandbox: true` (no Node in the page) either way.
      args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '.'],
      env: { ...process.env, OUTPOST_DATA_DIR: dataDir, ELECTRON_ENABLE_LOGGING: '1' },
    });
    page = await app.firstWindow();
  });

  test.afterAll(async () => {
    await app?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  test('opens the shell from app://outpost with its data in OUTPOST_DATA_DIR', async () => {
    await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
    expect(page.url()).toMatch(/^app:\/\/outpost\//);
    const info = await page.evaluate(() => (window as unknown as { outpost: { invoke(c: string, i: unknown): Promise<unknown> } }).outpost.invoke('app.info', {}));
    expect(info).toMatchObject({ ok: true, value: { transport: 'electron', dataDir } });
  });

  test('the page gets exactly window.outpost {invoke, on} and no Node', async () => {
    const shape = await page.evaluate((): BridgeShape => {
      const bridge = (window as unknown as { outpost: Record<string, unknown> }).outpost;
      return {
        keys: Object.keys(bridge).sort(),
        invokeType: typeof bridge.invoke,
        onType: typeof bridge.on,
        requireType: typeof (globalThis as Record<string, unknown>).require,
        processType: typeof (globalThis as Record<string, unknown>).process,
        moduleType: typeof (globalThis as Record<string, unknown>).module,
        bufferType: typeof (globalThis as Record<string, unknown>).Buffer,
      };
    });
    expect(shape).toEqual({
      keys: ['invoke', 'on'],
      invokeType: 'function',
      onType: 'function',
      requireType: 'undefined',
      processType: 'undefined',
      moduleType: 'undefined',
      bufferType: 'undefined',
    });
  });

  test('an invalid call returns a typed VALIDATION error, an unknown one UNKNOWN_COMMAND', async () => {
    const results = await page.evaluate(async () => {
      const bridge = (window as unknown as { outpost: { invoke(c: string, i: unknown): Promise<unknown> } }).outpost;
      return [await bridge.invoke('app.info', { unexpected: true }), await bridge.invoke('no.such.command', {})];
    });
    expect(results[0]).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
  });

  test('the window cannot navigate, open windows or reach the network', async () => {
    const before = page.url();
    const attempt = await page.evaluate(async () => {
      const popup = window.open('https://example.invalid/', '_blank');
      let fetched = 'blocked';
      try {
        await fetch('https://example.invalid/');
        fetched = 'reached';
      } catch {
        fetched = 'blocked';
      }
      return { popupOpened: popup !== null, fetched };
    });
    expect(attempt).toEqual({ popupOpened: false, fetched: 'blocked' });

    await page.evaluate(() => {
      window.location.href = 'https://example.invalid/';
    });
    await page.waitForTimeout(500);
    expect(page.url()).toBe(before);
    expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
  });
});
