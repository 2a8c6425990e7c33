import { useState, type RefObject } from 'react';

/**
 * Copies text to the clipboard. Where the clipboard is refused (a locked-down window), it
 * selects the text in `selectIn` instead, so Ctrl+C copies it, and says so.
 */
export function CopyButton({ text, label, selectIn }: { text: string; label: string; selectIn?: RefObject<HTMLElement | null> }) {
  const [outcome, setOutcome] = useState<'copied' | 'selected' | null>(null);

  const selectText = (): void => {
    const node = selectIn?.current;
    const selection = window.getSelection();
    if (!node || !selection) return;
    const range = document.createRange();
    range.selectNodeContents(node);
    selection.removeAllRanges();
    selection.addRange(range);
    setOutcome('selected');
  };

  const copy = (): void => {
    const clipboard = typeof navigator !== 'undefined' ? navigator.clipboard : undefined;
    if (!clipboard) {
      selectText();
      return;
    }
    clipboard.writeText(text).then(
      () => setOutcome('copied'),
      () => selectText(),
    );
  };

  return (
    <span className="copy-control">
      <button type="button" className="button button-small" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span className="muted small" role="status">
        {outcome === 'copied' ? 'Copied' : outcome === 'selected' ? 'Selected: press Ctrl+C to copy' : ''}
      </span>
    </span>
  );
}
