/** A form's submit button: disabled and saying what is happening while the call runs. */
export function SubmitButton({ busy, label, busyLabel, disabled = false, primary = true, small = false }: { busy: boolean; label: string; busyLabel: string; disabled?: boolean; primary?: boolean; small?: boolean }) {
  const className = ['button', small ? 'button-small' : '', primary ? 'button-primary' : ''].filter(Boolean).join(' ');
  return (
    <button type="submit" className={className} disabled={busy || disabled}>
      {busy ? busyLabel : label}
    </button>
  );
}
