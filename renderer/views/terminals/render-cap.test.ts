import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Terminal } from '@xterm/xterm';
import { capRenderRate, type RenderCapOptions } from './render-cap';

const options: RenderCapOptions = { fps: 20, sustainMs: 250, quietMs: 100 };

/**
 * A stand-in for xterm's internals (mock: the real ones need a browser's layout to draw), with
 * the same four methods the cap wraps, counting what reaches them. The real xterm is checked
 * below for having them, and e2e/terminals.spec.ts measures the cap on a real flood in Chromium.
 */
function fakeTerminal() {
  const calls = { refresh: [] as [number | undefined, number | undefined, number][], sync: [] as (number | undefined)[], textarea: 0, selection: [] as (boolean | undefined)[] };
  const core = {
    _renderService: { _renderDebouncer: { refresh: (start: number | undefined, end: number | undefined, rowCount: number) => void calls.refresh.push([start, end, rowCount]) } },
    _viewport: { _sync: (ydisp?: number) => void calls.sync.push(ydisp) },
    _syncTextArea: () => void calls.textarea++,
    _selectionService: { refresh: (linux?: boolean) => void calls.selection.push(linux) },
  };
  return { term: { _core: core } as unknown as Terminal, core, calls };
}

describe('capRenderRate', () => {
  let clock = 0;
  const now = (): number => clock;
  /** Advances the clock and the timers together. */
  const advance = (ms: number): void => {
    clock += ms;
    vi.advanceTimersByTime(ms);
  };
  beforeEach(() => {
    vi.useFakeTimers();
    clock = 1000;
  });
  afterEach(() => vi.useRealTimers());

  it('passes a lone redraw straight through (typed echo is drawn on the next frame)', () => {
    const { term, core, calls } = fakeTerminal();
    capRenderRate(term, options, now);
    core._renderService._renderDebouncer.refresh(3, 3, 45);
    expect(calls.refresh).toEqual([[3, 3, 45]]);
    advance(500);
    core._renderService._renderDebouncer.refresh(4, 4, 45);
    core._viewport._sync();
    core._syncTextArea();
    core._selectionService.refresh();
    expect(calls.refresh).toEqual([[3, 3, 45], [4, 4, 45]]);
    expect(calls).toMatchObject({ sync: [undefined], textarea: 1, selection: [undefined] });
  });

  it('holds a sustained flood to the cap, merging the rows asked for, and lifts it after a pause', () => {
    const { term, core, calls } = fakeTerminal();
    const cap = capRenderRate(term, options, now);
    // Two seconds of output: a redraw request every 4 ms, each scrolled line syncing the scrollbar,
    // moving the textarea and refreshing the selection.
    for (let t = 0, i = 0; t < 2000; t += 4, i++) {
      core._renderService._renderDebouncer.refresh(i % 45, i % 45, 45);
      for (let line = 0; line < 10; line++) {
        core._viewport._sync();
        core._syncTextArea();
        core._selectionService.refresh();
      }
      advance(4);
    }
    // The first 250 ms draw every request (64 rounds); the next 1750 ms at most 20 a second.
    const before = Math.ceil(options.sustainMs / 4) + 1;
    const after = Math.ceil(1750 / 50) + 2;
    expect(calls.refresh.length).toBeGreaterThanOrEqual(before - 1);
    expect(calls.refresh.length).toBeLessThanOrEqual(before + after);
    expect(calls.sync.length).toBeLessThanOrEqual(before * 10 + after);
    expect(calls.textarea).toBeLessThanOrEqual(before * 10 + after);
    expect(calls.selection.length).toBeLessThanOrEqual(before * 10 + after);
    // Uncapped that would have been 500 redraws and 5,000 of each of the others.
    expect(cap.stats.deferred).toBeGreaterThan(10_000);
    // A held redraw covers every row asked for while it was held: each request named one row,
    // a held one spans the dozen rows named in its 50 ms.
    for (const [start, end] of calls.refresh.slice(-5)) expect(end! - start!).toBeGreaterThanOrEqual(10);

    // The last held calls run once the interval is up: nothing is lost at the end of a flood.
    const held = { refresh: calls.refresh.length, sync: calls.sync.length, textarea: calls.textarea, selection: calls.selection.length };
    advance(60);
    expect(calls.refresh.length).toBe(held.refresh + 1);
    expect(calls.sync.length).toBe(held.sync + 1);
    expect(calls.textarea).toBe(held.textarea + 1);
    expect(calls.selection.length).toBe(held.selection + 1);

    // After a pause (no requests for quietMs) the next redraw is immediate again.
    advance(150);
    core._renderService._renderDebouncer.refresh(7, 7, 45);
    expect(calls.refresh.at(-1)).toEqual([7, 7, 45]);
  });

  it('lets calls that carry an argument through at once (a scroll to a line, a mouse selection)', () => {
    const { term, core, calls } = fakeTerminal();
    capRenderRate(term, options, now);
    for (let t = 0; t < 400; t += 4) {
      core._renderService._renderDebouncer.refresh(0, 44, 45);
      advance(4);
    }
    core._viewport._sync(120);
    core._selectionService.refresh(true);
    expect(calls.sync.at(-1)).toBe(120);
    expect(calls.selection.at(-1)).toBe(true);
  });

  it('dispose puts xterm back and drops what it held', () => {
    const { term, core, calls } = fakeTerminal();
    const originals = { refresh: core._renderService._renderDebouncer.refresh, sync: core._viewport._sync, textarea: core._syncTextArea, selection: core._selectionService.refresh };
    const cap = capRenderRate(term, options, now);
    expect(core._viewport._sync).not.toBe(originals.sync);
    for (let t = 0; t < 400; t += 4) {
      core._renderService._renderDebouncer.refresh(0, 44, 45);
      advance(4);
    }
    core._renderService._renderDebouncer.refresh(0, 44, 45);
    const count = calls.refresh.length;
    cap.dispose();
    advance(200);
    expect(calls.refresh.length).toBe(count);
    expect(core._renderService._renderDebouncer.refresh).toBe(originals.refresh);
    expect(core._viewport._sync).toBe(originals.sync);
    expect(core._syncTextArea).toBe(originals.textarea);
    expect(core._selectionService.refresh).toBe(originals.selection);
  });

  it('caps nothing, and says so, when xterm does not have what it wraps', () => {
    const cap = capRenderRate({ _core: {} } as unknown as Terminal, options, now);
    expect(cap.capped).toEqual({ rows: false, scrollbar: false, textarea: false, selection: false });
    expect(() => cap.dispose()).not.toThrow();
  });

  it('finds all four in the installed xterm (an upgrade that moves them fails here)', () => {
    vi.useRealTimers();
    // jsdom has no matchMedia (xterm watches the device pixel ratio with it).
    vi.stubGlobal('matchMedia', () => ({ matches: false, addListener: () => undefined, removeListener: () => undefined, addEventListener: () => undefined, removeEventListener: () => undefined }));
    const el = document.createElement('div');
    document.body.appendChild(el);
    const term = new Terminal({ cols: 80, rows: 24 });
    term.open(el);
    const cap = capRenderRate(term);
    expect(cap.capped).toEqual({ rows: true, scrollbar: true, textarea: true, selection: true });
    cap.dispose();
    term.dispose();
    vi.unstubAllGlobals();
  });
});
