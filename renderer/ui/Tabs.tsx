import type { KeyboardEvent, ReactNode } from 'react';
import { viewTarget, type ViewId } from '../navigation/views';
import { ViewHeader } from './ViewHeader';

export interface TabSpec<T extends string> {
  id: T;
  label: string;
}

/** The panel a tab controls; render it with role="tabpanel", this id and aria-labelledby={tabId}. */
export const tabPanelId = (prefix: string, id: string): string => `${prefix}-panel-${id}`;
export const tabId = (prefix: string, id: string): string => `${prefix}-tab-${id}`;

/**
 * A tab list with one Tab stop: Left/Right/Home/End move between tabs and select them (the
 * panels are cheap to show, so selection follows focus).
 */
export function Tabs<T extends string>({ tabs, selected, onSelect, prefix, label }: { tabs: readonly TabSpec<T>[]; selected: T; onSelect(id: T): void; prefix: string; label: string }) {
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    const at = tabs.findIndex((t) => t.id === selected);
    let next = -1;
    if (event.key === 'ArrowRight') next = (at + 1) % tabs.length;
    else if (event.key === 'ArrowLeft') next = (at - 1 + tabs.length) % tabs.length;
    else if (event.key === 'Home') next = 0;
    else if (event.key === 'End') next = tabs.length - 1;
    const target = tabs[next];
    if (!target) return;
    event.preventDefault();
    onSelect(target.id);
    document.getElementById(tabId(prefix, target.id))?.focus();
  };
  return (
    <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKeyDown}>
      {tabs.map((tab) => (
        <button
          key={tab.id}
          id={tabId(prefix, tab.id)}
          type="button"
          role="tab"
          className="tab"
          aria-selected={tab.id === selected}
          aria-controls={tabPanelId(prefix, tab.id)}
          tabIndex={tab.id === selected ? 0 : -1}
          onClick={() => onSelect(tab.id)}
        >
          {tab.label}
        </button>
      ))}
    </div>
  );
}

/**
 * A view whose sections are tabs: its header (the title is the view's navigation label), the tab
 * list (ids prefixed with the view id) and the selected section's panel.
 */
export function TabbedPage<T extends string>({ view, description, label, tabs, selected, onSelect, children }: { view: ViewId; description: string; label: string; tabs: readonly TabSpec<T>[]; selected: T; onSelect(id: T): void; children: ReactNode }) {
  return (
    <>
      <ViewHeader title={viewTarget(view).label} description={description} />
      <Tabs tabs={tabs} selected={selected} onSelect={onSelect} prefix={view} label={label} />
      <div className="tab-panel" role="tabpanel" id={tabPanelId(view, selected)} aria-labelledby={tabId(view, selected)}>
        {children}
      </div>
    </>
  );
}
