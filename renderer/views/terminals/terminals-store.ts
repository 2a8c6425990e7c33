import { createStore } from 'zustand/vanilla';
import type { TerminalInfo, TerminalTarget } from '../../../core/contract';

/** A tab shows one terminal, or several side by side (split panes). */
export interface TerminalTab {
  key: number;
  panes: number[];
}

/** What the open dialog starts with (an inventory VM's "Open SSH terminal" fills the VM in). */
export type OpenPrefill =
  /** A saved host (command palette) fills the form; the operator still presses Open. */
  | { kind: 'host'; host?: string; port?: number; user?: string | null; credential?: string }
  | { kind: 'vm'; site: string; vm: string; name: string; protocol: 'auto' | 'ssh' | 'winrm' } | { kind: 'winrm' };

export interface OpenRequest {
  prefill: OpenPrefill;
  /** Add the new terminal as a pane of the active tab instead of a new tab. */
  split: boolean;
}

export const MIN_FONT = 8;
export const MAX_FONT = 32;
export const DEFAULT_FONT = 13;

/** Metadata only (ids, state, layout): the bytes live in xterm and on the terminal stream. */
export interface TerminalsState {
  infos: Record<number, TerminalInfo>;
  tabs: TerminalTab[];
  activeTab: number | null;
  focused: number | null;
  fontSize: number;
  /** xterm's screen reader mode: rows mirrored into an accessibility tree (and announced). */
  screenReader: boolean;
  broadcast: boolean;
  broadcastTargets: number[];
  openRequest: OpenRequest | null;
  upsert(info: TerminalInfo): void;
  add(info: TerminalInfo, split: boolean): void;
  /** Takes a pane out of its tab (the tab goes when it has no panes left). */
  remove(id: number): void;
  activate(tab: number): void;
  focus(id: number): void;
  zoom(step: -1 | 0 | 1): void;
  toggleScreenReader(): void;
  toggleBroadcast(): void;
  toggleBroadcastTarget(id: number): void;
  requestOpen(request: OpenRequest): void;
  dismissOpen(): void;
  /** Puts known terminals back as these tabs (ids in each tab's panes); `active` is a tab index. */
  restore(tabs: readonly (readonly number[])[], active: number | null): void;
}

let nextTabKey = 1;

export function createTerminalsStore() {
  return createStore<TerminalsState>()((set) => ({
    infos: {},
    tabs: [],
    activeTab: null,
    focused: null,
    fontSize: DEFAULT_FONT,
    screenReader: false,
    broadcast: false,
    broadcastTargets: [],
    openRequest: null,
    upsert: (info) => set((s) => ({ infos: { ...s.infos, [info.id]: info } })),
    add: (info, split) =>
      set((s) => {
        const infos = { ...s.infos, [info.id]: info };
        if (s.tabs.some((t) => t.panes.includes(info.id))) return { infos, focused: info.id };
        const active = s.tabs.find((t) => t.key === s.activeTab);
        if (split && active && active.panes.length < 4) {
          return { infos, tabs: s.tabs.map((t) => (t === active ? { ...t, panes: [...t.panes, info.id] } : t)), focused: info.id };
        }
        const tab = { key: nextTabKey++, panes: [info.id] };
        return { infos, tabs: [...s.tabs, tab], activeTab: tab.key, focused: info.id };
      }),
    remove: (id) =>
      set((s) => {
        const tabs = s.tabs.map((t) => ({ ...t, panes: t.panes.filter((p) => p !== id) })).filter((t) => t.panes.length > 0);
        const index = s.tabs.findIndex((t) => t.key === s.activeTab);
        const activeTab = tabs.some((t) => t.key === s.activeTab) ? s.activeTab : (tabs[Math.min(Math.max(0, index), tabs.length - 1)]?.key ?? null);
        const infos = { ...s.infos };
        delete infos[id];
        return { tabs, activeTab, infos, focused: s.focused === id ? null : s.focused, broadcastTargets: s.broadcastTargets.filter((t) => t !== id) };
      }),
    activate: (tab) => set({ activeTab: tab }),
    focus: (id) => set({ focused: id }),
    zoom: (step) => set((s) => ({ fontSize: step === 0 ? DEFAULT_FONT : Math.min(MAX_FONT, Math.max(MIN_FONT, s.fontSize + step)) })),
    toggleScreenReader: () => set((s) => ({ screenReader: !s.screenReader })),
    toggleBroadcast: () => set((s) => ({ broadcast: !s.broadcast, broadcastTargets: !s.broadcast && s.broadcastTargets.length === 0 ? s.tabs.flatMap((t) => t.panes) : s.broadcastTargets })),
    toggleBroadcastTarget: (id) => set((s) => ({ broadcastTargets: s.broadcastTargets.includes(id) ? s.broadcastTargets.filter((t) => t !== id) : [...s.broadcastTargets, id] })),
    requestOpen: (request) => set({ openRequest: request }),
    dismissOpen: () => set({ openRequest: null }),
    restore: (groups, active) =>
      set((s) => {
        const placed = new Set(s.tabs.flatMap((t) => t.panes));
        const added = groups
          .map((g) => g.filter((id) => s.infos[id] && !placed.has(id)))
          .filter((g) => g.length > 0)
          .map((panes) => ({ key: nextTabKey++, panes: [...panes] }));
        if (added.length === 0) return {};
        const activeTab = active !== null ? (added[Math.min(active, added.length - 1)]?.key ?? s.activeTab) : (s.activeTab ?? added[0]!.key);
        return { tabs: [...s.tabs, ...added], activeTab };
      }),
  }));
}

/** One per app: tabs outlive a visit to another page (the terminals keep running in core). */
export const terminalsStore = createTerminalsStore();

export type { TerminalTarget };
