import { useState } from 'react';
import type { CommandOutput, VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';
import { CopyButton } from '../CopyButton';

type Opened = CommandOutput<'vm.console.open'>;

/**
 * The VM's console. In the browser build the host hands out a one-time console window whose CSP
 * allows exactly the ticket's wss origin; everywhere there is a vmrc:// link for VMware Remote
 * Console (no ticket in it: VMRC asks for the login itself). The ticket never reaches this view.
 */
export function VmConsoleActions({ vm }: { vm: VmSummary }) {
  const client = useClient();
  const store = useShellStore();
  const transport = useShell((s) => s.info?.transport ?? null);
  const [busy, setBusy] = useState(false);
  const [opened, setOpened] = useState<Opened | null>(null);

  const open = (): void => {
    // Open the window now, while the click still counts as the operator's (popup blockers), and
    // point it at the console once the ticket is ready.
    const win = transport === 'host' ? window.open('', '_blank', 'popup,width=1100,height=800') : null;
    if (win) win.opener = null;
    setBusy(true);
    client.invoke('vm.console.open', { site: vm.site, vm: vm.moref }).then(
      (r) => {
        setBusy(false);
        setOpened(r);
        if (win && r.windowPath) win.location.href = r.windowPath;
        else win?.close();
        if (r.windowPath && !win) store.getState().pushToast({ tone: 'error', title: 'The console window was blocked', message: 'Allow pop-ups for Outpost, or use VMware Remote Console below.' });
      },
      (err: unknown) => {
        setBusy(false);
        win?.close();
        store.getState().pushToast(errorToast(`Could not open the console of ${vm.name}`, err));
      },
    );
  };

  return (
    <section className="vm-console-actions" aria-labelledby="vm-console-heading" data-testid="vm-console">
      <h3 id="vm-console-heading" className="vm-notes-heading">
        Console
      </h3>
      <div className="row-actions">
        <button type="button" className="button button-small" onClick={open} disabled={busy}>
          {busy ? 'Opening…' : transport === 'host' ? 'Open console window' : 'Console link'}
        </button>
      </div>
      {opened && (
        <p className="small" data-testid="vm-console-vmrc">
          <a href={opened.vmrcUrl} className="mono">
            Open in VMware Remote Console
          </a>{' '}
          <CopyButton text={opened.vmrcUrl} label="Copy the VMRC link" />
          {opened.origin && <span className="muted"> · window connects to {opened.origin}, ticket valid once</span>}
        </p>
      )}
    </section>
  );
}
