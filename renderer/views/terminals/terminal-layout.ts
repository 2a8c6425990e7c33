import type { TerminalTab } from './terminals-store';

/**
 * The terminal layout in the address (#/terminals?layout=3.4_7&tab=1): which terminals (by the
 * host's id) share a tab as split panes, in tab order, and which tab is active. Ids only: never
 * a host name, a user or a secret. A reload puts the same terminals back in the same places.
 */
export interface TerminalLayout {
  tabs: number[][];
  /** Index of the active tab, or null. */
  active: number | null;
}

const MAX_TABS = 64;
const MAX_PANES = 4;

export function layoutToParams(tabs: readonly TerminalTab[], activeTab: number | null): { layout: string; tab: string } {
  const index = tabs.findIndex((t) => t.key === activeTab);
  return { layout: tabs.map((t) => t.panes.join('.')).join('_'), tab: index < 0 ? '' : String(index) };
}

/** Reads a layout; malformed parts (hand-edited, truncated) are dropped, an id appears once at most. */
export function layoutFromParams(p: URLSearchParams): TerminalLayout {
  const seen = new Set<number>();
  const tabs = (p.get('layout') ?? '')
    .split('_')
    .slice(0, MAX_TABS)
    .map((group) =>
      group
        .split('.')
        .filter((x) => /^\d{1,9}$/.test(x))
        .map(Number)
        .filter((id) => !seen.has(id) && seen.add(id))
        .slice(0, MAX_PANES),
    )
    .filter((panes) => panes.length > 0);
  const tab = Number(p.get('tab'));
  return { tabs, active: p.get('tab') !== null && Number.isInteger(tab) && tab >= 0 && tab < tabs.length ? tab : null };
}
