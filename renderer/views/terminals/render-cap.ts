import type { Terminal } from '@xterm/xterm';

/**
 * A frame-rate cap for xterm while output floods.
 *
 * During a flood xterm redraws its rows on every animation frame, redraws them all again for
 * every selection refresh (one per scroll: DomRenderer.handleSelectionChanged), and moves its
 * scrollbar and hidden input textarea on every scrolled line: each change makes the next frame
 * recompute style, layout, paint and raster. With the DOM renderer on a machine without a GPU
 * that is CPU the parser does not get. Nobody reads 60 screens a second of scrolling text, so once
 * output has kept coming for `sustainMs`, all four are held and released together at most `fps`
 * times a second; a pause in the output (`quietMs` without a redraw request) lifts the cap, so
 * typed echo and interactive programs (editors, top) draw on the next frame.
 *
 * xterm has no option for this, so the cap wraps four methods of xterm 6's internals: the render
 * debouncer's `refresh`, the viewport's `_sync`, the terminal's `_syncTextArea` and the selection
 * service's `refresh`. render-cap.test.ts checks the installed xterm still has all four; one that
 * moves in an upgrade simply runs uncapped (the pane then says `data-render-cap="off"`).
 */
export interface RenderCapOptions {
  /** Redraws per second while output floods. */
  fps: number;
  /** How long redraw requests must keep coming before the cap applies. */
  sustainMs: number;
  /** A gap this long between redraw requests ends a flood. */
  quietMs: number;
}

export const FLOOD_RENDER_CAP: RenderCapOptions = { fps: 20, sustainMs: 250, quietMs: 100 };

type Refresh = (start: number | undefined, end: number | undefined, rowCount: number) => void;
type Rows = { start: number; end: number; rowCount: number };

export interface RenderCap {
  /** Which of xterm's internals were found and capped (none: the terminal draws uncapped). */
  readonly capped: { rows: boolean; scrollbar: boolean; textarea: boolean; selection: boolean };
  /** Calls passed through and held back so far (for tests and the bench). */
  readonly stats: { passed: number; deferred: number };
  dispose(): void;
}

interface Internals {
  debouncer: { refresh: Refresh } | null;
  viewport: { _sync: (ydisp?: number) => void } | null;
  core: { _syncTextArea: () => void } | null;
  selection: { refresh: (isLinuxMouseSelection?: boolean) => void } | null;
}

function internalsOf(term: Terminal): Internals {
  type Loose = { _renderService?: { _renderDebouncer?: { refresh?: unknown } }; _viewport?: { _sync?: unknown }; _syncTextArea?: unknown; _selectionService?: { refresh?: unknown } };
  const core = (term as unknown as { _core?: Loose })._core;
  const debouncer = core?._renderService?._renderDebouncer;
  const viewport = core?._viewport;
  const selection = core?._selectionService;
  return {
    debouncer: typeof debouncer?.refresh === 'function' ? (debouncer as Internals['debouncer']) : null,
    viewport: typeof viewport?._sync === 'function' ? (viewport as Internals['viewport']) : null,
    core: typeof core?._syncTextArea === 'function' ? (core as Internals['core']) : null,
    selection: typeof selection?.refresh === 'function' ? (selection as Internals['selection']) : null,
  };
}

