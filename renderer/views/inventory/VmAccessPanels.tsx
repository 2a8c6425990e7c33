import type { VmSummary } from '../../../core/contract';
import { GuestInfoPanel } from './GuestInfoPanel';
import { VmConsoleActions } from './VmConsoleActions';
import { VmNicsPanel } from './VmNicsPanel';

/** Console, network adapters and guest info for the VM detail pane (one mount point, so VmDetail changes by one line). */
export function VmAccessPanels({ vm }: { vm: VmSummary }) {
  return (
    <>
      <VmConsoleActions vm={vm} />
      <VmNicsPanel key={`nics-${vm.moref}`} vm={vm} />
      <GuestInfoPanel key={vm.moref} vm={vm} />
    </>
  );
}
