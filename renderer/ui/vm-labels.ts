import type { VmSummary } from '../../core/contract';

/** How a VM's power and Tools states read, wherever VMs are listed (the inventory table, the VM picker). */

/** vim25's VirtualMachineToolsRunningStatus, plus "unknown" for a VM vCenter reports none for. */
export const toolsStatuses = ['guestToolsRunning', 'guestToolsNotRunning', 'guestToolsExecutingScripts', 'unknown'] as const;
export type ToolsFilter = (typeof toolsStatuses)[number] | '';

export const powerLabels: Record<string, string> = { poweredOn: 'On', poweredOff: 'Off', suspended: 'Suspended' };
export const toolsLabels: Record<string, string> = {
  guestToolsRunning: 'Running',
  guestToolsNotRunning: 'Not running',
  guestToolsExecutingScripts: 'Starting',
  unknown: 'Unknown',
};

/** [value, label] pairs for the power and Tools filters. */
export const powerOptions = Object.entries(powerLabels) as [string, string][];
export const toolsOptions = toolsStatuses.map((value) => [value, toolsLabels[value]!] as const);

export const powerLabel = (vm: VmSummary): string => (vm.powerState ? (powerLabels[vm.powerState] ?? vm.powerState) : 'Unknown');
export const toolsLabel = (vm: VmSummary): string => toolsLabels[vm.toolsRunningStatus ?? 'unknown'] ?? vm.toolsRunningStatus ?? 'Unknown';
