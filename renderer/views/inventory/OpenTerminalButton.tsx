import { useState } from 'react';
import { isWindowsGuest, type VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { terminalsStore } from '../terminals/terminals-store';

/**
 * A VM's console actions: "Open SSH terminal" (PowerShell for a Windows guest) opens the Terminals
 * page's dialog with this VM picked; a Windows guest also gets "RDP", which writes a .rdp file and
 * starts the system's RDP client.
 */
export function OpenTerminalButton({ vm }: { vm: VmSummary }) {
  const client = useClient();
  const shell = useShellStore();
  const [rdpBusy, setRdpBusy] = useState(false);
  const windows = isWindowsGuest(vm);
  const address = vm.ipAddress ?? vm.ipAddresses[0] ?? null;
  const why = 'No guest IP reported (is VMware Tools running?)';

  const rdp = (): void => {
    setRdpBusy(true);
    client.invoke('terminal.rdp', { site: vm.site, vm: vm.moref }).then(
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
      {windows && (
        <button type="button" className="button button-small" disabled={!address || rdpBusy} title={address ? `Remote Desktop to ${address}:3389` : why} onClick={rdp}>
          {rdpBusy ? 'RDP…' : 'RDP'}
        </button>
      )}
    </div>
  );
}
