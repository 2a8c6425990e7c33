import { afterEach, describe, expect, it } from 'vitest';
import type { RawBridge } from '../../core/contract';
import { chooseBridge } from './choose-bridge';

afterEach(() => {
  delete (window as Window & { outpost?: unknown }).outpost;
  window.sessionStorage.clear();
});

describe('chooseBridge', () => {
  it('uses the Electron preload bridge when window.outpost is there, and turns IPC failures into TRANSPORT', async () => {
    // A FAKE preload bridge whose IPC call rejects, as ipcRenderer.invoke does when main is gone.
    const fakePreload: RawBridge = {
      invoke: () => Promise.reject(new Error('main process gone')),
      on: () => () => undefined,
    };
    (window as Window & { outpost?: unknown }).outpost = fakePreload;
    const bridge = chooseBridge(window);
    expect(bridge.kind).toBe('electron');
    expect(bridge.connection.get()).toEqual({ phase: 'connected', transport: 'electron' });
    await expect(bridge.invoke('status.get', {})).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
  });

  it('ignores a window.outpost that is not a bridge, and without a host token says how to connect', async () => {
    (window as Window & { outpost?: unknown }).outpost = { invoke: 'nope' };
    window.history.replaceState(null, '', '/');
    const bridge = chooseBridge(window);
    expect(bridge.kind).toBe('none');
    expect(bridge.connection.get().phase).toBe('no-token');
    const result = await bridge.invoke('status.get', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
    expect(!result.ok && result.error.message).toContain('#token=');
  });
});
