import { useRef } from 'react';
import { CopyButton } from '../CopyButton';

/**
 * Text the operator pastes elsewhere (rules, a hosts block, a PEM): kept on its real lines,
 * focusable so it scrolls by keyboard, with a Copy button.
 */
export function CopyableBlock({ text, label, copyLabel, testId }: { text: string; label: string; copyLabel: string; testId?: string }) {
  const ref = useRef<HTMLPreElement>(null);
  return (
    <div className="code-block">
      <pre ref={ref} className="gate-prompt copyable-text" data-testid={testId} tabIndex={0} aria-label={label}>
        {text}
      </pre>
      <CopyButton text={text} label={copyLabel} selectIn={ref} />
    </div>
  );
}
