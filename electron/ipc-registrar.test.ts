import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../core/contract/errors.js';
import { createOutpostCore, type OutpostCore } from '../core/server/core.js';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './ipc-channels.js';

// The registrar against the real core (real SQLite file) with Electron's ipcMain and windows
// replaced by small fakes: proves the sender/frame gate, that input validation happens in the
// core, and that event subscriptions end with the window.

type Handler = (event: unknown, ...args: unknown[]) => Promise<Result<unknown>>;
const handlers = vi.hoisted(() => new Map<string, Handler>());

vi.mock('electron', () => ({
  ipcMain: {
    handle: (channel: string, handler: Handler) => handlers.set(channel, handler),
    removeHandler: (channel: string) => handlers.delete(channel),
  },
}));

const { registerIpc } = await import('./ipc-registrar.js');

interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
  processId: number;
  routingId: number;
}

function fakeWindow(id: number, url = 'app://outpost/index.html') {
  const mainFrame: FakeFrame = { url, parent: null, processId: 100 + id, routingId: 1 };
  const sent: unknown[][] = [];
  const destroyedListeners: Array<() => void> = [];
  let destroyed = false;
  const webContents = {
    id,
    mainFrame,
    isDestroyed: () => destroyed,
    getURL: () => mainFrame.url,
    send: (...args: unknown[]) => sent.push(args),
    once: (name: string, listener: () => void) => {
      if (name === 'destroyed') destroyedListeners.push(listener);
    },
  };
  return {
    window: { webContents } as unknown as Parameters<ReturnType<typeof registerIpc>['attachWindow']>[0],
    webContents,
    mainFrame,
    sent,
    destroy() {
      destroyed = true;
      for (const listener of destroyedListeners) listener();
    },
  };
}

function call(sender: ReturnType<typeof fakeWindow>['webContents'], frame: FakeFrame | null, command: unknown, input: unknown) {
  const handler = handlers.get(INVOKE_CHANNEL);
  if (!handler) throw new Error('no handler registered');
  return handler({ sender, senderFrame: frame }, command, input);
}

describe('registerIpc', () => {
  let dataDir: string;
  let core: OutpostCore;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'outpost-ipc-'));
    core = await createOutpostCore({ dataDir, transport: 'electron', osCipher: null });
  });

  afterEach(async () => {
    await core.close();
    rmSync(dataDir, { recursive: true, force: true });
    handlers.clear();
  });

  it('dispatches calls from the main frame of an attached window', async () => {
    const registrar = registerIpc(core);
    const win = fakeWindow(1);
    registrar.attachWindow(win.window);
    await expect(call(win.webContents, win.mainFrame, 'app.info', {})).resolves.toMatchObject({ ok: true, value: { transport: 'electron', dataDir } });
    registrar.dispose();
    expect(handlers.has(INVOKE_CHANNEL)).toBe(false);
  });

  it('leaves input validation to the core: bad input is VALIDATION, a bad name UNKNOWN_COMMAND', async () => {
    const registrar = registerIpc(core);
    const win = fakeWindow(1);
    registrar.attachWindow(win.window);
    await expect(call(win.webContents, win.mainFrame, 'settings.update', { theme: 'neon' })).resolves.toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    await expect(call(win.webContents, win.mainFrame, { toString: 1 }, {})).resolves.toMatchObject({ ok: false, error: { code: 'UNKNOWN_COMMAND' } });
    registrar.dispose();
  });

  it('refuses other WebContents, iframes, gone frames and foreign origins with UNAUTHORIZED', async () => {
    const registrar = registerIpc(core);
    const ours = fakeWindow(1);
    const stranger = fakeWindow(2);
    registrar.attachWindow(ours.window);
    const iframe: FakeFrame = { url: 'app://outpost/index.html', parent: ours.mainFrame, processId: ours.mainFrame.processId, routingId: 9 };
    const refused = [
      await call(stranger.webContents, stranger.mainFrame, 'app.info', {}),
      await call(ours.webContents, iframe, 'app.info', {}),
      await call(ours.webContents, null, 'app.info', {}),
    ];
    ours.mainFrame.url = 'https://example.invalid/';
    refused.push(await call(ours.webContents, ours.mainFrame, 'app.info', {}));
    for (const result of refused) expect(result).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    registrar.dispose();
  });

  it('forwards core events to attached windows and stops when a window is destroyed', async () => {
    const registrar = registerIpc(core);
    const a = fakeWindow(1);
    const b = fakeWindow(2);
    registrar.attachWindow(a.window);
    registrar.attachWindow(b.window);
    await call(a.webContents, a.mainFrame, 'settings.update', { operatorName: 'ops-1' });
    expect(a.sent.some(([channel, name]) => channel === EVENT_CHANNEL && name === 'settings.changed')).toBe(true);
    expect(b.sent.some(([channel, name]) => channel === EVENT_CHANNEL && name === 'settings.changed')).toBe(true);

    b.destroy();
    const before = b.sent.length;
    await call(a.webContents, a.mainFrame, 'settings.update', { operatorName: 'ops-2' });
    expect(b.sent.length).toBe(before);
    // A destroyed window is no longer a trusted sender either.
    await expect(call(b.webContents, b.mainFrame, 'app.info', {})).resolves.toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    registrar.dispose();
  });
});
