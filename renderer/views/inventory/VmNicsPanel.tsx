import { useState } from 'react';
import type { VmSummary } from '../../../core/contract';
import { AttachNicForm, NicTable } from '../networking/AttachNicForm';
import { useContractQuery } from '../../data/use-contract-query';

/**
 * The VM's network adapters (network, MAC, connected) and seed 003's step 6: connect one to a port
 * group of its host. Read on request, like guestinfo: each read is a vCenter login.
 */
export function VmNicsPanel({ vm }: { vm: VmSummary }) {
  const [open, setOpen] = useState(false);
  return (
    <section className="vm-nics-panel" aria-labelledby="vm-nics-heading" data-testid="vm-networks">
      <h3 id="vm-nics-heading" className="vm-notes-heading">
        Networks
      </h3>
      {open ? (
        <VmNics vm={vm} />
      ) : (
        <button type="button" className="button button-small" onClick={() => setOpen(true)}>
          Show network adapters
        </button>
      )}
    </section>
  );
}

function VmNics({ vm }: { vm: VmSummary }) {
  const nics = useContractQuery(`Could not read the network adapters of ${vm.name}`, (c) => c.invoke('vm.nics.list', { site: vm.site, vm: vm.moref }), `${vm.site}/${vm.moref}`);
  if (!nics.data) return <p className="small muted">{nics.loading ? 'Reading from vCenter…' : 'Could not read the adapters; see the message above.'}</p>;
  return (
    <>
      {nics.data.nics.length === 0 ? <p className="small muted">No network adapters on this VM.</p> : <NicTable nics={nics.data.nics} caption={`Network adapters of ${vm.name}`} />}
      <AttachNicForm site={vm.site} vm={{ ref: vm.moref, name: vm.name }} nics={nics.data.nics} portGroups={nics.data.networks.map((n) => n.name)} onAttached={nics.reload} />
    </>
  );
}
