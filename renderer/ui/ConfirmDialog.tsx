import { useCallback, useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { useShell } from '../app/shell-context';

export interface ConfirmRequest {
  title: string;
  body: ReactNode;
  confirmLabel: string;
}

interface ConfirmDialogProps extends ConfirmRequest {
  onAnswer(confirmed: boolean): void;
}

/**
 * A modal question before a destructive action. Focus starts on "Keep" (the safe answer), Tab
 * stays inside, Escape or a click outside answers no, and focus returns where it was.
 */
export function ConfirmDialog({ title, body, confirmLabel, onAnswer }: ConfirmDialogProps) {
  const baseId = useId();
  const dialogRef = useRef<HTMLDivElement>(null);
  const keepRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    const previous = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    keepRef.current?.focus();
    return () => previous?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>): void => {
    if (event.key === 'Escape') {
      event.preventDefault();
      event.stopPropagation();
      onAnswer(false);
      return;
    }
    if (event.key !== 'Tab') return;
    const buttons = [...(dialogRef.current?.querySelectorAll<HTMLButtonElement>('button') ?? [])];
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    event.preventDefault();
    const next = buttons[(at + (event.shiftKey ? -1 : 1) + buttons.length) % buttons.length];
    next?.focus();
  };

  return (
    <div className="dialog-backdrop" onMouseDown={(event) => event.target === event.currentTarget && onAnswer(false)}>
      <div
        ref={dialogRef}
        className="dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby={`${baseId}-title`}
        aria-describedby={`${baseId}-body`}
        onKeyDown={onKeyDown}
      >
        <h2 id={`${baseId}-title`}>{title}</h2>
        <div id={`${baseId}-body`} className="dialog-body">
          {body}
        </div>
        <div className="form-actions dialog-actions">
          <button ref={keepRef} type="button" className="button" onClick={() => onAnswer(false)}>
            Keep
          </button>
          <button type="button" className="button button-danger" onClick={() => onAnswer(true)}>
            {confirmLabel}
          </button>
        </div>
      </div>
    </div>
  );
}

/**
 * Asks before a destructive action when the operator's confirmDestructive setting is on; with it
 * off, the action runs at once. Render `dialog` somewhere in the view.
 */
export function useConfirmDestructive(): { confirm(request: ConfirmRequest, action: () => void): void; dialog: ReactNode } {
  const ask = useShell((s) => s.settings?.confirmDestructive ?? true);
  const [pending, setPending] = useState<{ request: ConfirmRequest; action: () => void } | null>(null);
  const confirm = useCallback(
    (request: ConfirmRequest, action: () => void): void => {
      if (ask) setPending({ request, action });
      else action();
    },
    [ask],
  );
  const dialog = pending ? (
    <ConfirmDialog
      {...pending.request}
      onAnswer={(yes) => {
        setPending(null);
        if (yes) pending.action();
      }}
    />
  ) : null;
  return { confirm, dialog };
}
