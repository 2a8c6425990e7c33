import { useCallback, useEffect, useMemo } from 'react';
import { saveSettings } from '../app/settings-actions';
import { useClient, useShell, useShellStore } from '../app/shell-context';
import { useShellData } from '../app/use-shell-data';
import { useGlobalKeys } from '../navigation/use-global-keys';
import { useHashRoute } from '../navigation/use-hash-route';
import { CommandPalette } from '../palette/CommandPalette';
import { staticItems, type PaletteItem } from '../palette/palette-items';
import { runPaletteAction } from '../palette/run-palette-action';
import { useConfirmDestructive } from '../ui/ConfirmDialog';
import { toggledTheme } from '../theme/resolve-theme';
import { useAppliedTheme, useResolvedTheme } from '../theme/use-applied-theme';
import { ConnectionBanner } from './ConnectionBanner';
import { Sidebar } from './Sidebar';
import { StatusBar } from './StatusBar';
import { TasksPane } from '../tasks/TasksPane';
import { Toasts } from './Toasts';
import { TopBar } from './TopBar';
import { ViewOutlet } from './ViewOutlet';

function focusViewHeading(): void {
  document.getElementById('view-heading')?.focus();
}

export function Shell() {
  useShellData();
  useAppliedTheme();
  useHashRoute();
  useGlobalKeys();

  const client = useClient();
  const store = useShellStore();
  const view = useShell((s) => s.view);
  const focusMainPending = useShell((s) => s.focusMainPending);
  const paletteOpen = useShell((s) => s.paletteOpen);
  const tasksOpen = useShell((s) => s.tasksOpen);
  const resolvedTheme = useResolvedTheme();

  // After keyboard navigation (shortcut or palette) focus lands on the new view's heading, so a
  // screen reader announces it and Tab continues inside the view.
  useEffect(() => {
    if (!focusMainPending) return;
    focusViewHeading();
    store.getState().mainFocused();
  }, [focusMainPending, view, store]);

  const closePalette = useCallback(() => store.getState().setPaletteOpen(false), [store]);
  const paletteItems = useMemo(() => staticItems(), []);
  const { confirm, dialog } = useConfirmDestructive();
  const runPaletteItem = useCallback(
    (item: PaletteItem) =>
      runPaletteAction(
        {
          client,
          store,
          confirm,
          setTheme: (to) => void saveSettings(client, store, { theme: to === 'system' ? 'system' : toggledTheme(resolvedTheme) }).catch(() => undefined),
        },
        item.action,
      ),
    [client, store, confirm, resolvedTheme],
  );

  return (
    <div className="shell">
      <TopBar onSkipToContent={focusViewHeading} />
      <Sidebar />
      <main id="main" className="main" aria-labelledby="view-heading">
        <ConnectionBanner />
        <ViewOutlet />
      </main>
      <StatusBar />
      {tasksOpen && <TasksPane />}
      <Toasts />
      {paletteOpen && <CommandPalette items={paletteItems} onRun={runPaletteItem} onClose={closePalette} />}
      {dialog}
    </div>
  );
}
