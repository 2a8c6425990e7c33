import { createStore, type StoreApi } from 'zustand/vanilla';
import type { CommandOutput, ErrorCode, Settings, Status, Task } from '../../core/contract';
import type { ViewId } from '../navigation/views';
import type { ConnectionState } from '../transport/connection-state';

export type AppInfo = CommandOutput<'app.info'>;

export interface Toast {
  id: number;
  tone: 'error' | 'info';
  /** The contract error code, shown so an operator can search for it or quote it. */
  code?: ErrorCode;
  title: string;
  message: string;
}

/** Shell metadata only: ids, states, small records. Never byte streams or large row sets. */
export interface ShellState {
  view: ViewId;
  /** Set when a navigation should move keyboard focus to the new view's heading. */
  focusMainPending: boolean;
  paletteOpen: boolean;
  /** The Recent Tasks pane (opened from the status bar). */
  tasksOpen: boolean;
  /** The newest tasks, newest first (bounded: RECENT_TASKS). */
  tasks: Task[];
  toasts: Toast[];
  connection: ConnectionState;
  status: Status | null;
  settings: Settings | null;
  info: AppInfo | null;
  systemPrefersDark: boolean;

  navigate(view: ViewId, options?: { focusMain?: boolean }): void;
  mainFocused(): void;
  setPaletteOpen(open: boolean): void;
  setTasksOpen(open: boolean): void;
  setTasks(tasks: Task[]): void;
  /** A task.updated event: replaces the task or puts it first. */
  upsertTask(task: Task): void;
  pushToast(toast: Omit<Toast, 'id'>): void;
  dismissToast(id: number): void;
  /** Clears earlier failures of an operation once it has succeeded. */
  dismissToastsTitled(title: string): void;
  setConnection(connection: ConnectionState): void;
  setStatus(status: Status): void;
  setSettings(settings: Settings): void;
  setInfo(info: AppInfo): void;
  setSystemPrefersDark(dark: boolean): void;
}

export type ShellStore = StoreApi<ShellState>;

// Enough to show a burst of failures without burying the screen.
const MAX_TOASTS = 5;
/** How many tasks the pane keeps (the feed's own history is longer: `outpost tasks --limit`). */
export const RECENT_TASKS = 50;

export function createShellStore(initial: { view: ViewId; connection: ConnectionState; systemPrefersDark?: boolean }): ShellStore {
  let nextToastId = 1;
  return createStore<ShellState>()((set) => ({
    view: initial.view,
    focusMainPending: false,
    paletteOpen: false,
    tasksOpen: false,
    tasks: [],
    toasts: [],
    connection: initial.connection,
    status: null,
    settings: null,
    info: null,
    systemPrefersDark: initial.systemPrefersDark ?? false,

    navigate: (view, options) => set({ view, focusMainPending: options?.focusMain ?? false }),
    mainFocused: () => set({ focusMainPending: false }),
    setPaletteOpen: (paletteOpen) => set({ paletteOpen }),
    setTasksOpen: (tasksOpen) => set({ tasksOpen }),
    setTasks: (tasks) => set({ tasks: tasks.slice(0, RECENT_TASKS) }),
    upsertTask: (task) =>
      set((s) => {
        const i = s.tasks.findIndex((t) => t.id === task.id);
        if (i >= 0) return { tasks: s.tasks.map((t) => (t.id === task.id ? task : t)) };
        return { tasks: [task, ...s.tasks].sort((a, b) => b.startedAt.localeCompare(a.startedAt)).slice(0, RECENT_TASKS) };
      }),
    pushToast: (toast) => set((s) => ({ toasts: [...s.toasts, { ...toast, id: nextToastId++ }].slice(-MAX_TOASTS) })),
    dismissToast: (id) => set((s) => ({ toasts: s.toasts.filter((t) => t.id !== id) })),
    dismissToastsTitled: (title) => set((s) => ({ toasts: s.toasts.filter((t) => t.title !== title) })),
    setConnection: (connection) => set({ connection }),
    setStatus: (status) => set({ status }),
    setSettings: (settings) => set({ settings }),
    setInfo: (info) => set({ info }),
    setSystemPrefersDark: (systemPrefersDark) => set({ systemPrefersDark }),
  }));
}
