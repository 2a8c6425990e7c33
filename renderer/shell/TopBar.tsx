import { useShell } from '../app/shell-context';

const isMac = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform);

export function TopBar({ onSkipToContent }: { onSkipToContent(): void }) {
  const openPalette = useShell((s) => s.setPaletteOpen);
  return (
    <header className="topbar">
      <a
        className="skip-link"
        href="#main"
        onClick={(event) => {
          // Keep the fragment for the view; only move focus.
          event.preventDefault();
          onSkipToContent();
        }}
      >
        Skip to content
      </a>
      <div className="brand">
        <svg className="brand-mark" viewBox="0 0 16 16" width="18" height="18" aria-hidden="true" focusable="false">
          <path d="M8 1.5 14 5v6l-6 3.5L2 11V5z" />
          <path d="M8 8v6.5M8 8l6-3M8 8 2 5" />
        </svg>
        <span className="brand-name">Outpost</span>
      </div>
      <button type="button" className="palette-trigger" onClick={() => openPalette(true)} aria-keyshortcuts={isMac ? 'Meta+K Meta+Shift+P' : 'Control+K Control+Shift+P'}>
        <span>Jump to…</span>
        <kbd>{isMac ? '⌘' : 'Ctrl'}</kbd>
        <kbd>K</kbd>
      </button>
    </header>
  );
}
