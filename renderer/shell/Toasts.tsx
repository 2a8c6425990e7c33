import { useEffect } from 'react';
import { useShell } from '../app/shell-context';
import type { Toast } from '../app/shell-store';

// Errors stay until dismissed (an operator may need to copy the code); notices fade.
const INFO_TOAST_MS = 5000;

function ToastCard({ toast, dismiss }: { toast: Toast; dismiss(id: number): void }) {
  const onDismiss = (): void => dismiss(toast.id);
  useEffect(() => {
    if (toast.tone !== 'info') return undefined;
    const timer = setTimeout(() => dismiss(toast.id), INFO_TOAST_MS);
    return () => clearTimeout(timer);
  }, [toast.tone, toast.id, dismiss]);

  return (
    <div className={`toast toast-${toast.tone}`} role={toast.tone === 'error' ? 'alert' : 'status'}>
      <div className="toast-body">
        <div className="toast-title">
          <strong>{toast.title}</strong>
          {toast.code && (
            <code className="toast-code" data-testid="toast-code">
              {toast.code}
            </code>
          )}
        </div>
        <p className="toast-message">{toast.message}</p>
      </div>
      <button type="button" className="toast-dismiss" aria-label={`Dismiss: ${toast.title}`} onClick={onDismiss}>
        ×
      </button>
    </div>
  );
}

export function Toasts() {
  const toasts = useShell((s) => s.toasts);
  const dismiss = useShell((s) => s.dismissToast);
  return (
    <section className="toasts" aria-label="Notifications">
      {toasts.map((toast) => (
        <ToastCard key={toast.id} toast={toast} dismiss={dismiss} />
      ))}
    </section>
  );
}
