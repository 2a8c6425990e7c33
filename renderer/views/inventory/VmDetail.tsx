import { useState } from 'react';
import type { VmSummary } from '../../../core/contract';
import { errorToast } from '../../app/error-toast';
import { useClient, useShellStore } from '../../app/shell-context';
import { useConfirmDestructive } from '../../ui/ConfirmDialog';
import { formatTime } from '../../ui/format-time';
import { powerLabel, toolsLabel } from './vm-rows';
import { VmAccessPanels } from './VmAccessPanels';
import { OpenTerminalButton } from './OpenTerminalButton';
import { VmTimeline } from './VmTimeline';

type PowerAction = 'on' | 'off' | 'reset' | 'shutdown';
const actions: { action: PowerAction; label: string; destructive: boolean; when(vm: VmSummary): boolean; explain: string }[] = [
  { action: 'on', label: 'Power on', destructive: false, when: (vm) => vm.powerState !== 'poweredOn', explain: '' },
  { action: 'shutdown', label: 'Shut down guest', destructive: true, when: (vm) => vm.powerState === 'poweredOn', explain: 'asks the guest OS to shut down (needs VMware Tools running)' },
  { action: 'reset', label: 'Reset', destructive: true, when: (vm) => vm.powerState === 'poweredOn', explain: 'restarts the VM at once, like pressing its reset button; unsaved work in the guest is lost' },
  { action: 'off', label: 'Power off', destructive: true, when: (vm) => vm.powerState !== 'poweredOff', explain: 'cuts the power at once; unsaved work in the guest is lost' },
];

/** The selected VM's fields and its power actions (destructive ones ask first when the setting says so). */
export function VmDetail({ vm, onClose, onPowered }: { vm: VmSummary; onClose(): void; onPowered(): void }) {
  const client = useClient();
  const store = useShellStore();
  const { confirm, dialog } = useConfirmDestructive();
  const [busy, setBusy] = useState<PowerAction | null>(null);

  const run = (action: PowerAction, label: string): void => {
    setBusy(action);
    client.invoke('vm.power', { site: vm.site, vm: vm.moref, action }).then(
      (r) => {
        setBusy(null);
        // vm.power writes the new state to the store itself; a watcher then sees no change to announce.
        onPowered();
        store.getState().pushToast({ tone: 'info', title: `${label}: ${vm.name}`, message: `Now ${r.powerState}.` });
      },
      (err: unknown) => {
        setBusy(null);
        store.getState().pushToast(errorToast(`${label} failed for ${vm.name}`, err));
      },
    );
  };

  const fields: [string, string, boolean?][] = [
    ['Site', vm.site],
    ['Power', powerLabel(vm)],
    ['Guest OS', vm.guestFullName ?? vm.guestId ?? '—'],
    ['IP addresses', vm.ipAddresses.length ? vm.ipAddresses.join(', ') : (vm.ipAddress ?? '—'), true],
    ['Guest host name', vm.hostName ?? '—', true],
    ['Host', vm.host ?? '—'],
    ['CPUs', vm.numCpu === null ? '—' : String(vm.numCpu)],
    ['Memory', vm.memoryMB === null ? '—' : `${vm.memoryMB} MB`],
    ['VMware Tools', toolsLabel(vm)],
    ['Folder', vm.folderPath ?? '—'],
    ['UUID', vm.uuid ?? '—', true],
    ['Instance UUID', vm.instanceUuid ?? '—', true],
    ['Managed object', vm.moref, true],
    ['Updated', formatTime(vm.updatedAt)],
  ];

  return (
    // Escape anywhere in the pane closes it, like the Close button (a confirmation inside answers Escape itself first).
    <aside
      className="panel vm-detail"
      aria-labelledby="vm-detail-heading"
      data-testid="vm-detail"
      onKeyDown={(event) => {
        if (event.key !== 'Escape' || event.defaultPrevented) return;
        event.preventDefault();
        onClose();
      }}
    >
      <div className="vm-detail-head">
        <h2 id="vm-detail-heading">{vm.name}</h2>
        <button type="button" className="button button-small" onClick={onClose} aria-label="Close the details">
          Close
        </button>
      </div>
      <p className="small">
        <span className={`badge vm-power-badge vm-power-${vm.powerState ?? 'unknown'}`} data-testid="vm-detail-power">
          {powerLabel(vm)}
        </span>
      </p>
      <div className="row-actions vm-power-actions" role="group" aria-label="Power">
        {actions
          .filter((a) => a.when(vm))
          .map((a) => (
            <button
              key={a.action}
              type="button"
              className={a.destructive ? 'button button-small button-danger' : 'button button-small'}
              disabled={busy !== null}
              onClick={() =>
                a.destructive
                  ? confirm({ title: `${a.label} ${vm.name}?`, body: <p>This {a.explain}.</p>, confirmLabel: a.label }, () => run(a.action, a.label))
                  : run(a.action, a.label)
              }
            >
              {busy === a.action ? `${a.label}…` : a.label}
            </button>
          ))}
      </div>
      <OpenTerminalButton vm={vm} />
      <dl className="facts vm-facts">
        {fields.map(([label, value, mono]) => (
          <div key={label} className="vm-fact">
            <dt>{label}</dt>
            <dd className={mono ? 'mono' : undefined}>{value}</dd>
          </div>
        ))}
      </dl>
      {vm.annotation && (
        <>
          <h3 className="vm-notes-heading">Notes</h3>
          <p className="small vm-notes">{vm.annotation}</p>
        </>
      )}
      <VmAccessPanels vm={vm} />
      <VmTimeline key={`${vm.site}/${vm.moref}`} vm={vm} />
      {dialog}
    </aside>
  );
}
