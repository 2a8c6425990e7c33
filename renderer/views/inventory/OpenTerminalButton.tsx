import { useEffect, useState } from 'react';
import { isWindowsGuest, type VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { terminalsStore } from '../terminals/terminals-store';

/**
 * A VM's console actions: "Open SSH terminal" (PowerShell for a Windows guest) opens the Terminals
 * page's dialog with this VM picked; a Windows guest also gets "RDP": with a password credential
 * picked, FreeRDP starts logged in (the password goes to it on stdin, never on a command line or
 * disk); without one, a .rdp file opens in the system's RDP client, which asks for the password.
 */
export function OpenTerminalButton({ vm }: { vm: VmSummary }) {
  const client = useClient();
  const shell = useShellStore();
  const [rdpBusy, setRdpBusy] = useState(false);
  const [rdpCredentials, setRdpCredentials] = useState<string[]>([]);
  const [rdpCredential, setRdpCredential] = useState('');
  const windows = isWindowsGuest(vm);
  useEffect(() => {
    if (!windows) return;
    let live = true;
    // A locked vault lists nothing: the button then falls back to the .rdp file.
    client.invoke('credentials.list', {}).then(
      (list) => live && setRdpCredentials(list.filter((c) => c.kind === 'password').map((c) => c.name)),
      () => undefined,
    );
    return () => {
      live = false;
    };
  }, [client, windows]);
  const address = vm.ipAddress ?? vm.ipAddresses[0] ?? null;
  const why = 'No guest IP reported (is VMware Tools running?)';

  const rdp = (): void => {
    setRdpBusy(true);
    client.invoke('terminal.rdp', { site: vm.site, vm: vm.moref, ...(rdpCredential ? { credential: rdpCredential } : {}) }).then(
      (r) => {
        setRdpBusy(false);
        shell.getState().pushToast({ tone: 'info', title: `RDP to ${vm.name}`, message: r.message });
      },
      (err: unknown) => {
        setRdpBusy(false);
        shell.getState().pushToast(errorToast(`RDP to ${vm.name}`, err));
      },
    );
  };

  return (
    <div className="row-actions vm-console-actions" role="group" aria-label="Console">
      <button
        type="button"
        className="button button-small"
        disabled={!address}
        title={address ? `Connect to ${address} with a credential profile` : why}
        onClick={() => {
          terminalsStore.getState().requestOpen({ prefill: { kind: 'vm', site: vm.site, vm: vm.moref, name: vm.name, protocol: 'auto' }, split: false });
          shell.getState().navigate('terminals', { focusMain: false });
        }}
        data-testid="open-vm-terminal"
      >
        {windows ? 'Open PowerShell' : 'Open SSH terminal'}
      </button>
      {windows && rdpCredentials.length > 0 && (
        <select className="select select-small" aria-label="RDP credential" value={rdpCredential} onChange={(e) => setRdpCredential(e.target.value)} data-testid="rdp-credential">
          <option value="">RDP: ask for the password</option>
          {rdpCredentials.map((name) => (
            <option key={name} value={name}>
              RDP as {name}
            </option>
          ))}
        </select>
      )}
      {windows && (
        <button type="button" className="button button-small" disabled={!address || rdpBusy} title={address ? `Remote Desktop to ${address}:3389` : why} onClick={rdp}>
          {rdpBusy ? 'RDP…' : 'RDP'}
        </button>
      )}
    </div>
  );
}
