import { useRef } from 'react';
import { CopyButton } from '../../ui/CopyButton';

/**
 * Text the operator pastes elsewhere (rules, a hosts block, a PEM): kept on its real lines (long
 * ones scroll sideways, so a soft wrap is never mistaken for two commands), focusable so it
 * scrolls by keyboard, with a Copy button above it rather than over it.
 */
export function CopyableBlock({ text, label, copyLabel, testId }: { text: string; label: string; copyLabel: string; testId?: string }) {
  const ref = useRef<HTMLPreElement>(null);
  return (
    <div className="copyable">
      <div className="copyable-bar">
        <span className="muted small">{label}</span>
        <CopyButton text={text} label={copyLabel} selectIn={ref} />
      </div>
      <pre ref={ref} className="copyable-text" data-testid={testId} tabIndex={0} aria-label={label}>
        {text}
      </pre>
    </div>
  );
}
