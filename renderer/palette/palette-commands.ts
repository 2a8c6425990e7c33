import { viewTargets, type ViewId } from '../navigation/views';

export interface PaletteCommand {
  id: string;
  label: string;
  /** Shown at the right of the row: the shortcut, or what kind of command it is. */
  hint: string;
  keywords: string;
  run(): void;
}

export interface PaletteActions {
  navigate(view: ViewId): void;
  toggleTheme(): void;
  followSystemTheme(): void;
  refreshStatus(): void;
}

/** Everything the palette offers: every view, then actions. */
export function buildPaletteCommands(actions: PaletteActions): PaletteCommand[] {
  const navigation = viewTargets.map<PaletteCommand>((target) => ({
    id: `go:${target.id}`,
    label: target.label,
    hint: `G ${target.key.toUpperCase()}`,
    keywords: `go to open view ${target.keywords}`,
    run: () => actions.navigate(target.id),
  }));
  return [
    ...navigation,
    { id: 'theme:toggle', label: 'Toggle theme', hint: 'Action', keywords: 'dark light mode appearance', run: actions.toggleTheme },
    { id: 'theme:system', label: 'Follow system theme', hint: 'Action', keywords: 'os auto dark light appearance', run: actions.followSystemTheme },
    { id: 'status:refresh', label: 'Refresh status', hint: 'Action', keywords: 'reload sites vault procedures', run: actions.refreshStatus },
  ];
}
