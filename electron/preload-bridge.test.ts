import { describe, expect, it } from 'vitest';
import { EVENT_CHANNEL, INVOKE_CHANNEL } from './ipc-channels.js';
import { createPreloadBridge, type PreloadIpc } from './preload-bridge.js';

function fakeIpc(reply: (channel: string, ...args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: 1 })) {
  const calls: unknown[][] = [];
  const listeners = new Map<string, Set<(...args: unknown[]) => void>>();
  const ipc: PreloadIpc = {
    invoke: (channel, ...args) => {
      calls.push([channel, ...args]);
      return reply(channel, ...args);
    },
    subscribe(channel, listener) {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      return () => set.delete(listener);
    },
  };
  const emit = (...args: unknown[]): void => {
    for (const listener of listeners.get(EVENT_CHANNEL) ?? []) listener(...args);
  };
  const ipcListenerCount = (): number => listeners.get(EVENT_CHANNEL)?.size ?? 0;
  return { ipc, calls, emit, ipcListenerCount };
}

describe('createPreloadBridge', () => {
  it('exposes exactly invoke and on', () => {
    expect(Object.keys(createPreloadBridge(fakeIpc().ipc)).sort()).toEqual(['invoke', 'on']);
  });

  it('forwards invoke on the one invoke channel and returns the result as is', async () => {
    const { ipc, calls } = fakeIpc();
    const bridge = createPreloadBridge(ipc);
    await expect(bridge.invoke('app.info', {})).resolves.toEqual({ ok: true, value: 1 });
    expect(calls).toEqual([[INVOKE_CHANNEL, 'app.info', {}]]);
  });

  it('rejects a non-string or empty command without calling main', async () => {
    const { ipc, calls } = fakeIpc();
    const bridge = createPreloadBridge(ipc);
    for (const command of [42, '', null, 'x'.repeat(201)]) {
      const result = await bridge.invoke(command as string, {});
      expect(result).toMatchObject({ ok: false, error: { code: 'VALIDATION' } });
    }
    expect(calls).toEqual([]);
  });

  it('turns a transport failure into a TRANSPORT error instead of throwing', async () => {
    const bridge = createPreloadBridge(fakeIpc(async () => Promise.reject(new Error('An object could not be cloned.'))).ipc);
    await expect(bridge.invoke('app.info', { f: () => 1 })).resolves.toMatchObject({ ok: false, error: { code: 'TRANSPORT' } });
  });

  it('delivers only the payload of known events, and unsubscribes', () => {
    const { ipc, emit, ipcListenerCount } = fakeIpc();
    const bridge = createPreloadBridge(ipc);
    const seen: unknown[] = [];
    const off = bridge.on('settings.changed', (payload) => seen.push(payload));
    expect(ipcListenerCount()).toBe(1);
    emit('settings.changed', { theme: 'dark' });
    emit('status.changed', { other: true });
    emit(42, 'junk');
    expect(seen).toEqual([{ theme: 'dark' }]);
    off();
    off();
    emit('settings.changed', { theme: 'light' });
    expect(seen).toHaveLength(1);
    expect(ipcListenerCount()).toBe(0);
  });

  it('keeps one IPC listener however many page listeners there are', () => {
    const { ipc, emit, ipcListenerCount } = fakeIpc();
    const bridge = createPreloadBridge(ipc);
    let count = 0;
    const listener = (): void => {
      count += 1;
    };
    const offA = bridge.on('audit.appended', listener);
    const offB = bridge.on('audit.appended', listener);
    const offC = bridge.on('status.changed', () => {
      throw new Error('a broken view');
    });
    expect(ipcListenerCount()).toBe(1);
    emit('audit.appended', {});
    expect(count).toBe(2);
    offA();
    emit('audit.appended', {});
    expect(count).toBe(3);
    offB();
    offC();
    expect(ipcListenerCount()).toBe(0);
  });

  it('refuses unknown event names and non-function listeners', () => {
    const bridge = createPreloadBridge(fakeIpc().ipc);
    expect(() => bridge.on('not.an.event', () => {})).toThrow(/Unknown Outpost event/);
    expect(() => bridge.on(42 as unknown as string, () => {})).toThrow(TypeError);
    expect(() => bridge.on('settings.changed', 'nope' as unknown as () => void)).toThrow(TypeError);
  });
});