export function capRenderRate(term: Terminal, options: RenderCapOptions = FLOOD_RENDER_CAP, now: () => number = () => performance.now()): RenderCap {
  const stats = { passed: 0, deferred: 0 };
  const { debouncer, viewport, core, selection } = internalsOf(term);
  const originals = {
    refresh: debouncer?.refresh,
    sync: viewport?._sync,
    syncTextArea: core?._syncTextArea,
    selectionRefresh: selection?.refresh,
  };
  const interval = 1000 / options.fps;

  // A flood is redraw requests that keep coming, each within quietMs of the last.
  let lastRequest = -Infinity;
  let floodSince = 0;
  let lastPass = -Infinity;
  let timer: ReturnType<typeof setTimeout> | undefined;
  // What is held, released together in one go so it lands in one frame.
  let heldRows: Rows | null = null;
  let heldSync = false;
  let heldTextArea = false;
  let heldSelection = false;
  let requestedWhileHeld = false;

  const run = (): void => {
    stats.passed++;
    if (heldRows) {
      const r = heldRows;
      heldRows = null;
      originals.refresh!.call(debouncer, r.start, r.end, r.rowCount);
    }
    if (heldSync) {
      heldSync = false;
      // With no argument xterm syncs to where the buffer is by now.
      originals.sync!.call(viewport);
    }
    if (heldTextArea) {
      heldTextArea = false;
      originals.syncTextArea!.call(core);
    }
    if (heldSelection) {
      heldSelection = false;
      originals.selectionRefresh!.call(selection);
    }
  };

  const release = (): void => {
    timer = undefined;
    lastPass = now();
    // Requests kept coming while held: the flood goes on.
    if (requestedWhileHeld) lastRequest = lastPass;
    requestedWhileHeld = false;
    run();
  };

  /**
   * Called with what one call asks for already merged into the held state. Several of these run
   * once per scrolled line (300,000 times in a 50 MB flood), so while something is held a call
   * does nothing more: no clock read.
   */
  const gate = (isRedrawRequest: boolean): void => {
    if (timer !== undefined) {
      stats.deferred++;
      if (isRedrawRequest) requestedWhileHeld = true;
      return;
    }
    const t = now();
    if (isRedrawRequest) {
      if (t - lastRequest > options.quietMs) floodSince = t;
      lastRequest = t;
    }
    const flooding = t - lastRequest <= options.quietMs && t - floodSince >= options.sustainMs;
    if (!flooding || t - lastPass >= interval) {
      if (flooding) lastPass = t;
      run();
      return;
    }
    stats.deferred++;
    timer = setTimeout(release, interval - (t - lastPass));
  };

  const wrapped = {
    refresh: (start: number | undefined, end: number | undefined, rowCount: number): void => {
      const s = start ?? 0;
      const e = end ?? rowCount - 1;
      // Held redraws widen to cover every row asked for.
      heldRows = heldRows ? { start: Math.min(heldRows.start, s), end: Math.max(heldRows.end, e), rowCount } : { start: s, end: e, rowCount };
      gate(true);
    },
    sync: (ydisp?: number): void => {
      // A sync to a given line (the viewport's own frame callback) is not held.
      if (ydisp !== undefined) return originals.sync!.call(viewport, ydisp);
      heldSync = true;
      gate(false);
    },
    syncTextArea: (): void => {
      heldTextArea = true;
      gate(false);
    },
    selectionRefresh: (isLinuxMouseSelection?: boolean): void => {
      // A refresh from the mouse (it says whether it was a Linux selection) is not held.
      if (isLinuxMouseSelection !== undefined) return originals.selectionRefresh!.call(selection, isLinuxMouseSelection);
      heldSelection = true;
      gate(false);
    },
  };
  if (debouncer) debouncer.refresh = wrapped.refresh;
  if (viewport) viewport._sync = wrapped.sync;
  if (core) core._syncTextArea = wrapped.syncTextArea;
  if (selection) selection.refresh = wrapped.selectionRefresh;

  return {
    capped: { rows: debouncer !== null, scrollbar: viewport !== null, textarea: core !== null, selection: selection !== null },
    stats,
    dispose: () => {
      clearTimeout(timer);
      timer = undefined;
      heldRows = null;
      heldSync = heldTextArea = heldSelection = false;
      if (debouncer?.refresh === wrapped.refresh) debouncer.refresh = originals.refresh!;
      if (viewport?._sync === wrapped.sync) viewport._sync = originals.sync!;
      if (core?._syncTextArea === wrapped.syncTextArea) core._syncTextArea = originals.syncTextArea!;
      if (selection?.refresh === wrapped.selectionRefresh) selection.refresh = originals.selectionRefresh!;
    },
  };
}
