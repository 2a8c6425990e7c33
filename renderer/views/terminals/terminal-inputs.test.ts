import { describe, expect, it } from 'vitest';
import { registerWriter, routeInput } from './terminal-inputs';
import { createTerminalsStore } from './terminals-store';

describe('broadcast input', () => {
  it('sends to the typing terminal only, or to every checked terminal when broadcasting', () => {
    const got: Record<number, string> = { 1: '', 2: '', 3: '' };
    const offs = [1, 2, 3].map((id) => registerWriter(id, (d) => (got[id] += d)));
    expect(routeInput(1, 'a', { on: false, targets: [1, 2, 3] })).toEqual([1]);
    expect(routeInput(1, 'b', { on: true, targets: [1, 3] })).toEqual([1, 3]);
    // A terminal outside the broadcast set types only into itself.
    expect(routeInput(2, 'c', { on: true, targets: [1, 3] })).toEqual([2]);
    expect(got).toEqual({ 1: 'ab', 2: 'c', 3: 'b' });
    offs.forEach((off) => off());
    expect(routeInput(1, 'd', { on: false, targets: [] })).toEqual([]);
  });

  it('keeps tabs, panes and broadcast targets consistent as terminals come and go', () => {
    const store = createTerminalsStore();
    const info = (id: number) => ({ id, title: `t${id}`, kind: 'ssh' as const, state: 'open' as const, cols: 80, rows: 24, openedAt: '', closedAt: null, exit: null, reconnects: 0, logPath: null, error: null, recordingId: null });
    store.getState().add(info(1), false);
    store.getState().add(info(2), true); // split: same tab
    store.getState().add(info(3), false);
    expect(store.getState().tabs.map((t) => t.panes)).toEqual([[1, 2], [3]]);
    store.getState().toggleBroadcast();
    expect(store.getState().broadcastTargets).toEqual([1, 2, 3]);
    store.getState().remove(3);
    expect(store.getState().tabs.map((t) => t.panes)).toEqual([[1, 2]]);
    expect(store.getState().broadcastTargets).toEqual([1, 2]);
    expect(store.getState().activeTab).toBe(store.getState().tabs[0]!.key);
    store.getState().zoom(1);
    store.getState().zoom(1);
    expect(store.getState().fontSize).toBe(15);
    store.getState().zoom(0);
    expect(store.getState().fontSize).toBe(13);
  });
});
