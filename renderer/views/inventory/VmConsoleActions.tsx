import { useState } from 'react';
import type { VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShell, useShellStore } from '../../app/shell-context';

/**
 * The VM's console. In the browser build the host hands out a one-time console window whose CSP
 * allows exactly the ticket's wss origin (the webmks ticket never reaches this view). Everywhere
 * there is VMware Remote Console: the click asks for a vmrc://clone:TICKET@host link whose ticket
 * clones the operator's vCenter session once. The link is a secret: it lives only between the
 * answer and its opening (Electron hands it to the OS at once; the browser needs a second click
 * to launch an external app, so it shows one button that opens the link and forgets it). It is
 * never shown, copied or kept.
 */
export function VmConsoleActions({ vm }: { vm: VmSummary }) {
  const client = useClient();
  const store = useShellStore();
  const transport = useShell((s) => s.info?.transport ?? null);
  const [busy, setBusy] = useState<'window' | 'vmrc' | null>(null);
  const [origin, setOrigin] = useState<string | null>(null);
  const [pendingVmrc, setPendingVmrc] = useState<string | null>(null);
  const [vmrcLaunched, setVmrcLaunched] = useState(false);

  const failed = (err: unknown): void => {
    setBusy(null);
    store.getState().pushToast(errorToast(`Could not open the console of ${vm.name}`, err));
  };

  const openWindow = (): void => {
    // Open the window now, while the click still counts as the operator's (popup blockers), and
    // point it at the console once the ticket is ready.
    const win = window.open('', '_blank', 'popup,width=1100,height=800');
    if (win) win.opener = null;
    setBusy('window');
    client.invoke('vm.console.open', { site: vm.site, vm: vm.moref, kind: 'window' }).then(
      (r) => {
        setBusy(null);
        setOrigin(r.origin);
        if (win && r.windowPath) win.location.href = r.windowPath;
        else win?.close();
        if (r.windowPath && !win) store.getState().pushToast({ tone: 'error', title: 'The console window was blocked', message: 'Allow pop-ups for Outpost, or use VMware Remote Console.' });
      },
      (err: unknown) => {
        win?.close();
        failed(err);
      },
    );
  };

  const launch = (link: string): void => {
    setPendingVmrc(null);
    setVmrcLaunched(true);
    // Electron: its window-open handler passes a vmrc link to the OS and opens no window.
    // Browser: a vmrc: navigation goes to the registered handler and leaves this page in place.
    if (transport === 'host') window.location.assign(link);
    else window.open(link, '_blank', 'noopener');
  };

  const openVmrc = (): void => {
    setBusy('vmrc');
    setVmrcLaunched(false);
    client.invoke('vm.console.open', { site: vm.site, vm: vm.moref, kind: 'vmrc' }).then((r) => {
      setBusy(null);
      if (!r.vmrcUrl) return;
      if (transport === 'host') setPendingVmrc(r.vmrcUrl);
      else launch(r.vmrcUrl);
    }, failed);
  };

  return (
    <section className="vm-console-actions" aria-labelledby="vm-console-heading" data-testid="vm-console">
      <h3 id="vm-console-heading" className="vm-notes-heading">
        Console
      </h3>
      <div className="row-actions">
        {transport === 'host' && (
          <button type="button" className="button button-small" onClick={openWindow} disabled={busy !== null}>
            {busy === 'window' ? 'Opening…' : 'Open console window'}
          </button>
        )}
        <button type="button" className="button button-small" onClick={openVmrc} disabled={busy !== null}>
          {busy === 'vmrc' ? 'Getting a ticket…' : 'VMware Remote Console'}
        </button>
      </div>
      {pendingVmrc && (
        <p className="small" data-testid="vm-console-vmrc">
          <button type="button" className="button button-small" onClick={() => launch(pendingVmrc)}>
            Open in VMware Remote Console
          </button>{' '}
          <span className="muted">one-time ticket, no second login</span>
        </p>
      )}
      {vmrcLaunched && (
        <p className="small muted" data-testid="vm-console-vmrc-sent">
          Sent to VMware Remote Console (its ticket works once). If nothing opened, install VMRC and ask again.
        </p>
      )}
      {origin && <p className="small muted">Console window connects to {origin}, ticket valid once.</p>}
    </section>
  );
}
