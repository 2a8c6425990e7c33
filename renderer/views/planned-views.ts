import type { ViewId } from '../navigation/views';

export interface PlannedView {
  title: string;
  description: string;
  /** What the view will do when its issue lands. Honest: nothing here is sample data. */
  purpose: string;
  firstStep: string;
}

/** Views whose features arrive with later issues; each says what it is for and what comes first. */
export const plannedViews: Partial<Record<ViewId, PlannedView>> = {
  networking: {
    title: 'Networking',
    description: 'Port groups, VLANs and distributed switches across your vCenters.',
    purpose:
      'Networking will show the port groups and VLANs each vCenter knows about and run VLAN changes as procedures with verify and undo steps.',
    firstStep: 'Add a vCenter in Inventory; its networks appear here after the first sync. Not in this build yet.',
  },
  'host-upgrades': {
    title: 'Host upgrades',
    description: 'Rolling ESXi upgrades with maintenance mode and soak gates.',
    purpose:
      'Host upgrades will plan a rolling upgrade per cluster, enter maintenance mode, patch, verify and wait at gates you approve, resuming where it stopped after a crash.',
    firstStep: 'Add a vCenter in Inventory so its clusters and hosts are known. Not in this build yet.',
  },
  terminals: {
    title: 'Terminals',
    description: 'SSH and WinRM sessions to hosts and enrolled VMs.',
    purpose:
      'Terminals will open shells to ESXi hosts and guests, verifying each host key before any password or key is sent.',
    firstStep: 'Set up the vault (a passphrase, or the OS keychain in the desktop app) so credentials can be stored. Terminals are not in this build yet.',
  },
};
